import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../core/errors';
import { JOB_LIMITS, type JobService, type LeasedTask, type TaskRefusal, type WorkerCall } from '../jobs/job.service';
import type { TaskResultItem } from '../jobs/task-result-shape';
import { isRetryable, type PushEndpointClient } from './endpoint-client';

export interface DispatchSettings {
  batchSize: number;
  /** Batches in flight to one service at once, counted over every replica. */
  concurrencyPerService: number;
  retries: number;
  retryBackoffMs: number;
}

/** A job the gateway works for a push-mode service that may run it. */
export interface PushWork {
  jobId: number;
  processingServiceId: number;
  endpointUrl: string;
  pipelineSlug: string;
}

export interface BatchOutcome {
  leased: number;
  /** The endpoint failed the whole batch (unreachable, too slow, 5xx, refused, a bad answer). */
  endpointFailed: boolean;
}

/** The longest error text stored for a task; the endpoint's detail is cut to this. */
const ERROR_LENGTH = 1_000;

/** Whether the wait ran to its end rather than being canceled. */
const waitUnlessAborted = (ms: number, signal?: AbortSignal) =>
  sleep(ms, undefined, { signal }).then(
    () => true,
    () => false,
  );

const nothingLeased: BatchOutcome = { leased: 0, endpointFailed: false };

/**
 * Push-mode dispatch: the gateway is the worker. It leases tasks with the job loop's own lease
 * (`reserveForPush`: SKIP LOCKED, lease expiry, attempts), sends them to the service's /process,
 * and stores what comes back through `submitResults`, the path workers' results take: the same
 * checks, exactly once per task. Failures become error results, which count an attempt as they
 * do for workers, so a task is retried until its job's maxAttempts and then fails.
 *
 * The concurrency limit holds across replicas: a batch first takes a slot, a `push_batches` row,
 * under a transaction-scoped advisory lock per service that only serialises the count and the
 * insert, never the HTTP call. A slot expires with the job's lease, so a replica that dies frees
 * its slots when its leases would be taken again anyway.
 */
export class PushDispatchService {
  /** Who the gateway is as a worker, in leases and results: the host and this replica's own id. */
  readonly worker = { software: 'ps-gateway', hostname: hostname(), extra: { instance: randomUUID() } };

  constructor(
    private readonly jobs: JobService,
    private readonly client: PushEndpointClient,
    readonly settings: DispatchSettings,
  ) {}

  /**
   * Jobs with tasks to lease whose pipeline, in their project, is served only by push-mode
   * services, paired with each such service not found down by its last health check.
   */
  async findWork(em: EntityManager, limit = 100): Promise<PushWork[]> {
    const rows: { job_id: number; service_id: number; endpoint_url: string; slug: string }[] = await em.getConnection().execute(
      `select j.id as job_id, s.id as service_id, s.endpoint_url, p.slug
         from jobs j
         join pipelines p on p.id = j.pipeline_id
         join project_pipeline_configs c on c.project_id = j.project_id and c.pipeline_id = j.pipeline_id and c.enabled
         join processing_service_pipelines spp on spp.pipeline_id = j.pipeline_id
         join processing_service_projects sp on sp.processing_service_id = spp.processing_service_id and sp.project_id = j.project_id
         join processing_services s on s.id = spp.processing_service_id
        where j.canceled_at is null
          and coalesce(s.endpoint_url, '') <> ''
          and s.last_seen_live is not false
          and not exists (
            select 1 from processing_service_pipelines pull_spp
              join processing_service_projects pull_sp
                on pull_sp.processing_service_id = pull_spp.processing_service_id and pull_sp.project_id = j.project_id
              join processing_services pull_s on pull_s.id = pull_spp.processing_service_id and coalesce(pull_s.endpoint_url, '') = ''
             where pull_spp.pipeline_id = j.pipeline_id)
          and exists (
            select 1 from tasks t
             where t.job_id = j.id and t.state in ('QUEUED', 'LEASED')
               and (t.state = 'QUEUED' or (t.lease_expires_at <= now() and t.attempts < j.max_attempts)))
        order by j.id, s.id
        limit ?`,
      [limit],
    );
    return rows.map((row) => ({ jobId: row.job_id, processingServiceId: row.service_id, endpointUrl: row.endpoint_url, pipelineSlug: row.slug }));
  }

  private call(work: PushWork): WorkerCall {
    return { principal: { processingServiceId: work.processingServiceId }, observed: { ip: null, userAgent: null }, reported: this.worker };
  }

  /**
   * Takes a slot, leases one batch of the job for the service, sends it, stores the outcome.
   * No slot free (the service has its limit of batches in flight, from any replica) or nothing
   * to lease: nothing sent. When `signal` aborts mid-call, the leases are given back (queued
   * again at once, the attempt not counted) instead of waiting out the call.
   */
  async dispatchBatch(em: EntityManager, work: PushWork, signal?: AbortSignal): Promise<BatchOutcome> {
    const slot = await this.takeSlot(em, work);
    if (slot === null) return nothingLeased;
    try {
      const call = this.call(work);
      const tasks = await this.jobs.reserveForPush(em, call, work.jobId, this.settings.batchSize);
      if (tasks.length === 0) return nothingLeased;
      const sent = await this.send(work, tasks, signal);
      if (!sent) {
        await this.jobs.releaseLeases(em, call, tasks.map((task) => task.leaseToken));
        return { leased: tasks.length, endpointFailed: false };
      }
      await this.store(em, call, tasks, sent.items);
      return { leased: tasks.length, endpointFailed: sent.endpointFailed };
    } finally {
      await em.getConnection().execute('delete from push_batches where id = ?', [slot]);
    }
  }

  /** A slot for one more batch to the service, unless it has `concurrencyPerService` in flight: the slot's id, or null. */
  private async takeSlot(em: EntityManager, work: PushWork): Promise<number | null> {
    const serviceId = work.processingServiceId;
    return em.transactional(async (tx) => {
      await tx.execute(`select pg_advisory_xact_lock(hashtext('psgw_push_slots'), ?)`, [serviceId]);
      const [slot]: { id: number }[] = await tx.execute(
        `with expired as (delete from push_batches where processing_service_id = ? and expires_at <= now()),
              live as (select count(*)::int as n from push_batches where processing_service_id = ? and expires_at > now())
         insert into push_batches (processing_service_id, job_id, worker, expires_at)
         select ?, j.id, ?::jsonb, now() + make_interval(secs => j.lease_seconds) from jobs j, live
          where j.id = ? and live.n < ?
         returning id`,
        [serviceId, serviceId, serviceId, JSON.stringify(this.worker), work.jobId, this.settings.concurrencyPerService],
      );
      return slot?.id ?? null;
    });
  }

  /**
   * The items to submit for a batch: its results, or an error for every task when the endpoint
   * failed; null when `signal` aborted the call.
   */
  private async send(
    work: PushWork,
    tasks: LeasedTask[],
    signal?: AbortSignal,
  ): Promise<{ items: TaskResultItem[]; endpointFailed: boolean } | null> {
    const request = { pipeline: work.pipelineSlug, source_images: tasks.map((task) => ({ id: task.imageId, url: task.imageUrl })) };
    const failAll = (message: string) => ({
      items: tasks.map((task) => ({ leaseToken: task.leaseToken, error: { error: message.slice(0, ERROR_LENGTH), imageId: task.imageId } })),
      endpointFailed: true,
    });
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) return null;
      try {
        const outcome = await this.client.process(work.endpointUrl, request, signal);
        if (outcome.kind === 'rejected') {
          return { ...failAll(`The endpoint refused the batch (HTTP 422): ${outcome.detail}`), endpointFailed: false };
        }
        return {
          items: tasks.map((task) => {
            const result = outcome.results.byImage.get(task.imageId);
            return result
              ? { leaseToken: task.leaseToken, result }
              : { leaseToken: task.leaseToken, error: { error: 'The endpoint returned no result for this image', imageId: task.imageId } };
          }),
          endpointFailed: false,
        };
      } catch (error) {
        if (signal?.aborted) return null;
        if (!(error instanceof DomainError)) throw error;
        if (!isRetryable(error) || attempt >= this.settings.retries) return failAll(error.message);
        if (!(await waitUnlessAborted(this.settings.retryBackoffMs * 2 ** attempt, signal))) return null;
      }
    }
  }

  /**
   * Submits in chunks the result path accepts. A result it refuses (say, a detection from an
   * algorithm outside the pipeline) is resubmitted as an error naming why, so the attempt counts
   * instead of the lease lingering until it expires.
   */
  private async store(em: EntityManager, call: WorkerCall, tasks: LeasedTask[], items: TaskResultItem[]): Promise<void> {
    const imageOf = new Map(tasks.map((task) => [task.leaseToken, task.imageId]));
    for (let start = 0; start < items.length; start += JOB_LIMITS.resultsPerCall) {
      const chunk = items.slice(start, start + JOB_LIMITS.resultsPerCall);
      const outcome = await this.jobs.submitResults(em, call, chunk);
      const retryAsErrors = outcome.refused.filter((refusal) => refusal.code === 'BAD_USER_INPUT' && !isErrorItem(chunk, refusal));
      if (retryAsErrors.length > 0) {
        await this.jobs.submitResults(
          em,
          call,
          retryAsErrors.map((refusal) => ({
            leaseToken: refusal.leaseToken,
            error: {
              error: `The endpoint's result was refused: ${refusal.path}: ${refusal.message}`.slice(0, ERROR_LENGTH),
              imageId: imageOf.get(refusal.leaseToken) ?? null,
            },
          })),
        );
      }
    }
  }
}

function isErrorItem(chunk: TaskResultItem[], refusal: TaskRefusal): boolean {
  return chunk.some((item) => item.leaseToken === refusal.leaseToken && item.error);
}
