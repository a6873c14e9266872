import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayClient } from './client';
import { GatewayRequestError } from './errors';
import {
  AvailableJobsDocument,
  RenewTaskLeasesDocument,
  ReserveTasksDocument,
  SubmitResultsDocument,
  type AvailableJobsQuery,
  type ClientInfoInput,
  type PipelineResultInput,
  type ReserveTasksMutation,
  type TaskErrorInput,
  type TaskResultInput,
} from './generated/graphql';

export type AvailableJob = AvailableJobsQuery['availableJobs'][number];
export type LeasedTask = ReserveTasksMutation['reserveTasks']['tasks'][number];

/** What processing one task gives: a pipeline result, or an error the gateway counts as an attempt. */
export type TaskOutcome = { result: PipelineResultInput } | { error: TaskErrorInput };

/** Runs the models on one task. `signal` aborts when the worker stops; finish or throw. */
export type ProcessTask = (task: LeasedTask, job: AvailableJob, signal: AbortSignal) => Promise<TaskOutcome>;

export interface JobLoopLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface JobLoopOptions {
  pipelineSlugs: string[];
  batchSize: number;
  clientInfo: ClientInfoInput;
  process: ProcessTask;
  /** Aborting it stops the loop: no new task starts, what finished is submitted, then it returns. */
  signal: AbortSignal;
  log: JobLoopLog;
  /** Idle polls wait from 1 s, doubling, up to this; each poll is also the idle worker's heartbeat. */
  maxIdleSeconds: number;
  /** Tasks processed so far, for tests and progress logs. */
  onSubmitted?: (accepted: number, duplicates: number) => void;
}

/** The example's own processing: a well-formed result with no detections. Replace with your models. */
export const processWithoutDetections: ProcessTask = async (task, job) => ({
  result: {
    pipeline: job.pipelineSlug,
    algorithms: [],
    totalTime: 0,
    sourceImages: [{ id: task.imageId, url: task.imageUrl }],
    detections: [],
  },
});

/** Renews the batch's leases at half their time until `stop` aborts. */
async function renewWhileWorking(
  client: GatewayClient,
  leaseTokens: () => string[],
  leaseSeconds: number,
  clientInfo: ClientInfoInput,
  stop: AbortSignal,
  log: JobLoopLog,
): Promise<void> {
  while (!stop.aborted) {
    try {
      await sleep((leaseSeconds * 1000) / 2, undefined, { signal: stop });
      const tokens = leaseTokens();
      if (tokens.length === 0) continue;
      const { renewTaskLeases } = await client.request(RenewTaskLeasesDocument, { leaseTokens: tokens, clientInfo }, { signal: stop });
      if (renewTaskLeases.refused.length > 0) log.warn(`${renewTaskLeases.refused.length} leases could not be renewed`);
    } catch (error) {
      if (stop.aborted) return;
      if (!(error instanceof GatewayRequestError) || !error.retryable) throw error;
      log.warn(`renewing leases failed: ${error.message}`);
    }
  }
}

/**
 * Processes one batch in order and submits what finished, also when the worker stops midway (the
 * rest of the batch is left to its leases, which expire back into the queue).
 */
async function workOnBatch(client: GatewayClient, job: AvailableJob, tasks: LeasedTask[], options: JobLoopOptions): Promise<void> {
  const { clientInfo, process, signal, log } = options;
  const finished: TaskResultInput[] = [];
  const pending = new Set(tasks.map((task) => task.leaseToken));
  const batchDone = new AbortController();
  const renewing = renewWhileWorking(client, () => [...pending], job.leaseSeconds, clientInfo, AbortSignal.any([signal, batchDone.signal]), log);
  try {
    for (const task of tasks) {
      if (signal.aborted) break;
      let outcome: TaskOutcome;
      try {
        outcome = await process(task, job, signal);
      } catch (error) {
        if (signal.aborted) break;
        outcome = { error: { error: error instanceof Error ? error.message : String(error), imageId: task.imageId } };
      }
      finished.push({ leaseToken: task.leaseToken, ...outcome });
      pending.delete(task.leaseToken);
    }
  } finally {
    batchDone.abort();
    await renewing.catch((error: unknown) => log.warn(`lease renewal stopped: ${error instanceof Error ? error.message : String(error)}`));
  }
  if (finished.length === 0) return;
  // Not cut short by the stop signal: what finished is handed back before the worker exits.
  const { submitResults } = await client.request(SubmitResultsDocument, { results: finished, clientInfo });
  for (const refusal of submitResults.refused) log.warn(`result refused (${refusal.code} at ${refusal.path}): ${refusal.message}`);
  options.onSubmitted?.(submitResults.accepted, submitResults.duplicates);
  log.info(`job ${job.id}: ${submitResults.accepted} results accepted, ${submitResults.duplicates} duplicates, ${submitResults.refused.length} refused`);
}

/**
 * The worker's job loop: finds jobs for its pipelines, leases a batch, processes it with
 * `process`, submits, and so on; backs off while there is nothing to do (each poll is a heartbeat,
 * so the worker stays online). Resolves when `signal` aborts, after submitting what finished.
 */
export async function runJobLoop(client: GatewayClient, options: JobLoopOptions): Promise<void> {
  const { pipelineSlugs, batchSize, clientInfo, signal, log, maxIdleSeconds } = options;
  let idleSeconds = 1;
  while (!signal.aborted) {
    let worked = false;
    try {
      const { availableJobs } = await client.request(AvailableJobsDocument, { pipelineSlugs, clientInfo }, { signal });
      for (const job of availableJobs) {
        if (signal.aborted) break;
        // Leasing is not idempotent: a resent request would lease a second batch.
        const { reserveTasks } = await client.request(ReserveTasksDocument, { jobId: job.id, batchSize, clientInfo }, { signal, idempotent: false });
        if (reserveTasks.tasks.length === 0) continue;
        worked = true;
        await workOnBatch(client, job, reserveTasks.tasks, options);
        break;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof GatewayRequestError) || !error.retryable) throw error;
      log.warn(`job loop: ${error.message}`);
    }
    if (worked) {
      idleSeconds = 1;
      continue;
    }
    try {
      await sleep(idleSeconds * 1000, undefined, { signal });
    } catch {
      return;
    }
    idleSeconds = Math.min(idleSeconds * 2, maxIdleSeconds);
  }
}
