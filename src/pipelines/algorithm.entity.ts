import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import { CategoryMap } from './category-map.entity';
import { taskTypes, type TaskType } from './task-type';

/** One model step. (key, version) identifies it; a new version of a key is a new row. */
@Entity({ tableName: 'algorithms' })
@Unique({ properties: ['key', 'version'] })
export class Algorithm {
  [OptionalProps]?: 'createdAt' | 'versionName' | 'description' | 'uri' | 'categoryMap';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'string', length: 255 })
  key!: string;

  @Property({ type: 'integer' })
  version!: number;

  @Property({ type: 'string', length: 255, nullable: true })
  versionName?: string | null;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Enum({ items: () => [...taskTypes] })
  taskType!: TaskType;

  @Property({ type: 'string', length: 1024, nullable: true })
  uri?: string | null;

  @ManyToOne(() => CategoryMap, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  categoryMap?: Ref<CategoryMap> | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
