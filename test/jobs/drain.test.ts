import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway';
import { loadConfig } from '../../src/core/config';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { concurrencySkipReason } from '../support/test-database';
import { RESERVE, SUBMIT, createJobWorld, dataOf, images, resultFor, sql, type JobWorld, type LeasedTask, type SubmitData } from './fixtures';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[jobs drain] skipped: ${skipReason}`);

const IMAGES = 2_000;
const BATCH = 24;

let gw: TestGateway;
/** A second replica on the same database: its own services, caches and connection pool. */
let replica: RunningGateway;
let world: JobWorld;

beforeAll(async () => {
  if (skipReason) return;
  gw = await startTestGateway();
  world = await createJobWorld(gw);
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  replica = await startGateway(loadConfig({ NODE_ENV: 'test', DATABASE_URL: gw.db.url, PORT: '0', LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '10' }), quiet);
});
afterAll(async () => {
  await replica?.stop();
  await gw?.close();
});

async function post<T>(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<T> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as any;
  if (response.status !== 200 || body.errors) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.errors)}`);
  return body.data as T;
}

describe('two replicas, two services, six workers drain one job of 2,000 images', () => {
  it.skipIf(skipReason)('every task gets exactly one result: none lost, none duplicated, a vanished worker\'s batch done by others', async () => {
    const projectId = await world.createProject();
    const services = [await world.createWorker([projectId], 'fleet-a'), await world.createWorker([projectId], 'fleet-b')];
    const pipeline = await world.registerPipeline(projectId, services[0]!.headers);
    await world.registerPipeline(projectId, services[1]!.headers, pipeline);
    const list = images(IMAGES);
    const job = await world.createJob({ projectId, pipelineSlug: pipeline.slug, images: list.slice(0, 1_000), leaseSeconds: 2 });
    await world.addImages(job.id, list.slice(1_000));
    const urls = [gw.url, replica.url];

    // A worker that leases a batch and vanishes: its tasks must come back after the lease.
    const vanished = await post<{ reserveTasks: { tasks: LeasedTask[] } }>(urls[1]!, RESERVE, { jobId: job.id, batchSize: BATCH, clientInfo: { hostname: 'vanished' } }, services[0]!.headers);
    const vanishedImages = new Set(vanished.reserveTasks.tasks.map((task) => task.imageId));
    expect(vanishedImages.size).toBe(BATCH);

    const totals = { accepted: 0, duplicates: 0, refused: 0, leased: 0 };
    let remaining = IMAGES;
    const runWorker = async (index: number) => {
      const service = services[index % 2]!;
      const url = urls[Math.floor(index / 2) % 2]!;
      const other = urls[(Math.floor(index / 2) + 1) % 2]!;
      for (let round = 0; remaining > 0; round++) {
        const { reserveTasks } = await post<{ reserveTasks: { tasks: LeasedTask[] } }>(url, RESERVE, { jobId: job.id, batchSize: BATCH, clientInfo: { hostname: `worker-${index}` } }, service.headers);
        if (reserveTasks.tasks.length === 0) {
          await sleep(100);
          continue;
        }
        totals.leased += reserveTasks.tasks.length;
        const results = reserveTasks.tasks.map((task) => ({ leaseToken: task.leaseToken, result: resultFor(task, pipeline, { detections: 2, classifications: 1, scores: 4 }) }));
        // Every third batch is also sent through the other replica at the same time, as a retrying client might.
        const sends = round % 3 === 0 ? [url, other] : [url];
        const outcomes = await Promise.all(sends.map((target) => post<{ submitResults: SubmitData }>(target, SUBMIT, { results }, service.headers)));
        for (const { submitResults } of outcomes) {
          totals.accepted += submitResults.accepted;
          totals.duplicates += submitResults.duplicates;
          totals.refused += submitResults.refused.length;
          remaining -= submitResults.accepted;
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, index) => runWorker(index)));

    expect(totals.accepted).toBe(IMAGES);
    expect(totals.refused).toBe(0);
    expect(totals.leased).toBe(IMAGES);
    const [counts] = await sql(
      gw,
      `select (select count(*)::int from task_results where job_id = ?) as results,
              (select count(distinct task_id)::int from task_results where job_id = ?) as tasks_with_result,
              (select count(*)::int from tasks where job_id = ? and state = 'DONE') as done,
              (select count(*)::int from tasks where job_id = ?) as tasks`,
      [Number(job.id), Number(job.id), Number(job.id), Number(job.id)],
    );
    expect(counts).toEqual({ results: IMAGES, tasks_with_result: IMAGES, done: IMAGES, tasks: IMAGES });
    const byService = await sql(gw, 'select processing_service_id, count(*)::int as n from task_results where job_id = ? group by 1', [Number(job.id)]);
    expect(byService).toHaveLength(2);
    const retaken = await sql(
      gw,
      `select t.image_id, t.attempts, r.worker->>'hostname' as hostname from tasks t join task_results r on r.task_id = t.id
        where t.job_id = ? and t.image_id in (?)`,
      [Number(job.id), [...vanishedImages]],
    );
    expect(retaken).toHaveLength(BATCH);
    for (const task of retaken) {
      expect(task.attempts).toBe(2);
      expect(task.hostname).not.toBe('vanished');
    }
    const finished = dataOf(await gw.gql(`query ($id: ID!) { job(id: $id) { status progress { done failed queued leased } } }`, { id: job.id }, world.asAdmin)).job;
    expect(finished).toEqual({ status: 'SUCCESS', progress: { done: IMAGES, failed: 0, queued: 0, leased: 0 } });
    console.log(`[jobs drain] ${IMAGES} tasks, ${totals.duplicates} duplicate submissions counted and not stored`);
  }, 180_000);
});
