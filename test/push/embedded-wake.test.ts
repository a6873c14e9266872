import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { startPushEndpoint, type PushEndpoint } from '../support/push-endpoint';
import { until } from '../support/until';
import { createWorld, dataOf, unique, type World } from '../support/world';

const SYNC = 'mutation ($id: ID!) { syncProcessingServicePipelines(id: $id) { success } }';
const CREATE_JOB = 'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }';
const JOB = 'query ($id: ID!) { job(id: $id) { status progress { total done } } }';
const IDLE_PAUSE_MS = 600_000;
/** Idle, the runner's pause doubles from this: after `IDLE_WAIT_MS` it is seconds long. */
const POLL_INTERVAL_MS = 500;
const IDLE_WAIT_MS = 4_000;
/** Well under what is left of the pause the job arrives in, without a wake. */
const WOKEN_WITHIN_MS = 1_500;

let dataDir: string;
let gw: TestGateway;
let world: World;
let endpoint: PushEndpoint | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'psgw-embedded-wake-'));
  gw = await startTestGateway({
    // No DATABASE_URL: the gateway runs on PGlite under DATA_DIR, as `npm start` does.
    DATABASE_URL: '',
    DATA_DIR: dataDir,
    DATABASE_POOL_SIZE: '1',
    ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1',
    PUSH_RUNNER: 'on',
    PUSH_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    // Far beyond any wait below: only a wake can start the job's round in time.
    PUSH_IDLE_POLL_INTERVAL_MS: String(IDLE_PAUSE_MS),
  });
  world = await createWorld(gw);
}, 120_000);
afterAll(async () => {
  await gw?.close();
  await endpoint?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('push dispatch on the embedded database', () => {
  it('runs a new push job at once, waking on its own notification instead of the idle pause', { timeout: 60_000 }, async () => {
    expect(gw.database.embedded).toBe(true);
    const slug = unique('embedded-pipeline');
    endpoint = await startPushEndpoint([{ slug, algorithms: [{ key: `${slug}-detector`, task_type: 'detection' }] }]);
    const admin = world.as(world.admin);
    const projectId = await world.createProject('embedded push');
    const serviceId = await world.createService({ projectIds: [projectId], endpointUrl: endpoint.url });
    dataOf(await gw.gql(SYNC, { id: serviceId }, admin));
    // Idle again long enough that the runner's own next round is seconds away.
    await sleep(IDLE_WAIT_MS);
    const images = Array.from({ length: 3 }, (_, index) => ({ id: `${slug}-img-${index}`, url: `https://images.example.org/${index}.jpg` }));
    const { createJob } = dataOf(
      await gw.gql<{ createJob: { id: string } }>(CREATE_JOB, { input: { projectId, pipelineSlug: slug, name: 'wake', images } }, admin),
    );
    const created = Date.now();
    const job = await until(
      async () => dataOf(await gw.gql(JOB, { id: createJob.id }, admin)).job,
      (current: { status: string }) => current.status === 'SUCCESS',
      15_000,
      50,
    );
    const ms = Date.now() - created;
    console.log(`[embedded push] job done ${ms} ms after it was created`);
    expect(job).toEqual({ status: 'SUCCESS', progress: { total: 3, done: 3 } });
    expect(ms).toBeLessThan(WOKEN_WITHIN_MS);
  });
});
