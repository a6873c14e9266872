import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createWorld, dataOf, errorOf, type World } from '../support/world';
import { countStatements, startTestGateway, type TestGateway } from '../support/gateway';

const SERVICE = `query ($id: ID!) {
  processingService(id: $id) {
    lastSeen lastSeenLive status updatedAt
    lastSeenClientInfo { hostname software version platform podName ip userAgent extra }
    apiKeys { lastUsedAt }
  }
}`;
const HEARTBEAT = 'mutation ($info: ClientInfoInput) { heartbeat(clientInfo: $info) { id } }';

let gw: TestGateway;
let world: World;
let projectId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
});
afterAll(() => gw?.close());

/** A new service with a key, and request headers for a worker with that key and user agent. */
async function worker() {
  const serviceId = await world.createService({ projectIds: [projectId] });
  const { key } = await world.generateKey(serviceId);
  const headers = (userAgent = 'ami-worker/1.0', extra: Record<string, string> = {}) => ({
    authorization: `Api-Key ${key}`,
    'user-agent': userAgent,
    ...extra,
  });
  const read = async () => dataOf(await gw.gql(SERVICE, { id: serviceId }, { authorization: world.admin })).processingService;
  /** What reached the database: flushed first, so no unflushed beat shows through. */
  const state = async () => {
    await flush();
    return read();
  };
  return { serviceId, key, headers, state, read };
}

const touches = (statements: string[], table: string) => statements.filter((sql) => sql.includes(table));
/** Writes the beats recorded so far, as the gateway's timer would. */
const flush = () => gw.services.heartbeats.flush(gw.database.orm.em.fork());
const flushed = () => countStatements(gw, flush);

describe('a keyed request is a heartbeat', () => {
  it('marks the service seen and the key used, without bumping updatedAt', async () => {
    const w = await worker();
    const before = await w.state();
    expect(before).toMatchObject({ lastSeen: null, lastSeenLive: null, status: 'UNKNOWN', lastSeenClientInfo: null, apiKeys: [{ lastUsedAt: null }] });

    expect(dataOf(await gw.gql('{ __typename }', {}, w.headers())).__typename).toBe('Query');
    const after = await w.state();
    expect(after.lastSeen).not.toBeNull();
    expect(after).toMatchObject({ lastSeenLive: true, status: 'ONLINE', updatedAt: before.updatedAt });
    expect(after.apiKeys[0].lastUsedAt).not.toBeNull();
    expect(after.lastSeenClientInfo).toMatchObject({ ip: '127.0.0.1', userAgent: 'ami-worker/1.0', hostname: null });
  });

  it('writes nothing while serving requests; one flush writes each service once, with the latest report', async () => {
    const w = await worker();
    dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-1' } }, w.headers())); // caches the key
    const requests = await countStatements(gw, async () => {
      for (let i = 0; i < 5; i++) dataOf(await gw.gql('{ __typename }', {}, w.headers()));
      for (let i = 0; i < 3; i++) dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-1' } }, w.headers()));
      dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-2' } }, w.headers()));
      dataOf(await gw.gql('{ __typename }', {}, w.headers('ami-worker/1.1')));
    });
    expect(requests.statements).toEqual([]);

    const { statements } = await flushed();
    expect(touches(statements, 'update processing_services')).toHaveLength(1);
    expect(touches(statements, 'update api_keys')).toHaveLength(1);
    expect((await w.read()).lastSeenClientInfo).toMatchObject({ hostname: 'node-2', userAgent: 'ami-worker/1.1' });
    expect((await flushed()).statements).toEqual([]);
  });

  it('shows unflushed beats on this replica before they reach the row', async () => {
    const w = await worker();
    const answer = dataOf(await gw.gql('mutation { heartbeat { id status lastSeenLive lastSeenClientInfo { userAgent } } }', {}, w.headers('early/1.0')));
    expect(answer.heartbeat).toMatchObject({ status: 'ONLINE', lastSeenLive: true, lastSeenClientInfo: { userAgent: 'early/1.0' } });
    const [row] = await gw.database.orm.em.fork().execute('select last_seen from processing_services where id = ?', [Number(w.serviceId)]);
    expect(row.last_seen).toBeNull();
    await flush();
    const [written] = await gw.database.orm.em.fork().execute('select last_seen from processing_services where id = ?', [Number(w.serviceId)]);
    expect(new Date(written.last_seen).toISOString()).toBe((await w.read()).lastSeen);
  });

  it('records once per request: a heartbeat with a report covers the end-of-request beat, a refused one does not', async () => {
    const w = await worker();
    const record = vi.spyOn(gw.services.heartbeats, 'record');
    try {
      dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-1' } }, w.headers()));
      expect(record.mock.calls.map((call) => call[2])).toEqual([{ hostname: 'node-1' }]);

      record.mockClear();
      dataOf(await gw.gql('{ __typename }', {}, w.headers()));
      expect(record.mock.calls.map((call) => call[2])).toEqual([undefined]);

      record.mockClear();
      const huge = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(500)]));
      expect(errorOf(await gw.gql(HEARTBEAT, { info: { extra: huge } }, w.headers()))).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(record).toHaveBeenCalledTimes(2);
      expect(record.mock.calls[1]![2]).toBeUndefined();
    } finally {
      record.mockRestore();
    }
  });

  it('writes the time of the last beat, not of the flush, and merges the reports in the order sent', async () => {
    const w = await worker();
    const report = (hostname: string, extra: Record<string, string>) => ({ info: { hostname, extra } });
    dataOf(await gw.gql(HEARTBEAT, report('node-a', { slot: '1' }), w.headers()));
    dataOf(await gw.gql(HEARTBEAT, report('node-b', { slot: '2' }), w.headers()));
    dataOf(await gw.gql(HEARTBEAT, report('node-a', { zone: 'x' }), w.headers()));
    const lastBeat = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const flushedAt = Date.now();
    const after = await w.state();
    expect(new Date(after.lastSeen).getTime()).toBeLessThanOrEqual(lastBeat);
    expect(new Date(after.lastSeen).getTime()).toBeLessThan(flushedAt);
    expect(after.lastSeenClientInfo).toMatchObject({ hostname: 'node-a', extra: { slot: '2', zone: 'x' } });
  });

  it('never moves last seen backwards: a beat older than the row (another replica wrote since) keeps the newer observed fields', async () => {
    const w = await worker();
    dataOf(await gw.gql('{ __typename }', {}, w.headers('newer/2.0')));
    await flush();
    await gw.database.orm.em.fork().execute("update processing_services set last_seen = now() + interval '1 hour' where id = ?", [Number(w.serviceId)]);
    const ahead = (await w.read()).lastSeen;
    dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'late-host' } }, w.headers('older/1.0')));
    const after = await w.state();
    expect(after.lastSeen).toBe(ahead);
    expect(after.lastSeenClientInfo).toMatchObject({ userAgent: 'newer/2.0', hostname: 'late-host' });
  });
});

describe('a fleet sharing one key', () => {
  it('writes one statement per table per flush, not one per worker or request', async () => {
    const w = await worker();
    const pods = ['pod-a', 'pod-b', 'pod-c'];
    for (let round = 0; round < 4; round++) {
      for (const pod of pods) dataOf(await gw.gql(HEARTBEAT, { info: { podName: pod } }, w.headers(`adc/${pod}`)));
    }
    const { statements } = await flushed();
    expect(touches(statements, 'update processing_services')).toHaveLength(1);
    expect(touches(statements, 'update api_keys')).toHaveLength(1);
    expect(touches(statements, 'insert into processing_service_workers')).toHaveLength(1);
    expect(pods.map((pod) => `adc/${pod}`)).toContain((await w.read()).lastSeenClientInfo.userAgent);
  });
});

describe('a cached key authenticates without SQL', () => {
  it('runs no statement on api_keys or user_sessions once the key is cached, and none at all for a heartbeat', async () => {
    const w = await worker();
    dataOf(await gw.gql('{ __typename }', {}, w.headers())); // warm-up: caches the key
    await flush();

    const viewer = await countStatements(gw, async () => dataOf(await gw.gql('{ viewer { processingService { id } } }', {}, w.headers())));
    expect(viewer.result.viewer.processingService).toEqual({ id: w.serviceId });
    expect(viewer.statements.length).toBeGreaterThan(0); // the service row itself is read: the counter works
    expect(touches(viewer.statements, 'api_keys')).toEqual([]);
    expect(touches(viewer.statements, 'user_sessions')).toEqual([]);

    const bare = await countStatements(gw, async () => dataOf(await gw.gql('{ __typename }', {}, w.headers())));
    expect(bare.statements).toEqual([]);
    const heartbeat = await countStatements(gw, async () => dataOf(await gw.gql('mutation { heartbeat { id } }', {}, w.headers())));
    expect(heartbeat.result.heartbeat).toEqual({ id: w.serviceId });
    expect(heartbeat.statements).toEqual([]);
  });
});

describe('client info is merged as domain.md says', () => {
  it('overwrites server fields, replaces reported fields only with non-empty values, merges extras', async () => {
    const w = await worker();
    const first = {
      hostname: 'node-1',
      software: 'ami-data-companion',
      version: '1.0',
      platform: 'linux',
      podName: 'pod-a',
      extra: { gpu: 'a100', slots: 4 },
    };
    dataOf(await gw.gql(HEARTBEAT, { info: first }, w.headers('adc/1.0')));
    expect((await w.state()).lastSeenClientInfo).toEqual({ ...first, ip: '127.0.0.1', userAgent: 'adc/1.0' });

    const second = { hostname: '', software: null, version: '1.1', extra: { gpu: '', queue: 'night' } };
    const answer = dataOf(await gw.gql('mutation ($info: ClientInfoInput) { heartbeat(clientInfo: $info) { id lastSeenLive } }', { info: second }, w.headers('adc/1.1')));
    expect(answer.heartbeat).toEqual({ id: w.serviceId, lastSeenLive: true });
    expect((await w.state()).lastSeenClientInfo).toEqual({
      hostname: 'node-1',
      software: 'ami-data-companion',
      version: '1.1',
      platform: 'linux',
      podName: 'pod-a',
      extra: { gpu: 'a100', slots: 4, queue: 'night' },
      ip: '127.0.0.1',
      userAgent: 'adc/1.1',
    });
  });

  it('cuts reported strings and the user agent to 500 characters', async () => {
    const w = await worker();
    dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'h'.repeat(600), extra: { note: 'n'.repeat(700) } } }, w.headers('u'.repeat(900))));
    const info = (await w.state()).lastSeenClientInfo;
    expect(info.hostname).toBe('h'.repeat(500));
    expect(info.extra.note).toBe('n'.repeat(500));
    expect(info.userAgent).toBe('u'.repeat(500));
  });

  it('refuses unbounded client info with BAD_USER_INPUT and keeps what was stored', async () => {
    const w = await worker();
    dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'kept' } }, w.headers()));
    const stored = (await w.state()).lastSeenClientInfo;

    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    expect(errorOf(await gw.gql(HEARTBEAT, { info: { hostname: 'lost', extra: tooMany } }, w.headers()))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'clientInfo.extra',
    });
    const nested = { deep: { a: 1 } };
    expect(errorOf(await gw.gql(HEARTBEAT, { info: { hostname: 'lost', extra: nested } }, w.headers()))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'clientInfo.extra.deep',
    });
    const huge = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(500)]));
    expect(errorOf(await gw.gql(HEARTBEAT, { info: { hostname: 'lost', extra: huge } }, w.headers()))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'clientInfo',
    });
    expect((await w.state()).lastSeenClientInfo).toEqual(stored);
  });

  it('keeps recording when old and new client info together exceed the cap: older extras give way', async () => {
    const w = await worker();
    const old = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`old${i}`, 'o'.repeat(500)]));
    dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-1', extra: old } }, w.headers()));
    const fresh = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`new${i}`, 'n'.repeat(500)]));
    dataOf(await gw.gql(HEARTBEAT, { info: { extra: fresh } }, w.headers()));
    const merged = (await w.state()).lastSeenClientInfo;
    expect(merged.hostname).toBe('node-1');
    expect(merged.extra).toMatchObject(fresh);
    expect(Object.keys(merged.extra).length).toBeLessThan(20);
    expect(Buffer.byteLength(JSON.stringify(merged))).toBeLessThanOrEqual(8 * 1024);

    // A plain request with the longest user agent kept is still recorded, not refused.
    const before = (await w.state()).lastSeen;
    await new Promise((resolve) => setTimeout(resolve, 10));
    dataOf(await gw.gql('{ __typename }', {}, w.headers('u'.repeat(500))));
    const after = await w.state();
    expect(after.lastSeenClientInfo.userAgent).toBe('u'.repeat(500));
    expect(new Date(after.lastSeen).getTime()).toBeGreaterThan(new Date(before).getTime());
    expect(gw.logs.some((line) => line.includes('heartbeat'))).toBe(false);
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    const w = await worker();
    dataOf(await gw.gql('{ __typename }', {}, w.headers('adc', { 'x-forwarded-for': '203.0.113.9' })));
    expect((await w.state()).lastSeenClientInfo.ip).toBe('127.0.0.1');
  });
});
