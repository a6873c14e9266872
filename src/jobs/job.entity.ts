import { Check, Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Pipeline } from '../pipelines/pipeline.entity';
import { Project } from '../projects/project.entity';
import { User } from '../users/user.entity';

/**
 * One pipeline run over a project's source images. Its status and progress are derived from its
 * tasks: the counters below track the stored terminal states and change in the same transaction
 * as the tasks they count; leased and expired tasks are counted from their partial index.
 */
@Entity({ tableName: 'jobs' })
@Index({ properties: ['project', 'id'] })
@Check({ name: 'jobs_max_attempts_range', expression: 'max_attempts >= 1 and max_attempts <= 100' })
@Check({ name: 'jobs_lease_seconds_range', expression: 'lease_seconds >= 1 and lease_seconds <= 86400' })
@Check({ name: 'jobs_counters_bounded', expression: 'tasks_done >= 0 and tasks_failed >= 0 and tasks_done + tasks_failed <= tasks_total' })
export class Job {
  [OptionalProps]?:
    | 'createdAt'
    | 'createdBy'
    | 'startedAt'
    | 'canceledAt'
    | 'lastCompletedAt'
    | 'maxAttempts'
    | 'leaseSeconds'
    | 'tasksTotal'
    | 'tasksDone'
    | 'tasksFailed';

  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Project, { ref: true, deleteRule: 'cascade' })
  project!: Ref<Project>;

  @ManyToOne(() => Pipeline, { ref: true, deleteRule: 'cascade', index: true })
  pipeline!: Ref<Pipeline>;

  @Property({ type: 'string', length: 255 })
  name!: string;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: 'set null', index: true })
  createdBy?: Ref<User> | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  canceledAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  lastCompletedAt?: Date | null;

  @Property({ type: 'integer', default: 3 })
  maxAttempts: number = 3;

  @Property({ type: 'integer', default: 300 })
  leaseSeconds: number = 300;

  @Property({ type: 'integer', default: 0 })
  tasksTotal: number = 0;

  @Property({ type: 'integer', default: 0 })
  tasksDone: number = 0;

  @Property({ type: 'integer', default: 0 })
  tasksFailed: number = 0;
}
