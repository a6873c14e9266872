import { Check, Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import type { ClientInfo } from '../processing-services/client-info';
import { ProcessingService } from '../processing-services/processing-service.entity';
import { Job } from './job.entity';
import { Task } from './task.entity';

/** A task's final answer: a pipeline result or an error, stored once per task (unique task id). */
@Entity({ tableName: 'task_results' })
@Index({ properties: ['job', 'id'] })
@Check({ name: 'task_results_result_or_error', expression: '(result is null) <> (error is null)' })
export class TaskResult {
  [OptionalProps]?: 'processingService' | 'result' | 'error' | 'errorImageId' | 'createdAt';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Task, { ref: true, deleteRule: 'cascade', unique: true })
  task!: Ref<Task>;

  @ManyToOne(() => Job, { ref: true, deleteRule: 'cascade' })
  job!: Ref<Job>;

  @ManyToOne(() => ProcessingService, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  processingService?: Ref<ProcessingService> | null;

  @Property({ type: 'json' })
  worker!: ClientInfo;

  @Property({ type: 'blob' })
  leaseTokenDigest!: Buffer;

  @Property({ type: 'json', nullable: true })
  result?: Record<string, unknown> | null;

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Property({ type: 'string', length: 255, nullable: true })
  errorImageId?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
