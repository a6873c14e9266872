import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, dataOf, errorOf, sql, type World } from '../support/world';
import { parseApiKey } from '../../src/api-keys/api-key-format';
import { countStatements, startTestGateway, type TestGateway } from '../support/gateway';
import { concurrencySkipReason } from '../support/test-database';

const GENERATE = `mutation ($id: ID!, $name: String, $expiresAt: DateTime, $grace: Int) {
  generateKey(processingServiceId: $id, name: $name, expiresAt: $expiresAt, previousKeyGraceSeconds: $grace) {
    key
    apiKey { id prefix name createdAt expiresAt revokedAt lastUsedAt }
    processingService { id apiKeyPrefix }
  }
}`;
const REVOKE = 'mutation ($id: ID!) { revokeKey(id: $id) { id prefix revokedAt } }';
const VIEWER = '{ viewer { processingService { id } } }';

let gw: TestGateway;
let world: World;
let projectId: string;
let manager: { email: string; auth: string };
let member: { email: string; auth: string };
let stranger: { email: string; auth: string };

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
  manager = await world.createUser('manager');
  member = await world.createUser('member');
  stranger = await world.createUser('stranger');
  await world.addMember(projectId, manager.email, 'PROJECT_MANAGER');
  await world.addMember(projectId, member.email, 'BASIC_MEMBER');
});
afterAll(() => gw?.close());

const as = (auth: string) => ({ authorization: auth });
const keyed = (key: string) => ({ authorization: `Api-Key ${key}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function generate(serviceId: string, variables: Record<string, unknown> = {}, auth = world.admin) {
  return gw.gql(GENERATE, { id: serviceId, ...variables }, as(auth));
}

async function activeKeys(serviceId: string): Promise<{ prefix: string; expires_at: Date | null }[]> {
  return sql(
    gw,
    `select prefix, expires_at from api_keys
      where processing_service_id = ? and revoked_at is null and (expires_at is null or expires_at > now())`,
    [Number(serviceId)],
  );
}

async function works(key: string): Promise<boolean> {
  const response = await gw.gql(VIEWER, {}, keyed(key));
  if (response.status === 401) return false;
  return dataOf(response).viewer.processingService !== null;
}

const reason = concurrencySkipReason();
if (reason) console.warn(`[identity] concurrent key rotation skipped: ${reason}`);

describe('key rotation leaves exactly one active key', () => {
  it.skipIf(reason)('30 concurrent generateKey calls on one service leave exactly one active key', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const responses = await Promise.all(Array.from({ length: 30 }, () => generate(serviceId)));
    const keys = responses.map((response) => dataOf<{ generateKey: { key: string; apiKey: { prefix: string } } }>(response).generateKey);
    expect(new Set(keys.map((k) => k.key)).size).toBe(30);

    const active = await activeKeys(serviceId);
    expect(active).toHaveLength(1);
    const [{ total }] = await sql<{ total: string }>(gw, 'select count(*) as total from api_keys where processing_service_id = ?', [Number(serviceId)]);
    expect(Number(total)).toBe(30);
    // The survivor is the one whose plaintext works; every other returned key is refused.
    const survivor = keys.find((k) => k.apiKey.prefix === active[0]!.prefix)!;
    expect(await works(survivor.key)).toBe(true);
    for (const other of keys.filter((k) => k !== survivor).slice(0, 5)) expect(await works(other.key)).toBe(false);
  });

  it('without a grace period refuses the old key at once, even right after it was cached', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const old = await world.generateKey(serviceId);
    expect(await works(old.key)).toBe(true); // now in the verified-key cache
    const fresh = dataOf(await generate(serviceId)).generateKey;
    expect(await works(old.key)).toBe(false);
    expect(await works(fresh.key)).toBe(true);
    const [row] = await sql(gw, 'select revoked_at from api_keys where prefix = ?', [old.prefix]);
    expect(row!.revoked_at).not.toBeNull();
  });

  it('with a grace period keeps the old key working until it ends, then refuses it', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const old = await world.generateKey(serviceId);
    expect(await works(old.key)).toBe(true);
    const fresh = dataOf(await generate(serviceId, { grace: 2 })).generateKey;
    expect(await works(old.key)).toBe(true);
    expect(await works(fresh.key)).toBe(true);
    expect(fresh.processingService.apiKeyPrefix).toBe(fresh.apiKey.prefix);
    await sleep(2300);
    expect(await works(old.key)).toBe(false);
    expect(await works(fresh.key)).toBe(true);
    expect((await activeKeys(serviceId)).map((k) => k.prefix)).toEqual([fresh.apiKey.prefix]);
  });

  it('refuses a grace period outside 0..30 days with BAD_USER_INPUT', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    for (const grace of [-1, 30 * 24 * 3600 + 1]) {
      expect(errorOf(await generate(serviceId, { grace }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'previousKeyGraceSeconds' });
    }
    expect(await activeKeys(serviceId)).toHaveLength(0);
  });
});

describe('who may generate and revoke keys', () => {
  it('lets superusers and managers of a linked project generate and revoke; basic members get FORBIDDEN, others NOT_FOUND', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const byAdmin = dataOf(await generate(serviceId)).generateKey;
    const byManager = dataOf(await generate(serviceId, {}, manager.auth)).generateKey;
    expect(byManager.apiKey.prefix).not.toBe(byAdmin.apiKey.prefix);

    expect(errorOf(await generate(serviceId, {}, member.auth)).code).toBe('FORBIDDEN');
    expect(errorOf(await generate(serviceId, {}, stranger.auth)).code).toBe('NOT_FOUND');
    expect(errorOf(await generate('999999')).code).toBe('NOT_FOUND');
    expect(errorOf(await gw.gql(REVOKE, { id: byManager.apiKey.id }, as(member.auth))).code).toBe('FORBIDDEN');
    expect(errorOf(await gw.gql(REVOKE, { id: byManager.apiKey.id }, as(stranger.auth))).code).toBe('NOT_FOUND');
    expect(errorOf(await gw.gql(REVOKE, { id: '999999' }, as(world.admin))).code).toBe('NOT_FOUND');
    expect(await works(byManager.key)).toBe(true);
    const [{ keys }] = await sql<{ keys: string }>(gw, 'select count(*) as keys from api_keys where processing_service_id = ?', [Number(serviceId)]);
    expect(Number(keys)).toBe(2);

    expect(dataOf(await gw.gql(REVOKE, { id: byManager.apiKey.id }, as(manager.auth))).revokeKey.revokedAt).not.toBeNull();
    expect(await works(byManager.key)).toBe(false);
    const again = dataOf(await generate(serviceId, {}, manager.auth)).generateKey;
    expect(dataOf(await gw.gql(REVOKE, { id: again.apiKey.id }, as(world.admin))).revokeKey.revokedAt).not.toBeNull();
  });

  it('refuses the keys of a deleted service at once, even cached ones', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const key = await world.generateKey(serviceId);
    expect(await works(key.key)).toBe(true);
    expect(dataOf(await gw.gql('mutation ($id: ID!) { deleteProcessingService(id: $id) }', { id: serviceId }, as(world.admin)))).toEqual({
      deleteProcessingService: true,
    });
    const response = await gw.gql('mutation { heartbeat { id } }', {}, keyed(key.key));
    expect(response.status).toBe(401);
    expect(errorOf(response).code).toBe('UNAUTHENTICATED');
  });

  it('makes revocation one-way: revoking again keeps the first time, the key stays refused', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const key = await world.generateKey(serviceId);
    expect(await works(key.key)).toBe(true);
    const first = dataOf(await gw.gql(REVOKE, { id: key.id }, as(world.admin))).revokeKey.revokedAt;
    await sleep(20);
    const second = dataOf(await gw.gql(REVOKE, { id: key.id }, as(world.admin))).revokeKey.revokedAt;
    expect(second).toBe(first);
    expect(await works(key.key)).toBe(false);
    const prefix = dataOf(await gw.gql('query ($id: ID!) { processingService(id: $id) { apiKeyPrefix } }', { id: serviceId }, as(world.admin)));
    expect(prefix.processingService.apiKeyPrefix).toBeNull();
  });
});

describe('key fields', () => {
  it('names a key "<service name> key" by default, cut to fit even for a 255-character service name', async () => {
    const shortName = await world.createService({ name: 'Moth detector', projectIds: [projectId] });
    expect(dataOf(await generate(shortName)).generateKey.apiKey.name).toBe('Moth detector key');

    const longName = 'x'.repeat(255);
    const longService = await world.createService({ name: longName, projectIds: [projectId] });
    const { apiKey } = dataOf(await generate(longService)).generateKey;
    expect(longName.startsWith(apiKey.name)).toBe(true);
    expect(apiKey.name.length).toBeGreaterThan(0);
    expect(apiKey.name.length).toBeLessThan(255);

    expect(dataOf(await generate(shortName, { name: '  laptop  ' })).generateKey.apiKey.name).toBe('laptop');
    expect(errorOf(await generate(shortName, { name: 'n'.repeat(101) }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    expect(errorOf(await generate(shortName, { name: '   ' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
  });

  it('refuses an expiry in the past with BAD_USER_INPUT and writes no key', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const response = await generate(serviceId, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect(errorOf(response)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
    const [{ keys }] = await sql<{ keys: string }>(gw, 'select count(*) as keys from api_keys where processing_service_id = ?', [Number(serviceId)]);
    expect(Number(keys)).toBe(0);
  });

  it('returns a fresh key in the documented format, with its prefix and no use yet', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const { key, apiKey, processingService } = dataOf(await generate(serviceId, { expiresAt })).generateKey;
    expect(key).toMatch(/^psk_[0-9A-Za-z]{8}\.[0-9A-Za-z]{38}$/);
    expect(key.startsWith(`${apiKey.prefix}.`)).toBe(true);
    expect(apiKey).toMatchObject({ expiresAt, revokedAt: null, lastUsedAt: null });
    expect(processingService).toEqual({ id: serviceId, apiKeyPrefix: apiKey.prefix });
  });

  it('shows as apiKeyPrefix the newest key that is neither revoked nor expired', async () => {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const prefixOf = async () =>
      dataOf(await gw.gql('query ($id: ID!) { processingService(id: $id) { apiKeyPrefix } }', { id: serviceId }, as(world.admin)))
        .processingService.apiKeyPrefix;
    expect(await prefixOf()).toBeNull();
    const first = await world.generateKey(serviceId);
    expect(await prefixOf()).toBe(first.prefix);
    const second = dataOf(await generate(serviceId, { grace: 60 })).generateKey.apiKey;
    expect(await prefixOf()).toBe(second.prefix);
    dataOf(await gw.gql(REVOKE, { id: second.id }, as(world.admin)));
    // The first is still inside its grace period, so it is the newest active key again.
    expect(await prefixOf()).toBe(first.prefix);
  });
});

describe('the verified-key cache', () => {
  /** A new service and its key, parsed; no request has used the key yet, so it is not cached. */
  async function unusedKey() {
    const serviceId = await world.createService({ projectIds: [projectId] });
    const { key } = await world.generateKey(serviceId);
    return { serviceId: Number(serviceId), parsed: parseApiKey(key)! };
  }

  it('lets concurrent verifications of a key not yet cached share one lookup', async () => {
    const { serviceId, parsed } = await unusedKey();
    const { apiKeys } = gw.services;
    const { result, statements } = await countStatements(gw, () =>
      Promise.all(Array.from({ length: 20 }, () => apiKeys.verify(gw.database.orm.em.fork(), parsed))),
    );
    for (const verified of result) expect(verified).toMatchObject({ processingServiceId: serviceId });
    expect(statements.filter((sql) => sql.startsWith('select') && sql.includes('"api_keys"'))).toHaveLength(1);
  });

  it('does not keep a lookup that was in flight when its key was evicted', async () => {
    const { serviceId, parsed } = await unusedKey();
    const { apiKeys } = gw.services;
    const pending = apiKeys.verify(gw.database.orm.em.fork(), parsed);
    // What rotation and revocation do once they commit, here while the row is still being read.
    apiKeys.forget([parsed.prefix]);
    expect(await pending).toMatchObject({ processingServiceId: serviceId });
    expect(apiKeys.verifyCached(parsed)).toBeUndefined();
    // The next verification reads the row again, and is cached from then on.
    await apiKeys.verify(gw.database.orm.em.fork(), parsed);
    expect(apiKeys.verifyCached(parsed)).toMatchObject({ processingServiceId: serviceId });
  });
});
