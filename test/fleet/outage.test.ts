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

beforeAll(async () => {
  postgres = await startThrowawayPostgres();
  gw = await startTestGateway({
    DATABASE_URL: postgres.url,
    NODE_ENV: 'production',
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    HEARTBEAT_WRITE_INTERVAL_SECONDS: '3600',
    API_KEY_CACHE_TTL_SECONDS: '3600',
  });
  world = await createWorld(gw);
  projectId = await world.createProject();
  const serviceId = await world.createService({ projectIds: [projectId] });
  const { key } = await world.generateKey(serviceId);
  keyHeaders = { authorization: `Api-Key ${key}` };
  // The first beat writes and caches the key; later ones within the interval are throttled.
  expect(dataOf(await gw.gql(HEARTBEAT, {}, keyHeaders)).heartbeat.id).toBe(serviceId);
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

  it('still serves a cached key its { __typename } and throttled heartbeats', async () => {
    const typename = await gw.gql('{ __typename }', {}, keyHeaders);
    expect(typename.status).toBe(200);
    expect(typename.body.data).toEqual({ __typename: 'Query' });
    const beat = await gw.gql(HEARTBEAT, {}, keyHeaders);
    expect(beat.status).toBe(200);
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
});
