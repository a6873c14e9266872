import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import type { ServicePrincipal } from '../auth/principal';
import { ValidationError } from '../core/errors';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import { ClientInfoInput } from '../processing-services/processing-service.input';
import { ProcessingServiceType } from '../processing-services/processing-service.type';
import { ProjectType } from '../projects/project.type';
import { UserType } from '../users/user.type';
import type { JobLoaders, JobResultView, JobWorkerView } from './job.loaders';
import { CreateJobInput, JobImageInput, TaskResultInput } from './job.input';
import { JOB_LIMITS, type JobService, type JobStatus, type JobView, type WorkerCall } from './job.service';
import {
  JobConnection,
  JobResultConnection,
  JobResultType,
  JobStatusEnum,
  JobType,
  JobWorkerType,
  RenewTaskLeasesPayload,
  SubmitResultsPayload,
  TaskBatch,
} from './job.type';

declare module '../graphql/context' {
  interface GatewayServices {
    jobs: JobService;
  }
  interface GatewayLoaders extends JobLoaders {}
}

declare module '../auth/auth-rule' {
  interface AuthScopes {
    Job: Pick<JobView, 'projectId'>;
  }
}

/** A cursor names the list it was issued for (a project's jobs, a job's results), so it cannot be replayed on another. */
function encodeCursor(list: string, id: number): string {
  return Buffer.from(`${list}:${id}`).toString('base64url');
}

function decodeCursor(cursor: string | null | undefined, list: string): number | null {
  if (cursor === null || cursor === undefined) return null;
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(`${list}:`)) throw new ValidationError('is not a cursor of this list', 'after');
  return parseId(text.slice(list.length + 1), 'after');
}

function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > JOB_LIMITS.pageSize) throw new ValidationError(`must be 1 to ${JOB_LIMITS.pageSize}`, 'first');
  return first;
}

function workerCall(context: GatewayContext<ServicePrincipal>, clientInfo: ClientInfoInput | null | undefined): WorkerCall {
  return { principal: context.principal, observed: context.client, reported: clientInfo ?? null };
}

const clientInfoArg = { nullable: true, description: 'What the worker says about itself; the call is its heartbeat.' } as const;

@Resolver(() => JobType)
export class JobResolver {
  @Auth('PROJECT_MEMBER', { scope: 'Job', arg: 'id' })
  @Query(() => JobType, { nullable: true, description: 'Null when it does not exist or the viewer is not a member of its project.' })
  job(@Arg('id', () => ID) id: string, @Ctx() { loaders }: GatewayContext) {
    return loaders.jobById.load(parseId(id));
  }

  @Auth('PROJECT_MEMBER', { scope: 'Project', arg: 'projectId' })
  @Query(() => JobConnection, { description: "A project's jobs, newest first." })
  async jobs(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('status', () => JobStatusEnum, { nullable: true }) status: JobStatus | null,
    @Arg('first', () => Int, { defaultValue: 50, description: 'At most 100.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { em, services }: GatewayContext,
  ): Promise<JobConnection> {
    const project = parseId(projectId, 'projectId');
    const list = `jobs:${project}`;
    const page = await services.jobs.listForProject(em, project, status ?? null, checkPageSize(first), decodeCursor(after, list));
    const edges = page.nodes.map((node) => ({ cursor: encodeCursor(list, node.id), node: node as unknown as JobType }));
    return { edges, totalCount: page.totalCount, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  @Auth('USER')
  @Mutation(() => JobType, {
    description: 'ML data managers and above of the project (checked by the service: the project is inside the input). The pipeline must be enabled for the project.',
  })
  createJob(@Arg('input', () => CreateJobInput) input: CreateJobInput, @Ctx() { em, services, access, principal }: GatewayContext) {
    return services.jobs.create(em, access, principal.kind === 'user' ? principal.userId : null, {
      ...input,
      projectId: parseId(input.projectId, 'input.projectId'),
    });
  }

  @Auth('ML_DATA_MANAGER', { scope: 'Job', arg: 'jobId' })
  @Mutation(() => JobType, { description: `Adds up to ${JOB_LIMITS.imagesPerCall} images; ids the job already has are skipped, so a batch may be resent.` })
  addJobImages(
    @Arg('jobId', () => ID) jobId: string,
    @Arg('images', () => [JobImageInput]) images: JobImageInput[],
    @Ctx() { em, services }: GatewayContext,
  ) {
    return services.jobs.addImages(em, parseId(jobId, 'jobId'), images);
  }

  @Auth('ML_DATA_MANAGER', { scope: 'Job', arg: 'id' })
  @Mutation(() => JobType, { description: 'Hands out no more tasks; results of tasks already leased are still accepted.' })
  cancelJob(@Arg('id', () => ID) id: string, @Ctx() { em, services }: GatewayContext) {
    return services.jobs.cancel(em, parseId(id));
  }

  @Auth('ML_DATA_MANAGER', { scope: 'Job', arg: 'jobId' })
  @Mutation(() => JobType, { description: 'Queues every task that failed for good again, with fresh attempts.' })
  retryFailedTasks(@Arg('jobId', () => ID) jobId: string, @Ctx() { em, services }: GatewayContext) {
    return services.jobs.retryFailed(em, parseId(jobId, 'jobId'));
  }

  @Auth('PROCESSING_SERVICE')
  @Query(() => [JobType], {
    description: "Running jobs with tasks to take that the calling service may work on: its projects' jobs, for pipelines it registered, in pull mode only.",
  })
  availableJobs(
    @Arg('pipelineSlugs', () => [String], { nullable: true }) pipelineSlugs: string[] | null,
    @Arg('clientInfo', () => ClientInfoInput, clientInfoArg) clientInfo: ClientInfoInput | null,
    @Ctx() context: GatewayContext<ServicePrincipal>,
  ) {
    return context.services.jobs.availableJobs(context.em, workerCall(context, clientInfo), pipelineSlugs ?? null);
  }

  @Auth('PROCESSING_SERVICE')
  @Mutation(() => TaskBatch, {
    description: `Leases up to batchSize (1 to ${JOB_LIMITS.batchSize}) tasks. FORBIDDEN when the service may not work on the job; an empty batch when the job is not running.`,
  })
  async reserveTasks(
    @Arg('jobId', () => ID) jobId: string,
    @Arg('batchSize', () => Int) batchSize: number,
    @Arg('clientInfo', () => ClientInfoInput, clientInfoArg) clientInfo: ClientInfoInput | null,
    @Ctx() context: GatewayContext<ServicePrincipal>,
  ): Promise<TaskBatch> {
    const id = parseId(jobId, 'jobId');
    const tasks = await context.services.jobs.reserve(context.em, workerCall(context, clientInfo), id, batchSize);
    return { jobId: id, tasks };
  }

  @Auth('PROCESSING_SERVICE')
  @Mutation(() => RenewTaskLeasesPayload, { description: `Extends the calling service's current leases (at most ${JOB_LIMITS.leasesPerRenewal}) by their job's lease time.` })
  renewTaskLeases(
    @Arg('leaseTokens', () => [String]) leaseTokens: string[],
    @Arg('clientInfo', () => ClientInfoInput, clientInfoArg) clientInfo: ClientInfoInput | null,
    @Ctx() context: GatewayContext<ServicePrincipal>,
  ) {
    return context.services.jobs.renewLeases(context.em, workerCall(context, clientInfo), leaseTokens);
  }

  @Auth('PROCESSING_SERVICE')
  @Mutation(() => SubmitResultsPayload, {
    description: `Stores up to ${JOB_LIMITS.resultsPerCall} results, once per task. Refused items are listed; the others are stored.`,
  })
  submitResults(
    @Arg('results', () => [TaskResultInput]) results: TaskResultInput[],
    @Arg('clientInfo', () => ClientInfoInput, clientInfoArg) clientInfo: ClientInfoInput | null,
    @Ctx() context: GatewayContext<ServicePrincipal>,
  ) {
    return context.services.jobs.submitResults(context.em, workerCall(context, clientInfo), results);
  }

  @FieldResolver(() => ProjectType, { nullable: true })
  project(@Root() job: JobView, @Ctx() { loaders }: GatewayContext) {
    return loaders.projectById.load(job.projectId);
  }

  @Auth('PROJECT_MEMBER', { scope: 'Job' })
  @FieldResolver(() => UserType, { nullable: true })
  createdBy(@Root() job: JobView, @Ctx() { loaders }: GatewayContext) {
    return job.createdById === null ? null : loaders.userById.load(job.createdById);
  }

  @Auth('PROJECT_MEMBER', { scope: 'Job' })
  @FieldResolver(() => [ProcessingServiceType], { nullable: true, description: 'Services whose workers leased its tasks. Members only: a key gets null here.' })
  async processingServices(@Root() job: JobView, @Ctx() { loaders }: GatewayContext) {
    const workers = await loaders.workersByJob.load(job.id);
    const services = await loaders.processingServiceById.loadMany([...new Set(workers.map((worker) => worker.processingServiceId))]);
    return services.filter((service) => service !== null && !(service instanceof Error));
  }

  @Auth('PROJECT_MEMBER', { scope: 'Job' })
  @FieldResolver(() => [JobWorkerType], { nullable: true, description: 'Workers that leased its tasks, most recent first. Members only.' })
  workers(@Root() job: JobView, @Ctx() { loaders }: GatewayContext) {
    return loaders.workersByJob.load(job.id);
  }

  @Auth('PROJECT_MEMBER', { scope: 'Job' })
  @FieldResolver(() => JobResultConnection, { nullable: true, description: 'Stored results in the order they arrived. Members only.' })
  async results(
    @Root() job: JobView,
    @Arg('first', () => Int, { defaultValue: 50, description: 'At most 100.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<JobResultConnection> {
    const list = `results:${job.id}`;
    const pageSize = checkPageSize(first);
    const rows = await loaders.resultsByJob.load({ jobId: job.id, first: pageSize + 1, afterId: decodeCursor(after, list) ?? 0 });
    const edges = rows.slice(0, pageSize).map((node) => ({ cursor: encodeCursor(list, node.id), node: node as unknown as JobResultType }));
    return {
      edges,
      totalCount: job.resultCount,
      pageInfo: { hasNextPage: rows.length > pageSize, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }
}

@Resolver(() => JobWorkerType)
export class JobWorkerResolver {
  @FieldResolver(() => ProcessingServiceType, { nullable: true })
  processingService(@Root() worker: JobWorkerView, @Ctx() { loaders }: GatewayContext) {
    return loaders.processingServiceById.load(worker.processingServiceId);
  }
}

@Resolver(() => JobResultType)
export class JobResultResolver {
  @FieldResolver(() => ProcessingServiceType, { nullable: true })
  processingService(@Root() result: JobResultView, @Ctx() { loaders }: GatewayContext) {
    return result.processingServiceId === null ? null : loaders.processingServiceById.load(result.processingServiceId);
  }
}
