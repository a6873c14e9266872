import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway';
import { loadConfig } from '../../src/core/config';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { startPushEndpoint, type PushEndpoint } from '../support/push-endpoint';
import { concurrencySkipReason } from '../support/test-database';
import { createWorld, dataOf, unique, type World } from '../support/world';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[push replicas] skipped: ${skipReason}`);

const CHECK_INTERVAL_SECONDS = 1;
const PUSH_SETTINGS = {
  ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1',
  PUSH_RUNNER: 'on',
  PUSH_HEALTH_CHECK_INTERVAL_SECONDS: String(CHECK_INTERVAL_SECONDS),
  PUSH_POLL_INTERVAL_MS: '50',
  PUSH_BATCH_SIZE: '10',
};
const SYNC = 'mutation ($id: ID!) { syncProcessingServicePipelines(id: $id) { success } }';
const CREATE_JOB = 'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }';
const JOB = 'query ($id: ID!) { job(id: $id) { status progress { total done failed } } }';
const SERVICE = 'query ($id: ID!) { processingService(id: $id) { status } }';

let gw: TestGateway;
/** A second replica on the same database, running its own health checks and dispatch. */
let replica: RunningGateway;
let world: World;
const endpoints: PushEndpoint[] = [];

beforeAll(async () => {
  if (skipReason) return;
  gw = await startTestGateway(PUSH_SETTINGS);
  world = await createWorld(gw);
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  replica = await startGateway(
    loadConfig({ NODE_ENV: 'test', DATABASE_URL: gw.db.url, PORT: '0', LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '10', ...PUSH_SETTINGS }),
    quiet,
  );
});
afterAll(async () => {
  await replica?.stop();
  await gw?.close();
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
});

async function pushService(): Promise<{ endpoint: PushEndpoint; slug: string; projectId: string; serviceId: string }> {
  const slug = unique('replica-pipeline');
  const endpoint = await startPushEndpoint([{ slug, algorithms: [{ key: `${slug}-detector`, task_type: 'detection' }] }]);
  endpoints.push(endpoint);
  const projectId = await world.createProject('push replicas');
  const serviceId = await world.createService({ projectIds: [projectId], endpointUrl: endpoint.url });
  return { endpoint, slug, projectId, serviceId };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe.skipIf(skipReason)('push mode on two replicas of one database', () => {
  it('checks a service once per interval between them, not once per replica', async () => {
    const { endpoint, serviceId } = await pushService();
    const admin = world.as(world.admin);
    await until(
      async () => dataOf(await gw.gql<{ processingService: { status: string } }>(SERVICE, { id: serviceId }, admin)).processingService.status,
      (status) => status === 'ONLINE',
    );
    const windowSeconds = 4;
    const before = endpoint.hits.filter((hit) => hit.path === 'livez').length;
    await sleep(windowSeconds * 1000);
    const checks = endpoint.hits.filter((hit) => hit.path === 'livez').length - before;
    // Each replica on its own would check every interval: twice as many.
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(windowSeconds / CHECK_INTERVAL_SECONDS + 1);
  }, 40_000);

  it('sends every image of a job exactly once, whichever replica leased it', async () => {
    const { endpoint, slug, projectId, serviceId } = await pushService();
    const admin = world.as(world.admin);
    dataOf(await gw.gql(SYNC, { id: serviceId }, admin));
    const images = Array.from({ length: 300 }, (_, index) => ({ id: `${slug}-img-${index}`, url: `https://images.example.org/${index}.jpg` }));
    const { createJob } = dataOf(
      await gw.gql<{ createJob: { id: string } }>(CREATE_JOB, { input: { projectId, pipelineSlug: slug, name: 'two replicas', images } }, admin),
    );
    const job = await until(
      async () => dataOf(await gw.gql<{ job: { status: string; progress: unknown } }>(JOB, { id: createJob.id }, admin)).job,
      (current) => current.status === 'SUCCESS' || current.status === 'FAILURE',
    );
    expect(job).toEqual({ status: 'SUCCESS', progress: { total: 300, done: 300, failed: 0 } });
    const sent = endpoint.processed.flat();
    expect(sent).toHaveLength(300);
    expect(new Set(sent).size).toBe(300);
    expect([...sent].sort()).toEqual(images.map((image) => image.id).sort());
  }, 40_000);
});
