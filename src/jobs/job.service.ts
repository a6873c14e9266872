import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ServicePrincipal } from '../auth/principal';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import type { ProjectAccess } from '../auth/project-access';
import type { ProjectRole } from '../auth/project-role';
import { mergeClientInfo, sanitizeReported, type ClientInfo, type ObservedClientInfo, type ReportedClientInfo } from '../processing-services/client-info';
import { checkItemShape, type CheckedItem, type StoredResult, type TaskResultItem } from './task-result-shape';

export const JOB_LIMITS = {
  nameLength: 255,
  imagesPerCall: 1_000,
  imageIdLength: 255,
  imageUrlLength: 2_048,
  maxAttempts: 100,
  leaseSeconds: 86_400,
  batchSize: 100,
  resultsPerCall: 100,
  leasesPerRenewal: 100,
  pageSize: 100,
  availableJobs: 100,
} as const;

export const JOB_DEFAULTS = { maxAttempts: 3, leaseSeconds: 300 } as const;

export const jobStatuses = ['CREATED', 'QUEUED', 'RUNNING', 'SUCCESS', 'FAILURE', 'CANCELED'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** Where a job's tasks are; every task is in exactly one of these. */
export interface JobProgress {
  total: number;
  queued: number;
  leased: number;
  done: number;
  failed: number;
  canceled: number;
}

export interface JobView {
  id: number;
  projectId: number;
  pipelineId: number;
  pipelineSlug: string;
  name: string;
  createdById: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  canceledAt: Date | null;
  maxAttempts: number;
  leaseSeconds: number;
  status: JobStatus;
  progress: JobProgress;
  /** Tasks with a stored result (done, or failed with an error result). */
  resultCount: number;
}

export interface JobImage {
  id: string;
  url: string;
}

export interface CreateJobInput {
  projectId: number;
  pipelineSlug: string;
  name: string;
  images?: readonly JobImage[] | null;
  maxAttempts?: number | null;
  leaseSeconds?: number | null;
}

export interface LeasedTask {
  id: number;
  imageId: string;
  imageUrl: string;
  leaseToken: string;
  leaseExpiresAt: Date;
  attempt: number;
}

export interface TaskRefusal {
  leaseToken: string;
  code: string;
  path: string;
  message: string;
}

export interface SubmitOutcome {
  accepted: number;
  duplicates: number;
  refused: TaskRefusal[];
}

export interface RenewOutcome {
  renewed: { leaseToken: string; leaseExpiresAt: Date }[];
  refused: TaskRefusal[];
}

/**
 * What a worker call carries besides its arguments: who, from where, and what it says of itself.
 * The request's heartbeat is recorded elsewhere; here the report only attributes leases and results.
 */
export interface WorkerCall {
  principal: Pick<ServicePrincipal, 'processingServiceId'>;
  observed: ObservedClientInfo;
  reported?: ReportedClientInfo | null;
}

interface JobRow {
  id: number;
  project_id: number;
  pipeline_id: number;
  pipeline_slug: string;
  name: string;
  created_by_id: number | null;
  created_at: Date | string;
  started_at: Date | string | null;
  canceled_at: Date | string | null;
  finished_at: Date | string | null;
  max_attempts: number;
  lease_seconds: number;
  tasks_total: number;
  tasks_done: number;
  tasks_failed: number;
  leased: number;
  expired_retryable: number;
  expired_exhausted: number;
  status: JobStatus;
}

/**
 * Every job read goes through this: the stored counters plus what the partial index of leased
 * tasks says about expired leases (a retryable one counts as queued, an exhausted one as failed),
 * so status and progress are computed in one place and never stored twice.
 */
const JOB_STATE_SQL = `
  select j.id, j.project_id, j.pipeline_id, p.slug as pipeline_slug, j.name, j.created_by_id, j.created_at,
         j.started_at, j.canceled_at, j.max_attempts, j.lease_seconds, j.tasks_total, j.tasks_done, j.tasks_failed,
         ls.leased, ls.expired_retryable, ls.expired_exhausted,
         case
           when j.canceled_at is not null then 'CANCELED'
           when j.tasks_total = 0 then 'CREATED'
           when j.tasks_done + j.tasks_failed + ls.expired_exhausted = j.tasks_total then
             case when j.tasks_failed + ls.expired_exhausted > 0 then 'FAILURE' else 'SUCCESS' end
           when j.started_at is null then 'QUEUED'
           else 'RUNNING'
         end as status,
         case
           when j.canceled_at is not null then j.canceled_at
           when j.tasks_total > 0 and j.tasks_done + j.tasks_failed + ls.expired_exhausted = j.tasks_total
             then greatest(j.last_completed_at, ls.exhausted_at)
         end as finished_at
    from jobs j
    join pipelines p on p.id = j.pipeline_id
    cross join lateral (
      select count(*)::int as leased,
             (count(*) filter (where t.lease_expires_at <= now() and t.attempts < j.max_attempts))::int as expired_retryable,
             (count(*) filter (where t.lease_expires_at <= now() and t.attempts >= j.max_attempts))::int as expired_exhausted,
             max(t.lease_expires_at) filter (where t.lease_expires_at <= now() and t.attempts >= j.max_attempts) as exhausted_at
        from tasks t
       where t.job_id = j.id and t.state = 'LEASED'
    ) ls`;

const toDate = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

function jobView(row: JobRow): JobView {
  const leasedNow = row.leased - row.expired_retryable - row.expired_exhausted;
  const failed = row.tasks_failed + row.expired_exhausted;
  const queued = row.tasks_total - row.tasks_done - row.tasks_failed - row.leased + row.expired_retryable;
  const canceled = row.canceled_at === null ? 0 : queued + leasedNow;
  return {
    id: row.id,
    projectId: row.project_id,
    pipelineId: row.pipeline_id,
    pipelineSlug: row.pipeline_slug,
    name: row.name,
    createdById: row.created_by_id,
    createdAt: new Date(row.created_at),
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    canceledAt: toDate(row.canceled_at),
    maxAttempts: row.max_attempts,
    leaseSeconds: row.lease_seconds,
    status: row.status,
    progress: {
      total: row.tasks_total,
      queued: canceled ? 0 : queued,
      leased: canceled ? 0 : leasedNow,
      done: row.tasks_done,
      failed,
      canceled,
    },
    resultCount: row.tasks_done + row.tasks_failed,
  };
}

/** Jobs by id, with status and progress (one statement whatever the number of ids). */
export async function loadJobs(em: EntityManager, ids: readonly number[]): Promise<JobView[]> {
  if (ids.length === 0) return [];
  const rows: JobRow[] = await em.getConnection().execute(`${JOB_STATE_SQL} where j.id in (?) order by j.id desc`, [[...ids]]);
  return rows.map(jobView);
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A lease token: 32 random bytes, tagged so a worker's logs show what it is. Only its digest is stored. */
function newLeaseToken(): string {
  return `lt_${randomBytes(32).toString('base64url')}`;
}

const leaseTokenPattern = /^lt_[A-Za-z0-9_-]{43}$/;

function checkText(value: string, path: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new ValidationError('may not be empty', path);
  if (trimmed.length > max) throw new ValidationError(`may not exceed ${max} characters`, path);
  if (/[\u0000\p{Cs}]/u.test(trimmed)) throw new ValidationError('contains characters that cannot be stored', path);
  return trimmed;
}

function checkRange(value: number | null | undefined, fallback: number, max: number, path: string): number {
  if (value === null || value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ValidationError(`must be 1 to ${max}`, path);
  return value;
}

function checkImages(images: readonly JobImage[], path: string): JobImage[] {
  if (images.length > JOB_LIMITS.imagesPerCall) {
    throw new ValidationError(`at most ${JOB_LIMITS.imagesPerCall} per call; send the rest with addJobImages`, path);
  }
  const seen = new Set<string>();
  return images.map((image, index) => {
    const id = checkText(image.id, `${path}.${index}.id`, JOB_LIMITS.imageIdLength);
    if (seen.has(id)) throw new ValidationError(`repeats image id "${id}"`, `${path}.${index}.id`);
    seen.add(id);
    const url = checkText(image.url, `${path}.${index}.url`, JOB_LIMITS.imageUrlLength);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ValidationError('is not a valid URL', `${path}.${index}.url`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ValidationError('must be an http or https URL', `${path}.${index}.url`);
    }
    return { id, url };
  });
}

function refusalOf(error: unknown, leaseToken: string, path: string): TaskRefusal {
  if (error instanceof ValidationError) {
    const message = error.path && error.message.startsWith(`${error.path}: `) ? error.message.slice(error.path.length + 2) : error.message;
    return { leaseToken, code: error.code, path: error.path ?? path, message };
  }
  if (error instanceof DomainError) return { leaseToken, code: error.code, path, message: error.message };
  throw error;
}

interface LeaseRow {
  digest: string;
  task_id: number;
  job_id: number;
  lease_service_id: number;
  image_id: string;
  pipeline_slug: string;
  algorithm_keys: string[];
  worker: ClientInfo;
}

interface LockedTask {
  id: number;
  state: 'QUEUED' | 'LEASED' | 'DONE' | 'FAILED';
  attempts: number;
  current_digest: string | null;
  max_attempts: number;
}

interface PlannedItem {
  index: number;
  leaseToken: string;
  digest: string;
  lease: LeaseRow;
  checked: CheckedItem;
}

/**
 * The job queue. People create and control jobs (ML data managers and above); processing
 * services lease tasks and hand back results. PostgreSQL is the queue: leases are taken with
 * FOR UPDATE SKIP LOCKED, an expired lease counts as queued when reserving (no sweeper), and a
 * result is stored and its task completed in one transaction, at most once per task.
 */
export class JobService {
  /** The project role that creates jobs. */
  static readonly creatorRole: ProjectRole = 'ML_DATA_MANAGER';

  /** Refuses callers without the creator role in the project: FORBIDDEN for members, NOT_FOUND for everyone else. */
  private async requireCreator(access: ProjectAccess, projectId: number): Promise<void> {
    if (await access.hasRole([projectId], JobService.creatorRole)) return;
    if (await access.hasRole([projectId], 'BASIC_MEMBER')) throw new ForbiddenError('You need to be an ML data manager of this project');
    throw new NotFoundError('Project not found');
  }

  private async reload(em: EntityManager, jobId: number): Promise<JobView> {
    const [job] = await loadJobs(em, [jobId]);
    if (!job) throw new NotFoundError('Job not found');
    return job;
  }

  /** Creates a job for a pipeline enabled in the project, with its first batch of images. The caller must be an ML data manager or above there. */
  async create(em: EntityManager, access: ProjectAccess, createdById: number | null, input: CreateJobInput): Promise<JobView> {
    const name = checkText(input.name, 'input.name', JOB_LIMITS.nameLength);
    const maxAttempts = checkRange(input.maxAttempts, JOB_DEFAULTS.maxAttempts, JOB_LIMITS.maxAttempts, 'input.maxAttempts');
    const leaseSeconds = checkRange(input.leaseSeconds, JOB_DEFAULTS.leaseSeconds, JOB_LIMITS.leaseSeconds, 'input.leaseSeconds');
    const images = checkImages(input.images ?? [], 'input.images');
    const [project]: { id: number }[] = await em.getConnection().execute('select id from projects where id = ?', [input.projectId]);
    if (!project) throw new NotFoundError('Project not found');
    await this.requireCreator(access, input.projectId);
    const [pipeline]: { id: number; enabled: boolean | null }[] = await em
      .getConnection()
      .execute(
        `select p.id, c.enabled from pipelines p
           left join project_pipeline_configs c on c.pipeline_id = p.id and c.project_id = ?
          where p.slug = ?`,
        [input.projectId, input.pipelineSlug],
      );
    if (!pipeline?.enabled) throw new ValidationError('is not a pipeline enabled for this project', 'input.pipelineSlug');
    const jobId = await em.transactional(async (tx) => {
      const [job]: { id: number }[] = await tx.execute(
        `insert into jobs (project_id, pipeline_id, name, created_by_id, max_attempts, lease_seconds, tasks_total)
         values (?, ?, ?, ?, ?, ?, ?) returning id`,
        [input.projectId, pipeline.id, name, createdById, maxAttempts, leaseSeconds, images.length],
      );
      if (images.length > 0) {
        await tx.execute(
          `insert into tasks (job_id, image_id, image_url)
           select ?, x.id, x.url from json_to_recordset(?::json) as x(id text, url text)`,
          [job!.id, JSON.stringify(images)],
        );
      }
      return job!.id;
    });
    return this.reload(em, jobId);
  }

  /**
   * Adds images to a job, at most JOB_LIMITS.imagesPerCall per call; an image id the job already
   * has is skipped, so a batch can be resent safely. A canceled job takes no more images.
   */
  async addImages(em: EntityManager, jobId: number, images: readonly JobImage[]): Promise<JobView> {
    const checked = checkImages(images, 'images');
    await em.transactional(async (tx) => {
      const [job]: { canceled_at: Date | null }[] = await tx.execute('select canceled_at from jobs where id = ? for update', [jobId]);
      if (!job) throw new NotFoundError('Job not found');
      if (job.canceled_at) throw new ConflictError('The job is canceled');
      await tx.execute(
        `with added as (
           insert into tasks (job_id, image_id, image_url)
           select ?, x.id, x.url from json_to_recordset(?::json) as x(id text, url text)
           on conflict (job_id, image_id) do nothing
           returning 1)
         update jobs set tasks_total = tasks_total + (select count(*) from added) where id = ?`,
        [jobId, JSON.stringify(checked), jobId],
      );
    });
    return this.reload(em, jobId);
  }

  /** Stops handing out the job's tasks. Results for tasks already leased are still accepted. */
  async cancel(em: EntityManager, jobId: number): Promise<JobView> {
    const job = await this.reload(em, jobId);
    if (job.status === 'SUCCESS' || job.status === 'FAILURE') throw new ConflictError('The job has already finished');
    await em.getConnection().execute('update jobs set canceled_at = now() where id = ? and canceled_at is null', [jobId]);
    return this.reload(em, jobId);
  }

  /** Puts every task that failed for good back in the queue with fresh attempts, dropping its error. */
  async retryFailed(em: EntityManager, jobId: number): Promise<JobView> {
    await em.transactional(async (tx) => {
      const [job]: { canceled_at: Date | null }[] = await tx.execute('select canceled_at from jobs where id = ?', [jobId]);
      if (job?.canceled_at) throw new ConflictError('The job is canceled');
      await tx.execute(
        `with failed as (
           select t.id, t.state from tasks t join jobs j on j.id = t.job_id
            where t.job_id = ?
              and (t.state = 'FAILED' or (t.state = 'LEASED' and t.lease_expires_at <= now() and t.attempts >= j.max_attempts))
            order by t.id
              for update of t),
         dropped as (delete from task_results r using failed where r.task_id = failed.id),
         requeued as (
           update tasks t set state = 'QUEUED', attempts = 0, lease_token_digest = null, lease_expires_at = null,
                  last_error = null, completed_at = null
             from failed where t.id = failed.id
           returning failed.state as previous)
         update jobs set tasks_failed = tasks_failed - (select count(*) from requeued where previous = 'FAILED')
          where id = ?`,
        [jobId, jobId],
      );
    });
    return this.reload(em, jobId);
  }

  /** A project's jobs, newest first, optionally of one status; `first` at a time after the cursor id. */
  async listForProject(
    em: EntityManager,
    projectId: number,
    status: JobStatus | null,
    first: number,
    afterId: number | null,
  ): Promise<{ nodes: JobView[]; totalCount: number; hasNextPage: boolean }> {
    if (!Number.isInteger(first) || first < 1 || first > JOB_LIMITS.pageSize) {
      throw new ValidationError(`must be 1 to ${JOB_LIMITS.pageSize}`, 'first');
    }
    const connection = em.getConnection();
    const filter = status === null ? '' : 'and x.status = ?';
    const filterParams = status === null ? [] : [status];
    const [rows, [count]] = await Promise.all([
      connection.execute(
        `select * from (${JOB_STATE_SQL} where j.project_id = ? and j.id < ?) x where true ${filter} order by x.id desc limit ?`,
        [projectId, afterId ?? 2_147_483_647, ...filterParams, first + 1],
      ) as Promise<JobRow[]>,
      (status === null
        ? connection.execute('select count(*)::int as count from jobs where project_id = ?', [projectId])
        : connection.execute(`select count(*)::int as count from (${JOB_STATE_SQL} where j.project_id = ?) x where true ${filter}`, [
            projectId,
            ...filterParams,
          ])) as Promise<{ count: number }[]>,
    ]);
    return { nodes: rows.slice(0, first).map(jobView), totalCount: count?.count ?? 0, hasNextPage: rows.length > first };
  }

  private report(call: WorkerCall): ReportedClientInfo {
    return call.reported ? sanitizeReported(call.reported) : {};
  }

  /**
   * Running jobs with tasks to take that this service may work on: jobs of its projects, for
   * pipelines it registered and the project has enabled, and only while it is in pull mode.
   */
  async availableJobs(em: EntityManager, call: WorkerCall, pipelineSlugs: readonly string[] | null): Promise<JobView[]> {
    if (pipelineSlugs && pipelineSlugs.length > JOB_LIMITS.availableJobs) {
      throw new ValidationError(`at most ${JOB_LIMITS.availableJobs} slugs`, 'pipelineSlugs');
    }
    const serviceId = call.principal.processingServiceId;
    const rows: { id: number }[] = await em.getConnection().execute(
      `select j.id from jobs j
         join pipelines p on p.id = j.pipeline_id
         join processing_services s on s.id = ? and coalesce(s.endpoint_url, '') = ''
         join processing_service_projects sp on sp.processing_service_id = s.id and sp.project_id = j.project_id
         join processing_service_pipelines spp on spp.processing_service_id = s.id and spp.pipeline_id = j.pipeline_id
         join project_pipeline_configs c on c.project_id = j.project_id and c.pipeline_id = j.pipeline_id and c.enabled
        where j.canceled_at is null
          ${pipelineSlugs ? 'and p.slug in (?)' : ''}
          and exists (
            select 1 from tasks t
             where t.job_id = j.id and t.state in ('QUEUED', 'LEASED')
               and (t.state = 'QUEUED' or (t.lease_expires_at <= now() and t.attempts < j.max_attempts)))
        order by j.id
        limit ?`,
      pipelineSlugs ? [serviceId, pipelineSlugs.length > 0 ? [...pipelineSlugs] : [''], JOB_LIMITS.availableJobs] : [serviceId, JOB_LIMITS.availableJobs],
    );
    return loadJobs(
      em,
      rows.map((row) => row.id),
    ).then((jobs) => jobs.sort((a, b) => a.id - b.id));
  }

  /**
   * Leases up to `batchSize` tasks of a job to the calling service, in one statement: queued
   * tasks and expired leases with attempts left, locked with SKIP LOCKED so concurrent callers on
   * any replica never get the same task. A service that may not work on the job is refused; a
   * job that is not running (canceled, finished, its pipeline disabled) gives an empty batch.
   */
  async reserve(em: EntityManager, call: WorkerCall, jobId: number, batchSize: number): Promise<LeasedTask[]> {
    return this.lease(em, call, jobId, batchSize, 'PULL');
  }

  /**
   * The same lease as `reserve`, taken by the gateway on behalf of a push-mode service that it
   * then sends the tasks to: so pull workers and push dispatch on every replica share one queue.
   */
  async reserveForPush(em: EntityManager, call: WorkerCall, jobId: number, batchSize: number): Promise<LeasedTask[]> {
    return this.lease(em, call, jobId, batchSize, 'PUSH');
  }

  private async lease(em: EntityManager, call: WorkerCall, jobId: number, batchSize: number, mode: 'PULL' | 'PUSH'): Promise<LeasedTask[]> {
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > JOB_LIMITS.batchSize) {
      throw new ValidationError(`must be 1 to ${JOB_LIMITS.batchSize}`, 'batchSize');
    }
    const worker = mergeClientInfo(null, this.report(call), call.observed);
    const serviceId = call.principal.processingServiceId;
    const connection = em.getConnection();
    const [eligible]: { allowed: boolean }[] = await connection.execute(
      `select (exists (select 1 from processing_service_projects where processing_service_id = s.id and project_id = j.project_id)
           and exists (select 1 from processing_service_pipelines where processing_service_id = s.id and pipeline_id = j.pipeline_id)
           and (coalesce(s.endpoint_url, '') <> '') = ?) as allowed
         from jobs j, processing_services s where j.id = ? and s.id = ?`,
      [mode === 'PUSH', jobId, serviceId],
    );
    if (!eligible?.allowed) throw new ForbiddenError('This processing service may not take tasks from this job');
    const tokens = Array.from({ length: batchSize }, () => newLeaseToken());
    const rows: { id: number; image_id: string; image_url: string; attempts: number; lease_expires_at: Date | string; n: number }[] =
      await connection.execute(
        `with job as (
           select j.id, j.lease_seconds, j.max_attempts from jobs j
             join project_pipeline_configs c on c.project_id = j.project_id and c.pipeline_id = j.pipeline_id and c.enabled
            where j.id = ? and j.canceled_at is null),
         picked as (
           select t.id from tasks t join job on t.job_id = job.id
            where t.state in ('QUEUED', 'LEASED')
              and (t.state = 'QUEUED' or (t.lease_expires_at <= now() and t.attempts < job.max_attempts))
            order by t.id
            limit ?
              for update of t skip locked),
         numbered as (select id, row_number() over (order by id) as n from picked),
         tokens as (select x.n, decode(x.digest, 'hex') as digest from json_to_recordset(?::json) as x(n int, digest text)),
         leased as (
           update tasks t
              set state = 'LEASED', attempts = t.attempts + 1, lease_token_digest = tokens.digest,
                  lease_expires_at = now() + make_interval(secs => job.lease_seconds),
                  processing_service_id = ?, worker = ?::jsonb
             from numbered join tokens on tokens.n = numbered.n, job
            where t.id = numbered.id
           returning t.id, t.image_id, t.image_url, t.attempts, t.lease_expires_at, t.lease_token_digest, numbered.n::int as n),
         recorded as (
           insert into task_leases (token_digest, task_id, job_id, processing_service_id, worker, attempt)
           select lease_token_digest, id, ?, ?, ?::jsonb, attempts from leased),
         started as (
           update jobs set started_at = now() where id = ? and started_at is null and exists (select 1 from leased))
         select id, image_id, image_url, attempts, lease_expires_at, n from leased order by n`,
        [
          jobId,
          batchSize,
          JSON.stringify(tokens.map((token, index) => ({ n: index + 1, digest: sha256(token) }))),
          serviceId,
          JSON.stringify(worker),
          jobId,
          serviceId,
          JSON.stringify(worker),
          jobId,
        ],
      );
    return rows.map((row) => ({
      id: row.id,
      imageId: row.image_id,
      imageUrl: row.image_url,
      leaseToken: tokens[row.n - 1]!,
      leaseExpiresAt: new Date(row.lease_expires_at),
      attempt: row.attempts,
    }));
  }

  /**
   * Gives back current leases of the calling service that it will not complete (the gateway is
   * stopping mid-batch): their tasks are queued again at once, and the attempt is not counted,
   * since the task never got an answer. Returns how many were released.
   */
  async releaseLeases(em: EntityManager, call: WorkerCall, leaseTokens: readonly string[]): Promise<number> {
    const digests = leaseTokens.filter((token) => leaseTokenPattern.test(token)).map(sha256);
    if (digests.length === 0) return 0;
    const released: unknown[] = await em.getConnection().execute(
      `update tasks set state = 'QUEUED', attempts = greatest(attempts - 1, 0), lease_token_digest = null, lease_expires_at = null
        where state = 'LEASED' and processing_service_id = ?
          and lease_token_digest in (select decode(value, 'hex') from json_array_elements_text(?::json))
       returning id`,
      [call.principal.processingServiceId, JSON.stringify(digests)],
    );
    return released.length;
  }

  /** Extends the calling service's current leases by their job's lease time; others are refused. */
  async renewLeases(em: EntityManager, call: WorkerCall, leaseTokens: readonly string[]): Promise<RenewOutcome> {
    if (leaseTokens.length < 1 || leaseTokens.length > JOB_LIMITS.leasesPerRenewal) {
      throw new ValidationError(`must list 1 to ${JOB_LIMITS.leasesPerRenewal} lease tokens`, 'leaseTokens');
    }
    const digests = leaseTokens.map((token) => (leaseTokenPattern.test(token) ? sha256(token) : null));
    const wellFormed = digests.filter((digest): digest is string => digest !== null);
    const rows: { digest: string; lease_expires_at: Date | string }[] =
      wellFormed.length === 0
        ? []
        : await em.getConnection().execute(
            `update tasks t set lease_expires_at = now() + make_interval(secs => j.lease_seconds)
               from jobs j
              where j.id = t.job_id and j.canceled_at is null and t.state = 'LEASED' and t.processing_service_id = ?
                and t.lease_token_digest in (select decode(value, 'hex') from json_array_elements_text(?::json))
             returning encode(t.lease_token_digest, 'hex') as digest, t.lease_expires_at`,
            [call.principal.processingServiceId, JSON.stringify(wellFormed)],
          );
    const renewed = new Map(rows.map((row) => [row.digest, new Date(row.lease_expires_at)]));
    const outcome: RenewOutcome = { renewed: [], refused: [] };
    leaseTokens.forEach((leaseToken, index) => {
      const expiresAt = digests[index] ? renewed.get(digests[index]!) : undefined;
      if (expiresAt) outcome.renewed.push({ leaseToken, leaseExpiresAt: expiresAt });
      else {
        outcome.refused.push({
          leaseToken,
          code: 'CONFLICT',
          path: `leaseTokens.${index}`,
          message: 'Not a current lease of this service (completed, leased again, canceled or unknown)',
        });
      }
    });
    return outcome;
  }

  /**
   * Stores results. Each item is checked on its own (shape, the lease belongs to this service, the
   * job's pipeline and its algorithms, the task's image); refused items are listed and the others
   * stored. Storing a result and completing its task happen in one transaction, at most once per
   * task: a task that already has its result counts the item as a duplicate. A result that comes
   * after its lease expired is accepted while no one has completed the task. An error result
   * counts as an attempt: the task goes back to the queue until its attempts run out, then fails
   * with that error as its result.
   */
  async submitResults(em: EntityManager, call: WorkerCall, items: readonly TaskResultItem[]): Promise<SubmitOutcome> {
    if (items.length < 1 || items.length > JOB_LIMITS.resultsPerCall) {
      throw new ValidationError(`must hold 1 to ${JOB_LIMITS.resultsPerCall} items`, 'results');
    }
    const reported = this.report(call);
    const serviceId = call.principal.processingServiceId;
    const outcome: SubmitOutcome = { accepted: 0, duplicates: 0, refused: [] };
    const shaped: { index: number; leaseToken: string; digest: string; checked: CheckedItem }[] = [];
    items.forEach((item, index) => {
      const path = `results.${index}`;
      try {
        if (!leaseTokenPattern.test(item.leaseToken)) throw new ValidationError('is not a lease token', `${path}.leaseToken`);
        shaped.push({ index, leaseToken: item.leaseToken, digest: sha256(item.leaseToken), checked: checkItemShape(item, path) });
      } catch (error) {
        outcome.refused.push(refusalOf(error, item.leaseToken, path));
      }
    });
    if (shaped.length === 0) return outcome;

    const leases: LeaseRow[] = await em.getConnection().execute(
      `select encode(l.token_digest, 'hex') as digest, l.task_id, t.job_id, l.processing_service_id as lease_service_id,
              t.image_id, p.slug as pipeline_slug, l.worker,
              (select coalesce(json_agg(a.key), '[]'::json) from pipeline_algorithms pa join algorithms a on a.id = pa.algorithm_id
                where pa.pipeline_id = j.pipeline_id) as algorithm_keys
         from task_leases l
         join tasks t on t.id = l.task_id
         join jobs j on j.id = t.job_id
         join pipelines p on p.id = j.pipeline_id
        where l.token_digest in (select decode(value, 'hex') from json_array_elements_text(?::json))`,
      [JSON.stringify(shaped.map((item) => item.digest))],
    );
    const leaseByDigest = new Map(leases.map((lease) => [lease.digest, lease]));
    const planned: PlannedItem[] = [];
    for (const item of shaped) {
      const path = `results.${item.index}`;
      try {
        const lease = leaseByDigest.get(item.digest);
        if (!lease) throw new NotFoundError('No such lease');
        if (lease.lease_service_id !== serviceId) throw new ForbiddenError('The lease belongs to another processing service');
        this.checkAgainstTask(item.checked, lease, path);
        planned.push({ ...item, lease });
      } catch (error) {
        outcome.refused.push(refusalOf(error, item.leaseToken, path));
      }
    }
    if (planned.length > 0) {
      const stored = await this.store(em, planned, serviceId, reported, call.observed);
      outcome.accepted += stored.accepted;
      outcome.duplicates += stored.duplicates;
      outcome.refused.push(...stored.refused);
    }
    outcome.refused.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
    return outcome;
  }

  /** The checks that need the task: its job's pipeline and algorithms, its image. */
  private checkAgainstTask(checked: CheckedItem, lease: LeaseRow, path: string): void {
    if (checked.kind === 'error') return;
    if (checked.pipeline !== lease.pipeline_slug) {
      throw new ValidationError(`is not the job's pipeline "${lease.pipeline_slug}"`, `${path}.result.pipeline`);
    }
    const known = new Set(lease.algorithm_keys);
    for (const key of checked.algorithmKeys) {
      if (!known.has(key)) throw new ValidationError(`algorithm "${key}" is not in pipeline "${lease.pipeline_slug}"`, `${path}.result`);
    }
    if (checked.sourceImageIds.length !== 1 || checked.sourceImageIds[0] !== lease.image_id) {
      throw new ValidationError(`must be exactly the task's image "${lease.image_id}"`, `${path}.result.sourceImages`);
    }
    if (checked.detectionImageIds.some((id) => id !== lease.image_id)) {
      throw new ValidationError(`a detection names an image other than the task's "${lease.image_id}"`, `${path}.result.detections`);
    }
  }

  /** One transaction: lock the tasks, store the final answers (once per task), move the tasks, count. */
  private async store(
    em: EntityManager,
    planned: PlannedItem[],
    serviceId: number,
    reported: ReportedClientInfo,
    observed: ObservedClientInfo,
  ): Promise<SubmitOutcome> {
    return em.transactional(async (tx) => {
      const outcome: SubmitOutcome = { accepted: 0, duplicates: 0, refused: [] };
      const taskIds = [...new Set(planned.map((item) => item.lease.task_id))];
      const locked: LockedTask[] = await tx.execute(
        `select t.id, t.state, t.attempts, encode(t.lease_token_digest, 'hex') as current_digest, j.max_attempts
           from tasks t join jobs j on j.id = t.job_id
          where t.id in (select value::int from json_array_elements_text(?::json))
          order by t.id
            for update of t`,
        [JSON.stringify(taskIds)],
      );
      const taskById = new Map(locked.map((task) => [task.id, task]));
      const results: {
        task_id: number;
        job_id: number;
        digest: string;
        worker: ClientInfo;
        result: StoredResult | null;
        error: string | null;
        error_image_id: string | null;
      }[] = [];
      // What the worker said when it leased the task, updated by what it says now.
      const workerOf = (item: PlannedItem) => mergeClientInfo(item.lease.worker, reported, observed);
      const moves = new Map<number, { id: number; job_id: number; state: 'DONE' | 'FAILED' | 'QUEUED'; last_error: string | null }>();
      for (const item of planned) {
        const task = taskById.get(item.lease.task_id)!;
        if (task.state === 'DONE' || task.state === 'FAILED' || moves.has(task.id)) {
          outcome.duplicates += 1;
          continue;
        }
        const { checked } = item;
        if (checked.kind === 'result') {
          results.push({
            task_id: task.id,
            job_id: item.lease.job_id,
            digest: item.digest,
            worker: workerOf(item),
            result: checked.result,
            error: null,
            error_image_id: null,
          });
          moves.set(task.id, { id: task.id, job_id: item.lease.job_id, state: 'DONE', last_error: null });
        } else if (task.current_digest !== item.digest) {
          outcome.refused.push({
            leaseToken: item.leaseToken,
            code: 'CONFLICT',
            path: `results.${item.index}`,
            message: 'The lease is no longer current: the task was leased again, so its error is not counted',
          });
          continue;
        } else if (task.attempts >= task.max_attempts) {
          results.push({
            task_id: task.id,
            job_id: item.lease.job_id,
            digest: item.digest,
            worker: workerOf(item),
            result: null,
            error: checked.error,
            error_image_id: checked.imageId,
          });
          moves.set(task.id, { id: task.id, job_id: item.lease.job_id, state: 'FAILED', last_error: checked.error });
        } else {
          moves.set(task.id, { id: task.id, job_id: item.lease.job_id, state: 'QUEUED', last_error: checked.error });
        }
        outcome.accepted += 1;
      }
      if (results.length > 0) {
        const inserted: { task_id: number }[] = await tx.execute(
          `insert into task_results (task_id, job_id, processing_service_id, worker, lease_token_digest, result, error, error_image_id)
           select x.task_id, x.job_id, ?, x.worker, decode(x.digest, 'hex'), x.result, x.error, x.error_image_id
             from json_to_recordset(?::json) as x(task_id int, job_id int, digest text, worker jsonb, result jsonb, error text, error_image_id text)
           on conflict (task_id) do nothing
           returning task_id`,
          [serviceId, JSON.stringify(results)],
        );
        // The row locks make a conflict impossible here; should one happen, it is a duplicate, not a second answer.
        const storedIds = new Set(inserted.map((row) => row.task_id));
        for (const result of results) {
          if (storedIds.has(result.task_id)) continue;
          moves.delete(result.task_id);
          outcome.accepted -= 1;
          outcome.duplicates += 1;
        }
      }
      if (moves.size === 0) return outcome;
      await tx.execute(
        `update tasks t
            set state = x.state,
                last_error = coalesce(x.last_error, t.last_error),
                completed_at = case when x.state = 'QUEUED' then null else now() end,
                lease_token_digest = case when x.state = 'QUEUED' then null else t.lease_token_digest end,
                lease_expires_at = case when x.state = 'QUEUED' then null else t.lease_expires_at end
           from json_to_recordset(?::json) as x(id int, state text, last_error text)
          where t.id = x.id`,
        [JSON.stringify([...moves.values()])],
      );
      const counts = new Map<number, { id: number; done: number; failed: number }>();
      for (const move of moves.values()) {
        if (move.state === 'QUEUED') continue;
        const count = counts.get(move.job_id) ?? { id: move.job_id, done: 0, failed: 0 };
        if (move.state === 'DONE') count.done += 1;
        else count.failed += 1;
        counts.set(move.job_id, count);
      }
      if (counts.size > 0) {
        await tx.execute(
          `update jobs j set tasks_done = j.tasks_done + x.done, tasks_failed = j.tasks_failed + x.failed, last_completed_at = now()
             from json_to_recordset(?::json) as x(id int, done int, failed int)
            where j.id = x.id`,
          [JSON.stringify([...counts.values()])],
        );
      }
      return outcome;
    });
  }
}
