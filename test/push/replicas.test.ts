import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, spawnGateway, type GatewayProcess } from '../support/processes';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { until } from '../support/until';
import { startPushEndpoint, type PushEndpoint } from '../support/push-endpoint';
import { concurrencySkipReason } from '../support/test-database';
import { createWorld, dataOf, sql, unique, type World } from '../support/world';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[push replicas] skipped: ${skipReason}`);

const CHECK_INTERVAL_SECONDS = 1;
const CONCURRENCY_PER_SERVICE = 2;
const PUSH_SETTINGS = {
  ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1',
  PUSH_HEALTH_CHECK_INTERVAL_SECONDS: String(CHECK_INTERVAL_SECONDS),
  PUSH_POLL_INTERVAL_MS: '50',
  PUSH_BATCH_SIZE: '10',
  PUSH_CONCURRENCY_PER_SERVICE: String(CONCURRENCY_PER_SERVICE),
};
const SYNC = 'mutation ($id: ID!) { syncProcessingServicePipelines(id: $id) { success } }';
const CREATE_JOB = 'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }';
const JOB = 'query ($id: ID!) { job(id: $id) { status progress { total done failed } } }';
const SERVICE = 'query ($id: ID!) { processingService(id: $id) { status } }';

/** Serves the API to the test and runs no push rounds; the two replica processes do all push work. */
let gw: TestGateway;
let replicas: GatewayProcess[] = [];
let build: Awaited<ReturnType<typeof buildGateway>> | undefined;
let world: World;
const endpoints: PushEndpoint[] = [];

beforeAll(async () => {
  if (skipReason) return;
  [gw, build] = await Promise.all([startTestGateway({ ...PUSH_SETTINGS, PUSH_RUNNER: 'off' }), buildGateway()]);
  world = await createWorld(gw);
  const env = { ...PUSH_SETTINGS, NODE_ENV: 'test', DATABASE_URL: gw.db.url, LOG_LEVEL: 'info', DATABASE_POOL_SIZE: '5', PUSH_RUNNER: 'on' };
  replicas = [spawnGateway(build.mainJs, env), spawnGateway(build.mainJs, env)];
  for (const started of await Promise.all(replicas.map((replica) => replica.started))) {
    if (!started.listening) throw new Error(`a replica did not start: ${started.output}`);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await gw?.close();
  await build?.remove();
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

async function runJob(images: number): Promise<{ endpoint: PushEndpoint; jobId: string; imageIds: string[]; job: unknown }> {
  const { endpoint, slug, projectId, serviceId } = await pushService();
  // Long enough that batches overlap, so both replicas are busy at once.
  endpoint.processDelayMs = 50;
  const admin = world.as(world.admin);
  dataOf(await gw.gql(SYNC, { id: serviceId }, admin));
  const list = Array.from({ length: images }, (_, index) => ({ id: `${slug}-img-${index}`, url: `https://images.example.org/${index}.jpg` }));
  const { createJob } = dataOf(
    await gw.gql<{ createJob: { id: string } }>(CREATE_JOB, { input: { projectId, pipelineSlug: slug, name: 'two replicas', images: list } }, admin),
  );
  const job = await until(
    async () => dataOf(await gw.gql<{ job: { status: string; progress: unknown } }>(JOB, { id: createJob.id }, admin)).job,
    (current) => current.status === 'SUCCESS' || current.status === 'FAILURE',
    30_000,
  );
  return { endpoint, jobId: createJob.id, imageIds: list.map((image) => image.id), job };
}

describe.skipIf(skipReason)('push mode on two gateway processes sharing one database', () => {
  it('checks a service once per interval between them, not once per replica', async () => {
    const { endpoint, serviceId } = await pushService();
    const admin = world.as(world.admin);
    await until(
      async () => dataOf(await gw.gql<{ processingService: { status: string } }>(SERVICE, { id: serviceId }, admin)).processingService.status,
      (status) => status === 'ONLINE',
      30_000,
    );
    const windowSeconds = 4;
    const before = endpoint.hits.filter((hit) => hit.path === 'livez').length;
    await sleep(windowSeconds * 1000);
    const checks = endpoint.hits.filter((hit) => hit.path === 'livez').length - before;
    // Each replica on its own would check every interval: twice as many.
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(windowSeconds / CHECK_INTERVAL_SECONDS + 1);
  }, 40_000);

  it('sends every image of a job exactly once, both replicas taking part, each named in what it stored', async () => {
    const { endpoint, jobId, imageIds, job } = await runJob(300);
    expect(job).toEqual({ status: 'SUCCESS', progress: { total: 300, done: 300, failed: 0 } });
    const sent = endpoint.processed.flat();
    expect(sent).toHaveLength(300);
    expect(new Set(sent).size).toBe(300);
    expect([...sent].sort()).toEqual([...imageIds].sort());

    const senders = await sql<{ hostname: string; instance: string | null; leases: string; results: string }>(
      gw,
      `select l.worker ->> 'hostname' as hostname, l.worker -> 'extra' ->> 'instance' as instance,
              count(*) as leases, count(r.id) as results
         from task_leases l left join task_results r on r.lease_token_digest = l.token_digest
        where l.job_id = ? group by 1, 2 order by 2`,
      [Number(jobId)],
    );
    expect(senders).toHaveLength(2);
    for (const sender of senders) {
      expect(sender.hostname).toBe(hostname());
      expect(sender.instance).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number(sender.results)).toBeGreaterThan(0);
    }
    expect(senders.reduce((total, sender) => total + Number(sender.leases), 0)).toBe(300);
    expect(senders.reduce((total, sender) => total + Number(sender.results), 0)).toBe(300);
  }, 40_000);

  it(`keeps at most ${CONCURRENCY_PER_SERVICE} batches in flight to a service between them, not that many per replica`, async () => {
    const { endpoint, job } = await runJob(200);
    expect(job).toEqual({ status: 'SUCCESS', progress: { total: 200, done: 200, failed: 0 } });
    expect(endpoint.maxConcurrentProcess).toBe(CONCURRENCY_PER_SERVICE);
    const [slots] = await sql<{ count: string }>(gw, 'select count(*) from push_batches');
    expect(Number(slots!.count)).toBe(0);
  }, 40_000);
});
