import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway';
import { loadConfig } from '../../src/core/config';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, sql, type World } from '../support/world';

const LONG_TTL = { API_KEY_CACHE_TTL_SECONDS: '3600' };

let a: TestGateway;
let b: RunningGateway;
let world: World;
let projectId: string;

beforeAll(async () => {
  a = await startTestGateway(LONG_TTL);
  // A second replica on the same database, with caches of its own.
  b = await startGateway(loadConfig({ NODE_ENV: 'test', DATABASE_URL: a.db.url, PORT: '0', LOG_LEVEL: 'silent', ...LONG_TTL }));
  world = await createWorld(a);
  projectId = await world.createProject();
}, 60_000);
afterAll(async () => {
  await b?.stop();
  await a?.close();
});

async function statusOnB(key: string): Promise<number> {
  const response = await fetch(`${b.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Api-Key ${key}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  return response.status;
}

/** Polls B until it refuses the key; the propagation time itself is measured in bench:fleet. */
async function refusedOnB(key: string, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if ((await statusOnB(key)) === 401) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A service with a key that replica B has verified and cached. */
async function keyCachedOnB() {
  const serviceId = await world.createService({ projectIds: [projectId] });
  const generated = await world.generateKey(serviceId);
  expect(await statusOnB(generated.key)).toBe(200);
  return { serviceId, ...generated };
}

describe('a change on replica A reaches replica B through the channel', () => {
  it('refuses on B a key revoked on A', async () => {
    const { key, id } = await keyCachedOnB();
    dataOf(await a.gql('mutation ($id: ID!) { revokeKey(id: $id) { id } }', { id }, { authorization: world.admin }));
    expect(await refusedOnB(key)).toBe(true);
  });

  it('refuses on B a key rotated away on A', async () => {
    const { key, serviceId } = await keyCachedOnB();
    await world.generateKey(serviceId);
    expect(await refusedOnB(key)).toBe(true);
  });

  it('refuses on B the key of a service deleted on A', async () => {
    const { key, serviceId } = await keyCachedOnB();
    dataOf(await a.gql('mutation ($id: ID!) { deleteProcessingService(id: $id) }', { id: serviceId }, { authorization: world.admin }));
    expect(await refusedOnB(key)).toBe(true);
  });

  it('keeps accepting on B a key whose revocation was rolled back', async () => {
    const { key, prefix } = await keyCachedOnB();
    await sql(a, `begin; update api_keys set revoked_at = now() where prefix = '${prefix}'; select pg_notify('psgw_invalidate', '{"apiKeyPrefixes":["${prefix}"]}'); rollback;`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOnB(key)).toBe(200);
  });
});

describe('when B loses its listening connection', () => {
  it('reconnects and still refuses a key revoked on A afterwards', async () => {
    const { key, id } = await keyCachedOnB();
    const terminated = await sql(a, `select pg_terminate_backend(pid) as done from pg_stat_activity where query ilike 'listen psgw_invalidate%'`);
    expect(terminated.length).toBeGreaterThan(0);
    dataOf(await a.gql('mutation ($id: ID!) { revokeKey(id: $id) { id } }', { id }, { authorization: world.admin }));
    expect(await refusedOnB(key)).toBe(true);
  });
});
