import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayClient, type Credentials } from './client';
import { describeWorker, userAgent } from './client-info';
import { GatewayRequestError } from './errors';
import {
  HeartbeatDocument,
  RegisterPipelinesDocument,
  type ClientInfoInput,
  type PipelineConfigInput,
  type RegisterPipelinesMutation,
} from './generated/graphql';
import { processWithoutDetections, runJobLoop, type ProcessTask } from './job-loop';
import { examplePipelines } from './pipelines';
import { provisionKey } from './provision';
import type { WorkerSettings } from './settings';

export interface WorkerLog {
  info(message: string): void;
  warn(message: string): void;
}

export type Registration = RegisterPipelinesMutation['registerPipelines'] & { projectId: string };

export interface WorkerOptions {
  /** Aborting it stops the worker cleanly, also mid-request or mid-backoff. */
  signal: AbortSignal;
  log: WorkerLog;
  pipelines?: PipelineConfigInput[];
  clientInfo?: ClientInfoInput;
  /** Called once every project has the worker's pipelines. */
  onRegistered?: (registrations: Registration[]) => void;
  /** Runs the models on one task; the example's own returns a result with no detections. */
  process?: ProcessTask;
  onSubmitted?: (accepted: number, duplicates: number) => void;
}

/** The client for `settings`, logging each retry. */
export function createClient(settings: WorkerSettings, log: WorkerLog, credentials?: Credentials): GatewayClient {
  return new GatewayClient({
    endpoint: settings.endpoint,
    credentials,
    timeoutMs: settings.requestTimeoutMs,
    retry: { maxAttempts: settings.maxAttempts, baseDelayMs: 500, maxDelayMs: 15_000 },
    userAgent: userAgent(),
    onRetry: (error, attempt, delayMs) => log.warn(`attempt ${attempt} failed (${error.message}); retrying in ${delayMs} ms`),
  });
}

/** The worker's key: the configured one, or one obtained by self-provisioning. */
async function obtainCredentials(settings: WorkerSettings, client: GatewayClient, log: WorkerLog, signal: AbortSignal): Promise<Credentials> {
  const source = settings.credentials;
  if (source.kind === 'api-key') return { scheme: 'Api-Key', key: source.apiKey };
  const provisioned = await provisionKey(
    client,
    {
      endpoint: settings.endpoint,
      email: source.email,
      password: source.password,
      serviceName: source.serviceName,
      description: `Self-provisioned by the example worker on ${os.hostname()}.`,
      projectIds: settings.projectIds,
      keyFile: source.keyFile,
    },
    signal,
  );
  log.info(`${provisioned.outcome} key ${provisioned.prefix} of processing service ${provisioned.processingServiceId} (${source.keyFile})`);
  return provisioned.credentials;
}

/** Registers `pipelines` in each project, in turn. */
export async function registerInProjects(
  client: GatewayClient,
  projectIds: readonly string[],
  pipelines: PipelineConfigInput[],
  clientInfo: ClientInfoInput,
  signal: AbortSignal,
  log: WorkerLog,
): Promise<Registration[]> {
  const registrations: Registration[] = [];
  for (const projectId of projectIds) {
    const { registerPipelines } = await client.request(RegisterPipelinesDocument, { projectId, pipelines, clientInfo }, { signal });
    log.info(
      `project ${projectId}: ${registerPipelines.pipelines.length} pipelines registered, ` +
        `${registerPipelines.pipelinesCreated.length} new, ${registerPipelines.algorithmsCreated.length} new algorithms`,
    );
    registrations.push({ ...registerPipelines, projectId });
  }
  return registrations;
}

/**
 * Sends a heartbeat every `intervalSeconds` until `signal` aborts. A gateway that stays
 * unreachable through every retry is logged and tried again next time; a refusal (revoked key,
 * service deleted) ends the loop with that error.
 */
export async function heartbeatUntilStopped(
  client: GatewayClient,
  intervalSeconds: number,
  clientInfo: ClientInfoInput,
  signal: AbortSignal,
  log: WorkerLog,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await sleep(intervalSeconds * 1000, undefined, { signal });
      await client.request(HeartbeatDocument, { clientInfo }, { signal });
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof GatewayRequestError) || !error.retryable) throw error;
      log.warn(`heartbeat failed after ${error.attempts} attempts: ${error.message}`);
    }
  }
}

/**
 * The whole worker: gets its key, registers its pipelines in every project, then works on the
 * jobs of its pipelines until `signal` aborts; while there is nothing to do its polls are its
 * heartbeat. Resolves on a clean stop, after submitting what it finished; rejects when the gateway
 * refuses it.
 */
export async function runWorker(settings: WorkerSettings, options: WorkerOptions): Promise<void> {
  const { signal, log, pipelines = examplePipelines, clientInfo = describeWorker() } = options;
  try {
    const anonymous = createClient(settings, log);
    const client = anonymous.withCredentials(await obtainCredentials(settings, anonymous, log, signal));
    const registrations = await registerInProjects(client, settings.projectIds, pipelines, clientInfo, signal, log);
    options.onRegistered?.(registrations);
    log.info(`looking for jobs of ${pipelines.length} pipelines, batches of ${settings.batchSize}; polling at least every ${settings.heartbeatIntervalSeconds} s`);
    await runJobLoop(client, {
      pipelineSlugs: pipelines.map((pipeline) => pipeline.slug),
      batchSize: settings.batchSize,
      clientInfo,
      process: options.process ?? processWithoutDetections,
      signal,
      log,
      maxIdleSeconds: settings.heartbeatIntervalSeconds,
      onSubmitted: options.onSubmitted,
    });
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
}
