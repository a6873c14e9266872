import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processWithoutDetections, type ProcessTask } from '../../examples/worker/job-loop';
import { examplePipelines } from '../../examples/worker/pipelines';
import { loadWorkerSettings } from '../../examples/worker/settings';
import { runWorker } from '../../examples/worker/worker';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createJobWorld, images, sql, type JobWorld } from '../jobs/fixtures';

let gw: TestGateway;
let world: JobWorld;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createJobWorld(gw);
});
afterAll(() => gw?.close());

const slug = examplePipelines[0]!.slug;
const quiet = { info: () => {}, warn: () => {} };

/**
 * Runs the example worker of a fresh service in a fresh project; once it has registered, creates
 * a job of `count` images for its first pipeline. Resolves when the worker has stopped.
 */
async function runOnJob(
  count: number,
  options: { batchSize?: number; leaseSeconds?: number; process?: ProcessTask; stopWhen?: (accepted: number, stop: AbortController) => void },
) {
  const projectId = await world.createProject();
  const worker = await world.createWorker([projectId]);
  const settings = loadWorkerSettings(
    { GATEWAY_URL: gw.url, PROJECT_IDS: projectId, PS_API_KEY: worker.key, BATCH_SIZE: String(options.batchSize ?? 24), HEARTBEAT_INTERVAL_SECONDS: '1' },
    os.hostname(),
  );
  const stop = new AbortController();
  let jobId = '';
  let accepted = 0;
  await runWorker(settings, {
    signal: stop.signal,
    log: quiet,
    process: options.process ?? processWithoutDetections,
    onRegistered: () => {
      void world.createJob({ projectId, pipelineSlug: slug, images: images(count), leaseSeconds: options.leaseSeconds }).then((job) => (jobId = job.id));
    },
    onSubmitted: (done) => {
      accepted += done;
      (options.stopWhen ?? ((total, controller) => total >= count && controller.abort()))(accepted, stop);
    },
  });
  return { jobId, accepted, worker };
}

describe('the example worker works on jobs of its pipelines', () => {
  it('drains a job in batches of its batch size with its own result, then stops cleanly', async () => {
    const { jobId, accepted } = await runOnJob(50, { batchSize: 24 });
    expect(accepted).toBe(50);
    const job = await world.job(jobId);
    expect(job.status).toBe('SUCCESS');
    const leases = await sql(gw, 'select count(*)::int as n, count(distinct leased_at)::int as batches from task_leases where job_id = ?', [Number(jobId)]);
    expect(leases[0]).toEqual({ n: 50, batches: 3 });
  });

  it('on stop, submits the tasks it finished and leaves the rest to their leases', async () => {
    const stopper = new AbortController();
    let processed = 0;
    const process: ProcessTask = async (task, job, signal) => {
      processed += 1;
      if (processed === 3) stopper.abort();
      if (processed > 3) throw new Error('started a task after the stop');
      signal.throwIfAborted();
      return processWithoutDetections(task, job, signal);
    };
    // The worker's own signal is aborted from inside the third task, as SIGTERM would.
    const projectId = await world.createProject();
    const worker = await world.createWorker([projectId]);
    const settings = loadWorkerSettings({ GATEWAY_URL: gw.url, PROJECT_IDS: projectId, PS_API_KEY: worker.key, BATCH_SIZE: '10' }, os.hostname());
    let jobId = '';
    let accepted = 0;
    await runWorker(settings, {
      signal: stopper.signal,
      log: quiet,
      process: async (task, job, signal) => {
        jobId = job.id;
        return process(task, job, signal);
      },
      onRegistered: () => void world.createJob({ projectId, pipelineSlug: slug, images: images(10) }),
      onSubmitted: (done) => (accepted += done),
    });
    expect(accepted).toBe(2);
    const state = await world.job(jobId);
    expect(state.progress).toMatchObject({ done: 2, leased: 8, queued: 0 });
  });

  it('renews the leases of a batch that outlasts them', async () => {
    const slow: ProcessTask = async (task, job, signal) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return processWithoutDetections(task, job, signal);
    };
    const { jobId, accepted } = await runOnJob(3, { batchSize: 3, leaseSeconds: 2, process: slow });
    expect(accepted).toBe(3);
    const [row] = await sql(
      gw,
      `select max(attempts)::int as attempts, max(extract(epoch from t.lease_expires_at - l.leased_at))::float as lease_seconds
         from tasks t join task_leases l on l.task_id = t.id where t.job_id = ?`,
      [Number(jobId)],
    );
    expect(row!.attempts).toBe(1);
    // Leased for 2 s; the last task, still pending after 2 s of work, had its lease extended.
    expect(row!.lease_seconds).toBeGreaterThan(2.5);
  });
});
