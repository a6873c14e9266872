import { Entity, ManyToOne, PrimaryKeyProp, Property, type Ref, Unique } from '@mikro-orm/core';
import { Algorithm } from './algorithm.entity';
import { Pipeline } from './pipeline.entity';

/** The ordered algorithm chain of a pipeline: one row per position. */
@Entity({ tableName: 'pipeline_algorithms' })
@Unique({ properties: ['pipeline', 'algorithm'] })
export class PipelineAlgorithm {
  [PrimaryKeyProp]?: ['pipeline', 'position'];

  @ManyToOne(() => Pipeline, { primary: true, ref: true, deleteRule: 'cascade' })
  pipeline!: Ref<Pipeline>;

  @Property({ type: 'integer', primary: true })
  position!: number;

  @ManyToOne(() => Algorithm, { ref: true, deleteRule: 'cascade', index: true })
  algorithm!: Ref<Algorithm>;
}
