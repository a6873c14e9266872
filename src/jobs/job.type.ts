import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { registerStringEnum } from '../graphql/enum';
import { PageInfo } from '../graphql/page-info';
import { ClientInfoType } from '../processing-services/processing-service.type';
import { jobStatuses } from './job.service';

export const JobStatusEnum = registerStringEnum(
  jobStatuses,
  'JobStatus',
  'Derived from the tasks: CREATED (no tasks yet), QUEUED (none leased yet), RUNNING, SUCCESS (every task done), FAILURE (nothing left to do, at least one task failed for good), CANCELED.',
);

@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('JobProgress', { description: 'Where the tasks are; every task is counted in exactly one field besides total.' })
export class JobProgressType {
  @Field(() => Int)
  total!: number;

  @Field(() => Int, { description: 'Waiting, including expired leases with attempts left.' })
  queued!: number;

  @Field(() => Int)
  leased!: number;

  @Field(() => Int)
  done!: number;

  @Field(() => Int, { description: 'Failed for good: an error with no attempts left, or every attempt leased without a result.' })
  failed!: number;

  @Field(() => Int, { description: 'Left undone when the job was canceled.' })
  canceled!: number;
}

@Auth(['PROJECT_MEMBER', 'PROCESSING_SERVICE'], { scope: 'Job' })
@ObjectType('Job', { description: "One pipeline run over a project's source images; workers lease its tasks." })
export class JobType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  pipelineSlug!: string;

  @Field(() => JobStatusEnum)
  status!: string;

  @Field(() => JobProgressType)
  progress!: JobProgressType;

  @Field(() => Int)
  maxAttempts!: number;

  @Field(() => Int)
  leaseSeconds!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the first task was leased.' })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When nothing was left to do, or when it was canceled.' })
  finishedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  canceledAt!: Date | null;
}

@Auth('USER')
@ObjectType('JobWorker', { description: 'A worker that leased tasks of the job.' })
export class JobWorkerType {
  @Field(() => ClientInfoType, { description: 'What it reported when it leased, and what the server observed.' })
  clientInfo!: ClientInfoType;

  @Field(() => Int)
  leases!: number;

  @Field(() => Date)
  lastLeasedAt!: Date;
}

@Auth('USER')
@ObjectType('JobResult', { description: "A task's stored answer: a pipeline result or an error, attributed to who sent it." })
export class JobResultType {
  @Field(() => ID)
  id!: number;

  @Field(() => ID)
  taskId!: number;

  @Field(() => String)
  imageId!: string;

  @Field(() => String)
  imageUrl!: string;

  @Field(() => Int, { description: 'Leases the task took.' })
  attempts!: number;

  @Field(() => ClientInfoType)
  worker!: ClientInfoType;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The pipeline result as stored, timestamps in ISO 8601 UTC.' })
  result!: Record<string, unknown> | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => String, { nullable: true })
  errorImageId!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@Auth('USER')
@ObjectType('JobResultEdge')
export class JobResultEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => JobResultType)
  node!: JobResultType;
}

@Auth('USER')
@ObjectType('JobResultConnection')
export class JobResultConnection {
  @Field(() => [JobResultEdge])
  edges!: JobResultEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@Auth('USER')
@ObjectType('JobEdge')
export class JobEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => JobType)
  node!: JobType;
}

@Auth('USER')
@ObjectType('JobConnection')
export class JobConnection {
  @Field(() => [JobEdge])
  edges!: JobEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@Auth('PROCESSING_SERVICE')
@ObjectType('LeasedTask', { description: 'A task leased to the calling service until leaseExpiresAt.' })
export class LeasedTaskType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  imageId!: string;

  @Field(() => String)
  imageUrl!: string;

  @Auth('PROCESSING_SERVICE')
  @Field(() => String, { description: 'Names the task in submitResults and renewTaskLeases. Shown only here; only its digest is stored.' })
  leaseToken!: string;

  @Field(() => Date)
  leaseExpiresAt!: Date;

  @Field(() => Int, { description: '1 for the first lease of the task.' })
  attempt!: number;
}

@Auth('PROCESSING_SERVICE')
@ObjectType('TaskBatch')
export class TaskBatch {
  @Field(() => ID)
  jobId!: number;

  @Field(() => [LeasedTaskType], { description: 'Empty when the job is not running or nothing is queued.' })
  tasks!: LeasedTaskType[];
}

@Auth('PROCESSING_SERVICE')
@ObjectType('TaskRefusal', { description: 'Why one item was refused; the other items are unaffected.' })
export class TaskRefusalType {
  @Auth('PROCESSING_SERVICE')
  @Field(() => String)
  leaseToken!: string;

  @Field(() => String, { description: 'BAD_USER_INPUT, FORBIDDEN (another service\'s lease), NOT_FOUND (no such lease) or CONFLICT (lease no longer current).' })
  code!: string;

  @Field(() => String, { description: 'The offending input, e.g. results.2.result.detections.0.bbox.' })
  path!: string;

  @Field(() => String)
  message!: string;
}

@Auth('PROCESSING_SERVICE')
@ObjectType('SubmitResultsPayload')
export class SubmitResultsPayload {
  @Field(() => Int, { description: 'Items stored or, for an error with attempts left, counted.' })
  accepted!: number;

  @Field(() => Int, { description: 'Items whose task already had its result: stored once, counted here, not an error.' })
  duplicates!: number;

  @Field(() => [TaskRefusalType])
  refused!: TaskRefusalType[];
}

@Auth('PROCESSING_SERVICE')
@ObjectType('RenewedLease')
export class RenewedLeaseType {
  @Auth('PROCESSING_SERVICE')
  @Field(() => String)
  leaseToken!: string;

  @Field(() => Date)
  leaseExpiresAt!: Date;
}

@Auth('PROCESSING_SERVICE')
@ObjectType('RenewTaskLeasesPayload')
export class RenewTaskLeasesPayload {
  @Field(() => [RenewedLeaseType])
  renewed!: RenewedLeaseType[];

  @Field(() => [TaskRefusalType])
  refused!: TaskRefusalType[];
}
