import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** The labels a classifier outputs. Shared by algorithms whose maps are identical (same digest). */
@Entity({ tableName: 'category_maps' })
export class CategoryMap {
  [OptionalProps]?: 'createdAt' | 'version' | 'description' | 'uri';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  /** SHA-256 of the canonical JSON of data and labels; makes identical maps one row. */
  @Property({ type: 'string', length: 64, unique: true })
  contentDigest!: string;

  @Property({ type: 'json' })
  data!: unknown[];

  @Property({ type: 'json' })
  labels!: string[];

  @Property({ type: 'string', length: 255, nullable: true })
  version?: string | null;

  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Property({ type: 'string', length: 1024, nullable: true })
  uri?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
