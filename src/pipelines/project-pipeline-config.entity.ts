import { Entity, ManyToOne, OptionalProps, PrimaryKeyProp, Property, type Ref } from '@mikro-orm/core';
import { Project } from '../projects/project.entity';
import { Pipeline } from './pipeline.entity';

/** Whether, and how, a project uses a pipeline. Registration creates it enabled and never changes it. */
@Entity({ tableName: 'project_pipeline_configs' })
export class ProjectPipelineConfig {
  [PrimaryKeyProp]?: ['project', 'pipeline'];
  [OptionalProps]?: 'enabled' | 'config' | 'createdAt';

  @ManyToOne(() => Project, { primary: true, ref: true, deleteRule: 'cascade' })
  project!: Ref<Project>;

  @ManyToOne(() => Pipeline, { primary: true, ref: true, deleteRule: 'cascade', index: true })
  pipeline!: Ref<Pipeline>;

  @Property({ type: 'boolean', default: true })
  enabled: boolean = true;

  @Property({ type: 'json', default: '{}' })
  config: Record<string, unknown> = {};

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
