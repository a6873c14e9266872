import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { ProcessingService } from '../processing-services/processing-service.entity';
import { User } from '../users/user.entity';

/** Maximum key name length; longer names (e.g. from a long service name) are cut to fit. */
export const API_KEY_NAME_MAX = 100;

/**
 * An API key of one processing service. The plaintext is never stored: `digest` names its
 * algorithm (`sha256:<hex>`) so the scheme can change without a flag day.
 */
@Entity({ tableName: 'api_keys' })
export class ApiKey {
  [OptionalProps]?: 'createdAt' | 'createdBy' | 'expiresAt' | 'revokedAt' | 'lastUsedAt';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @Property({ type: 'string', length: 32, unique: true })
  prefix!: string;

  @Property({ type: 'string', length: 100, lazy: true })
  digest!: string;

  @Property({ type: 'string', length: API_KEY_NAME_MAX })
  name!: string;

  @ManyToOne(() => ProcessingService, { ref: true, deleteRule: 'cascade', index: true })
  processingService!: Ref<ProcessingService>;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null' })
  createdBy?: Ref<User> | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  lastUsedAt?: Date | null;
}
