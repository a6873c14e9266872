import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Job } from '../jobs/job.entity';
import type { ClientInfo } from '../processing-services/client-info';
import { ProcessingService } from '../processing-services/processing-service.entity';

/**
 * A batch the gateway has in flight to a push-mode service: one slot of the service's
 * concurrency limit, shared by every replica. Deleted when the batch ends; a replica that dies
 * leaves it to expire with its tasks' leases.
 */
@Entity({ tableName: 'push_batches' })
@Index({ properties: ['processingService', 'expiresAt'] })
export class PushBatch {
  [OptionalProps]?: 'startedAt';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => ProcessingService, { ref: true, deleteRule: 'cascade' })
  processingService!: Ref<ProcessingService>;

  @ManyToOne(() => Job, { ref: true, deleteRule: 'cascade', index: true })
  job!: Ref<Job>;

  /** The replica that sends it. */
  @Property({ type: 'json' })
  worker!: ClientInfo;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  startedAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  expiresAt!: Date;
}
