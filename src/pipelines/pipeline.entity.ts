import { Entity, Property } from '@mikro-orm/core';
import { BaseEntity } from '../core/base.entity';

export interface PipelineStage {
  key: string;
  name: string;
  description?: string | null;
  params: { name: string; key: string; category: string }[];
}

/** A named, versioned chain of algorithms, identified by its slug. */
@Entity({ tableName: 'pipelines' })
export class Pipeline extends BaseEntity<'description' | 'stages'> {
  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'string', length: 255, unique: true })
  slug!: string;

  @Property({ type: 'integer' })
  version!: number;

  @Property({ type: 'text', default: '' })
  description: string = '';

  @Property({ type: 'json', default: '[]' })
  stages: PipelineStage[] = [];
}
