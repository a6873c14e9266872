import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref, Unique } from '@mikro-orm/core';
import type { ClientInfo } from '../processing-services/client-info';
import { ProcessingService } from '../processing-services/processing-service.entity';
import { Job } from './job.entity';

/** Stored task states. An expired lease stays LEASED until it is leased again or its job's attempts run out. */
export const taskStates = ['QUEUED', 'LEASED', 'DONE', 'FAILED'] as const;
export type TaskState = (typeof taskStates)[number];

/** One source image of a job, and its current lease. */
@Entity({ tableName: 'tasks' })
@Unique({ properties: ['job', 'imageId'] })
// What leasing scans: the open tasks of a job in id order, and the leased ones with their expiry.
@Index({ name: 'tasks_open_index', expression: `create index "tasks_open_index" on "tasks" ("job_id", "id") where state in ('QUEUED', 'LEASED')` })
@Index({
  name: 'tasks_leased_index',
  expression: `create index "tasks_leased_index" on "tasks" ("job_id") include ("lease_expires_at", "attempts") where state = 'LEASED'`,
})
export class Task {
  [OptionalProps]?:
    | 'state'
    | 'attempts'
    | 'leaseTokenDigest'
    | 'leaseExpiresAt'
    | 'processingService'
    | 'worker'
    | 'lastError'
    | 'completedAt'
    | 'createdAt';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Job, { ref: true, deleteRule: 'cascade' })
  job!: Ref<Job>;

  @Property({ type: 'string', length: 255 })
  imageId!: string;

  @Property({ type: 'string', length: 2048 })
  imageUrl!: string;

  @Enum({ items: () => [...taskStates], default: 'QUEUED' })
  state: TaskState = 'QUEUED';

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  /** SHA-256 of the current lease's token; the token itself is only ever in the worker's hands. */
  @Property({ type: 'blob', nullable: true })
  leaseTokenDigest?: Buffer | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  leaseExpiresAt?: Date | null;

  @ManyToOne(() => ProcessingService, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  processingService?: Ref<ProcessingService> | null;

  @Property({ type: 'json', nullable: true })
  worker?: ClientInfo | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  completedAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}

/** Every lease ever handed out, so a late result can still name its task and its service. */
@Entity({ tableName: 'task_leases' })
export class TaskLease {
  [OptionalProps]?: 'leasedAt';

  @PrimaryKey({ type: 'blob' })
  tokenDigest!: Buffer;

  @ManyToOne(() => Task, { ref: true, deleteRule: 'cascade', index: true })
  task!: Ref<Task>;

  @ManyToOne(() => Job, { ref: true, deleteRule: 'cascade', index: true })
  job!: Ref<Job>;

  @ManyToOne(() => ProcessingService, { ref: true, deleteRule: 'cascade', index: true })
  processingService!: Ref<ProcessingService>;

  @Property({ type: 'json' })
  worker!: ClientInfo;

  @Property({ type: 'integer' })
  attempt!: number;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  leasedAt: Date = new Date();
}
