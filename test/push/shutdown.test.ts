import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway';
import { loadConfig } from '../../src/core/config';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { until } from '../support/until';
import { startPushEndpoint, type PushEndpoint } from '../support/push-endpoint';
import { concurrencySkipReason } from '../support/test-database';
import { createWorld, dataOf, sql, unique, type World } from '../support/world';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[push shutdown] skipped: ${skipReason}`);

const PUSH_SETTINGS = {
  ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1',
  PUSH_POLL_INTERVAL_MS: '50',
  PUSH_BATCH_SIZE: '10',
  // Longer than the test may take: stopping must not wait for them.
  ENDPOINT_PROCESS_TIMEOUT_MS: '600000',
  ENDPOINT_CHECK_TIMEOUT_MS: '600000',
};
const SYNC = 'mutation ($id: ID!) { syncProcessingServicePipelines(id: $id) { success } }';
const CREATE_JOB = 'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }';
const JOB = 'query ($id: ID!) { job(id: $id) { status progress { total queued leased done failed } } }';

/** Serves the API and runs no push rounds; the replicas below do. */
let gw: TestGateway;
let world: World;
let endpoint: PushEndpoint;
let hangingChecks: PushEndpoint | undefined;
const replicas: RunningGateway[] = [];

function startReplica(): Promise<RunningGateway> {
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: gw.db.url, PORT: '0', LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '5', PUSH_RUNNER: 'on', ...PUSH_SETTINGS });
  return startGateway(config, quiet).then((replica) => (replicas.push(replica), replica));
}

beforeAll(async () => {
  if (skipReason) return;
  gw = await startTestGateway({ ...PUSH_SETTINGS, PUSH_RUNNER: 'off' });
  world = await createWorld(gw);
});
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await gw?.close();
  await endpoint?.close();
  await hangingChecks?.close();
});

describe.skipIf(skipReason)('a replica stopping with batches in flight', () => {
  it('cancels the calls and gives their leases back, so another replica takes the tasks at once', async () => {
    const slug = unique('shutdown-pipeline');
    endpoint = await startPushEndpoint([{ slug, algorithms: [{ key: `${slug}-detector`, task_type: 'detection' }] }]);
    endpoint.behaviour.process = 'hang';
    const admin = world.as(world.admin);
    const projectId = await world.createProject('push shutdown');
    const serviceId = await world.createService({ projectIds: [projectId], endpointUrl: endpoint.url });
    dataOf(await gw.gql(SYNC, { id: serviceId }, admin));
    const images = Array.from({ length: 15 }, (_, index) => ({ id: `${slug}-img-${index}`, url: `https://images.example.org/${index}.jpg` }));
    const { createJob } = dataOf(
      await gw.gql<{ createJob: { id: string } }>(CREATE_JOB, { input: { projectId, pipelineSlug: slug, name: 'shutdown', images } }, admin),
    );
    const readJob = async () => dataOf(await gw.gql(JOB, { id: createJob.id }, admin)).job;

    const first = await startReplica();
    // Both batches of the job are at the endpoint, which will not answer.
    await until(
      async () => endpoint.processed.flat().length,
      (sent) => sent === images.length,
    );
    expect(await readJob()).toMatchObject({ status: 'RUNNING', progress: { leased: 15, done: 0 } });

    replicas.splice(replicas.indexOf(first), 1);
    await first.stop();
    // Every call the endpoint took was cut off unanswered (how many there were depends on how the
    // concurrent leases split the job).
    expect(endpoint.processed.length).toBeGreaterThan(0);
    expect(endpoint.abandoned).toBe(endpoint.processed.length);
    expect(await readJob()).toMatchObject({ progress: { total: 15, queued: 15, leased: 0, done: 0, failed: 0 } });
    const tasks = await sql<{ state: string; attempts: number; lease_expires_at: Date | null }>(
      gw,
      'select state, attempts, lease_expires_at from tasks where job_id = ?',
      [Number(createJob.id)],
    );
    // Queued again with no attempt counted: the endpoint never answered for them.
    expect(tasks).toEqual(images.map(() => ({ state: 'QUEUED', attempts: 0, lease_expires_at: null })));
    expect(await sql(gw, 'select id from push_batches')).toEqual([]);

    endpoint.behaviour.process = 'ok';
    await startReplica();
    const done = await until(readJob, (job) => job.status === 'SUCCESS');
    expect(done).toEqual({ status: 'SUCCESS', progress: { total: 15, queued: 0, leased: 0, done: 15, failed: 0 } });
  }, 40_000);

  it('cancels the health checks in flight and gives their claims back, recording nothing', async () => {
    hangingChecks = await startPushEndpoint([]);
    hangingChecks.behaviour.livez = 'hang';
    const projectId = await world.createProject('push shutdown checks');
    const serviceId = Number(await world.createService({ projectIds: [projectId], endpointUrl: hangingChecks.url }));
    if (replicas.length === 0) await startReplica();
    await until(
      async () => hangingChecks!.hits.filter((hit) => hit.path === 'livez').length,
      (checks) => checks > 0,
    );
    await Promise.all(replicas.splice(0).map((replica) => replica.stop()));
    const [service] = await sql(gw, 'select health_check_claimed_at, last_seen, last_seen_live from processing_services where id = ?', [serviceId]);
    expect(service).toEqual({ health_check_claimed_at: null, last_seen: null, last_seen_live: null });
  }, 40_000);
});
