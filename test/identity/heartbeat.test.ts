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
  const state = async () => dataOf(await gw.gql(SERVICE, { id: serviceId }, { authorization: world.admin })).processingService;
  return { serviceId, key, headers, state };
}

const touches = (statements: string[], table: string) => statements.filter((sql) => sql.includes(table));

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

  it('writes nothing for repeated requests within the interval, and writes when client info changes', async () => {
    const w = await worker();
    dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-1' } }, w.headers()));

    const repeated = await countStatements(gw, async () => {
      for (let i = 0; i < 5; i++) dataOf(await gw.gql('{ __typename }', {}, w.headers()));
      for (let i = 0; i < 3; i++) dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-1' } }, w.headers()));
    });
    expect(repeated.statements).toEqual([]);

    const reported = await countStatements(gw, async () => dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-2' } }, w.headers())));
    expect(touches(reported.statements, 'update processing_services')).toHaveLength(1);
    const observed = await countStatements(gw, async () => dataOf(await gw.gql('{ __typename }', {}, w.headers('ami-worker/1.1'))));
    expect(touches(observed.statements, 'update processing_services')).toHaveLength(1);
    expect((await w.state()).lastSeenClientInfo).toMatchObject({ hostname: 'node-2', userAgent: 'ami-worker/1.1' });
  });

  it('records once per request: a heartbeat with a report covers the end-of-request beat, a refused one does not', async () => {
    const w = await worker();
    const record = vi.spyOn(gw.services.heartbeats, 'record');
    try {
      dataOf(await gw.gql(HEARTBEAT, { info: { hostname: 'node-1' } }, w.headers()));
      expect(record.mock.calls.map((call) => call[3])).toEqual([{ hostname: 'node-1' }]);

      record.mockClear();
      dataOf(await gw.gql('{ __typename }', {}, w.headers()));
      expect(record.mock.calls.map((call) => call[3])).toEqual([undefined]);

      record.mockClear();
      const huge = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'x'.repeat(500)]));
      expect(errorOf(await gw.gql(HEARTBEAT, { info: { extra: huge } }, w.headers()))).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(record).toHaveBeenCalledTimes(2);
      expect(record.mock.calls[1]![3]).toBeUndefined();
    } finally {
      record.mockRestore();
    }
  });

  it('writes a report that changes back within the interval (compared with the last write, not any earlier one)', async () => {
    const w = await worker();
    const report = (hostname: string, extra: Record<string, string>) => ({ info: { hostname, extra } });
    dataOf(await gw.gql(HEARTBEAT, report('node-a', { slot: '1' }), w.headers()));
    dataOf(await gw.gql(HEARTBEAT, report('node-b', { slot: '1' }), w.headers()));
    const back = await countStatements(gw, async () => dataOf(await gw.gql(HEARTBEAT, report('node-a', { slot: '1' }), w.headers())));
    expect(touches(back.statements, 'update processing_services')).toHaveLength(1);
    expect((await w.state()).lastSeenClientInfo).toMatchObject({ hostname: 'node-a' });

    const extraChanged = await countStatements(gw, async () => dataOf(await gw.gql(HEARTBEAT, report('node-a', { slot: '2' }), w.headers())));
    expect(touches(extraChanged.statements, 'update processing_services')).toHaveLength(1);
    const same = await countStatements(gw, async () => dataOf(await gw.gql(HEARTBEAT, report('node-a', { slot: '2' }), w.headers())));
    expect(same.statements).toEqual([]);
  });
});

describe('a fleet sharing one key', () => {
  it('writes once per worker within the interval, not once per request', async () => {
    const w = await worker();
    const pods = ['pod-a', 'pod-b', 'pod-c'];
    const { statements } = await countStatements(gw, async () => {
      for (let round = 0; round < 4; round++) {
        for (const pod of pods) dataOf(await gw.gql(HEARTBEAT, { info: { podName: pod } }, w.headers(`adc/${pod}`)));
      }
    });
    expect(touches(statements, 'update processing_services')).toHaveLength(pods.length);
    expect(touches(statements, 'update api_keys')).toHaveLength(pods.length);
    expect(pods.map((pod) => `adc/${pod}`)).toContain((await w.state()).lastSeenClientInfo.userAgent);
  });
});

describe('a cached key authenticates without SQL', () => {
  it('runs no statement on api_keys or user_sessions once the key is cached, and none at all once the heartbeat is throttled', async () => {
    const w = await worker();
    dataOf(await gw.gql('{ __typename }', {}, w.headers())); // warm-up: caches the key, writes the heartbeat

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
    expect(gw.logs.some((line) => line.includes('heartbeat failed'))).toBe(false);
  });

  it('ignores X-Forwarded-For when no proxy is trusted', async () => {
    const w = await worker();
    dataOf(await gw.gql('{ __typename }', {}, w.headers('adc', { 'x-forwarded-for': '203.0.113.9' })));
    expect((await w.state()).lastSeenClientInfo.ip).toBe('127.0.0.1');
  });
});
