import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, type World } from '../support/world';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres';

const HEARTBEAT = 'mutation { heartbeat { id } }';
const SERVICES = 'query ($projectId: ID!) { processingServices(projectId: $projectId) { totalCount } }';

let postgres: ThrowawayPostgres;
let gw: TestGateway;
let world: World;
let projectId: string;
let keyHeaders: Record<string, string>;
let serviceId: string;
let seenBefore: ServiceRow;
let outageBeatAt: number;

interface ServiceRow {
  last_seen: string | null;
  last_seen_client_info: { hostname: string | null; userAgent: string | null } | null;
  workers: string[];
}

/** The service's heartbeat columns and worker rows once `done` holds (the flush runs on its timer), or after 15 s. */
async function lastSeenInDatabase(id: string, done: (row: ServiceRow) => boolean): Promise<ServiceRow> {
  const em = gw.database.orm.em.fork();
  const read = async (): Promise<ServiceRow> => {
    const [row] = await em.execute<Omit<ServiceRow, 'workers'>[]>('select last_seen, last_seen_client_info from processing_services where id = ?', [Number(id)]);
    const workers = await em.execute<{ identity: string }[]>(
      'select identity from processing_service_workers where processing_service_id = ? order by identity',
      [Number(id)],
    );
    return { ...row!, workers: workers.map((worker) => worker.identity) };
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const row = await read().catch(() => undefined);
    if (row && (done(row) || Date.now() > deadline)) return row;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  gw = await startTestGateway({
    DATABASE_URL: postgres.url,
    NODE_ENV: 'production',
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    API_KEY_CACHE_TTL_SECONDS: '3600',
    HEARTBEAT_FLUSH_INTERVAL_MS: '200',
  });
  world = await createWorld(gw);
  projectId = await world.createProject();
  serviceId = await world.createService({ projectIds: [projectId] });
  const { key } = await world.generateKey(serviceId);
  keyHeaders = { authorization: `Api-Key ${key}` };
  // The first beat caches the key; heartbeats are written behind, so none needs the database.
  expect(dataOf(await gw.gql(HEARTBEAT, {}, keyHeaders)).heartbeat.id).toBe(serviceId);
  seenBefore = await lastSeenInDatabase(serviceId, (row) => row.last_seen !== null);
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await postgres?.remove();
});

function expectUnavailable(response: GraphQLResponse) {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(response.body.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  const text = JSON.stringify(response.body);
  for (const leak of ['select', 'insert', '127.0.0.1', 'ECONNREFUSED', 'at ', 'stack', 'postgres']) expect(text).not.toContain(leak);
}

describe('with the database stopped', () => {
  beforeAll(() => postgres.stop(), 30_000);
  afterAll(() => postgres.start(), 30_000);

  it('answers work that needs the database with 503, Retry-After and SERVICE_UNAVAILABLE', async () => {
    expectUnavailable(await gw.gql(SERVICES, { projectId }, { authorization: world.admin }));
    const registration = 'mutation ($projectId: ID!) { registerPipelines(projectId: $projectId, pipelines: []) { success } }';
    expectUnavailable(await gw.gql(registration, { projectId }, keyHeaders));
    expectUnavailable(await gw.gql('mutation ($p: String!) { login(email: "nobody@example.com", password: $p) { token } }', { p: 'wrong-password-1' }));
  });

  it('still serves a cached key its { __typename } and heartbeats, with what they report', async () => {
    const typename = await gw.gql('{ __typename }', {}, keyHeaders);
    expect(typename.status).toBe(200);
    expect(typename.body.data).toEqual({ __typename: 'Query' });
    const beat = await gw.gql(HEARTBEAT, {}, keyHeaders);
    expect(beat.status).toBe(200);
    outageBeatAt = Date.now();
    const reported = await gw.gql('mutation { heartbeat(clientInfo: { hostname: "outage-host" }) { id } }', {}, { ...keyHeaders, 'user-agent': 'outage-worker/1.0' });
    expect(reported.status).toBe(200);
    // Flushes fail meanwhile; their beats are kept for the next.
    await new Promise((resolve) => setTimeout(resolve, 600));
  });

  it('reports not ready', async () => {
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(503);
  });
});

describe('once the database is back', () => {
  it('answers again without a restart', async () => {
    const deadline = Date.now() + 10_000;
    let response = await gw.gql(SERVICES, { projectId }, { authorization: world.admin });
    while (response.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      response = await gw.gql(SERVICES, { projectId }, { authorization: world.admin });
    }
    expect(response.status).toBe(200);
    expect(dataOf(response).processingServices.totalCount).toBe(1);
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
  });

  it('records the heartbeats sent during the outage', async () => {
    const after = await lastSeenInDatabase(serviceId, (row) => row.last_seen_client_info?.hostname === 'outage-host');
    expect(after.last_seen_client_info).toMatchObject({ hostname: 'outage-host', userAgent: 'outage-worker/1.0' });
    expect(new Date(after.last_seen!).getTime()).toBeGreaterThan(new Date(seenBefore.last_seen!).getTime());
    expect(new Date(after.last_seen!).getTime()).toBeGreaterThanOrEqual(outageBeatAt);
    expect(after.workers).toContain('outage-host');
    expect(gw.logs.some((line) => line.includes('heartbeat flush failed'))).toBe(true);
  });
});
