import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, errorOf, sql, type World } from '../support/world';

const SERVICE = `query ($id: ID!) {
  processingService(id: $id) {
    id name description endpointUrl mode status lastSeen lastSeenLive
    lastSeenClientInfo { hostname software version platform podName ip userAgent extra }
    apiKeyPrefix projects { id } createdAt updatedAt
  }
}`;

let gw: TestGateway;
let world: World;
let projectId: string;
let otherProjectId: string;
let manager: { email: string; auth: string };
let member: { email: string; auth: string };
let outsider: { auth: string };

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
  otherProjectId = await world.createProject();
  manager = await world.createUser('manager');
  member = await world.createUser('member');
  outsider = await world.createUser('outsider');
  await world.addMember(projectId, manager.email, 'PROJECT_MANAGER');
  await world.addMember(projectId, member.email, 'BASIC_MEMBER');
});
afterAll(() => gw?.close());

async function fetchService(id: string, auth: string) {
  return gw.gql<{ processingService: Record<string, any> | null }>(SERVICE, { id }, { authorization: auth });
}

describe('processingService(id) shows a service only to who may see it', () => {
  let serviceId: string;
  let foreignServiceId: string;
  beforeAll(async () => {
    serviceId = await world.createService({ name: 'visible', projectIds: [projectId] });
    foreignServiceId = await world.createService({ name: 'foreign', projectIds: [otherProjectId] });
  });

  it('a member of one of its projects sees it', async () => {
    const { processingService } = dataOf(await fetchService(serviceId, member.auth));
    expect(processingService).toMatchObject({ id: serviceId, name: 'visible', projects: [{ id: projectId }] });
  });

  it('a non-member and an unknown id both get null, without an error', async () => {
    const hidden = await fetchService(serviceId, outsider.auth);
    const unknown = await fetchService('987654', outsider.auth);
    expect(dataOf(hidden).processingService).toBeNull();
    expect(dataOf(unknown).processingService).toBeNull();
    expect(hidden.body).toEqual(unknown.body);
    expect(dataOf(await fetchService(foreignServiceId, member.auth)).processingService).toBeNull();
  });

  it('a superuser sees every service', async () => {
    expect(dataOf(await fetchService(foreignServiceId, world.admin)).processingService).toMatchObject({ id: foreignServiceId });
    expect(dataOf(await fetchService(serviceId, world.admin)).processingService).toMatchObject({ id: serviceId });
  });

  it("a key sees its own service and not another one", async () => {
    const { key } = await world.generateKey(serviceId);
    const keyed = { authorization: `Api-Key ${key}` };
    expect(dataOf(await gw.gql(SERVICE, { id: serviceId }, keyed)).processingService).toMatchObject({ id: serviceId });
    expect(dataOf(await gw.gql(SERVICE, { id: foreignServiceId }, keyed)).processingService).toBeNull();
  });

  it('a malformed id is BAD_USER_INPUT', async () => {
    expect(errorOf(await fetchService('not-an-id', member.auth)).code).toBe('BAD_USER_INPUT');
  });
});

describe('mode is derived from endpointUrl', () => {
  it('is PUSH with an endpoint, PULL without, and follows updates', async () => {
    const pushId = await world.createService({ endpointUrl: 'https://ml.example.org/api', projectIds: [projectId] });
    const pullId = await world.createService({ projectIds: [projectId] });
    expect(dataOf(await fetchService(pushId, member.auth)).processingService).toMatchObject({
      mode: 'PUSH',
      endpointUrl: 'https://ml.example.org/api',
    });
    expect(dataOf(await fetchService(pullId, member.auth)).processingService).toMatchObject({ mode: 'PULL', endpointUrl: null });

    const update = 'mutation ($id: ID!, $input: UpdateProcessingServiceInput!) { updateProcessingService(id: $id, input: $input) { mode endpointUrl } }';
    const toPull = await gw.gql(update, { id: pushId, input: { endpointUrl: null } }, { authorization: manager.auth });
    expect(dataOf(toPull).updateProcessingService).toEqual({ mode: 'PULL', endpointUrl: null });
    const emptyIsPull = await gw.gql(update, { id: pullId, input: { endpointUrl: '  ' } }, { authorization: manager.auth });
    expect(dataOf(emptyIsPull).updateProcessingService).toEqual({ mode: 'PULL', endpointUrl: null });
    const toPush = await gw.gql(update, { id: pullId, input: { endpointUrl: 'http://10.0.0.5:2000' } }, { authorization: manager.auth });
    expect(dataOf(toPush).updateProcessingService).toEqual({ mode: 'PUSH', endpointUrl: 'http://10.0.0.5:2000' });
    const [row] = await sql(gw, 'select endpoint_url from processing_services where id = ?', [Number(pushId)]);
    expect(row!.endpoint_url).toBeNull();
  });
});

describe('status and the last known worker follow heartbeats', () => {
  let serviceId: string;
  let key: string;
  beforeAll(async () => {
    serviceId = await world.createService({ projectIds: [projectId] });
    key = (await world.generateKey(serviceId)).key;
  });

  it('is UNKNOWN before any heartbeat, with no last seen data', async () => {
    expect(dataOf(await fetchService(serviceId, member.auth)).processingService).toMatchObject({
      status: 'UNKNOWN',
      lastSeen: null,
      lastSeenLive: null,
      lastSeenClientInfo: null,
    });
  });

  it('is ONLINE right after a keyed request, with the reported and observed client info', async () => {
    const before = dataOf(await fetchService(serviceId, member.auth)).processingService!;
    const heartbeat = await gw.gql(
      'mutation ($info: ClientInfoInput) { heartbeat(clientInfo: $info) { id } }',
      {
        info: {
          hostname: 'gpu-node-7',
          software: 'ami-data-companion',
          version: '0.9.1',
          platform: 'Linux-x86_64',
          podName: 'worker-abc',
          extra: { gpus: 2, cuda: '12.4' },
        },
      },
      { authorization: `Api-Key ${key}`, 'user-agent': 'adc-worker/0.9.1' },
    );
    expect(dataOf(heartbeat).heartbeat).toEqual({ id: serviceId });

    const after = dataOf(await fetchService(serviceId, member.auth)).processingService!;
    expect(after.status).toBe('ONLINE');
    expect(after.lastSeenLive).toBe(true);
    expect(Date.parse(after.lastSeen)).toBeGreaterThan(Date.now() - 60_000);
    expect(after.lastSeenClientInfo).toEqual({
      hostname: 'gpu-node-7',
      software: 'ami-data-companion',
      version: '0.9.1',
      platform: 'Linux-x86_64',
      podName: 'worker-abc',
      ip: '127.0.0.1',
      userAgent: 'adc-worker/0.9.1',
      extra: { gpus: 2, cuda: '12.4' },
    });
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(after.createdAt).toBe(before.createdAt);
  });

  it('is OFFLINE once the last heartbeat is older than the online window (60 s by default)', async () => {
    // Written behind: the beat reaches the row with a flush, before the row is aged.
    await gw.services.heartbeats.flush(gw.database.orm.em.fork());
    await sql(gw, "update processing_services set last_seen = now() - interval '61 seconds' where id = ?", [Number(serviceId)]);
    expect(dataOf(await fetchService(serviceId, member.auth)).processingService).toMatchObject({ status: 'OFFLINE', lastSeenLive: true });
    await sql(gw, "update processing_services set last_seen = now() - interval '50 seconds' where id = ?", [Number(serviceId)]);
    expect(dataOf(await fetchService(serviceId, member.auth)).processingService!.status).toBe('ONLINE');
  });

  it('is OFFLINE when the last heartbeat did not report it live', async () => {
    await sql(gw, 'update processing_services set last_seen = now(), last_seen_live = false where id = ?', [Number(serviceId)]);
    expect(dataOf(await fetchService(serviceId, member.auth)).processingService!.status).toBe('OFFLINE');
  });
});

describe('status honours a configured online window', () => {
  it('turns OFFLINE after ONLINE_WINDOW_SECONDS=5 without any clock games on the server', async () => {
    const short = await startTestGateway({ ONLINE_WINDOW_SECONDS: '5' });
    try {
      const shortWorld = await createWorld(short);
      const project = await shortWorld.createProject();
      const id = await shortWorld.createService({ projectIds: [project] });
      const { key } = await shortWorld.generateKey(id);
      dataOf(await short.gql('mutation { heartbeat { id } }', {}, { authorization: `Api-Key ${key}` }));
      const status = async () =>
        dataOf(await short.gql<{ processingService: { status: string } }>('query ($id: ID!) { processingService(id: $id) { status } }', { id }, { authorization: shortWorld.admin })).processingService.status;
      expect(await status()).toBe('ONLINE');
      await short.services.heartbeats.flush(short.database.orm.em.fork());
      await sql(short, "update processing_services set last_seen = now() - interval '6 seconds' where id = ?", [Number(id)]);
      expect(await status()).toBe('OFFLINE');
    } finally {
      await short.close();
    }
  });
});

describe('apiKeyPrefix is the newest active key', () => {
  let serviceId: string;
  beforeAll(async () => {
    serviceId = await world.createService({ projectIds: [projectId] });
  });
  const prefix = async () => dataOf(await fetchService(serviceId, member.auth)).processingService!.apiKeyPrefix;

  it('is null without keys, then follows rotation', async () => {
    expect(await prefix()).toBeNull();
    const first = await world.generateKey(serviceId);
    expect(await prefix()).toBe(first.prefix);
    const second = await world.generateKey(serviceId);
    expect(second.prefix).not.toBe(first.prefix);
    expect(await prefix()).toBe(second.prefix);
  });

  it('is null after the active key is revoked', async () => {
    const current = await world.generateKey(serviceId);
    dataOf(await gw.gql('mutation ($id: ID!) { revokeKey(id: $id) { revokedAt } }', { id: current.id }, { authorization: world.admin }));
    expect(await prefix()).toBeNull();
  });

  it('is null when the only active key has expired', async () => {
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    const expiring = await world.generateKey(serviceId, { expiresAt: inAnHour });
    expect(await prefix()).toBe(expiring.prefix);
    await sql(gw, "update api_keys set expires_at = now() - interval '1 second' where id = ?", [Number(expiring.id)]);
    expect(await prefix()).toBeNull();
  });
});

describe('apiKeys are for project managers only', () => {
  const KEYS = `query ($id: ID!) { processingService(id: $id) { id name apiKeyPrefix apiKeys { id prefix name createdAt expiresAt revokedAt lastUsedAt } } }`;
  let serviceId: string;
  let prefixes: string[];
  beforeAll(async () => {
    serviceId = await world.createService({ name: 'keyed', projectIds: [projectId] });
    prefixes = [(await world.generateKey(serviceId)).prefix, (await world.generateKey(serviceId)).prefix];
  });

  it('a project manager sees every key, newest first, without secrets', async () => {
    const response = await gw.gql(KEYS, { id: serviceId }, { authorization: manager.auth });
    const { processingService } = dataOf(response);
    expect(processingService.apiKeys.map((key: { prefix: string }) => key.prefix)).toEqual([...prefixes].reverse());
    expect(processingService.apiKeys[1].revokedAt).not.toBeNull();
    expect(processingService.apiKeys[0].revokedAt).toBeNull();
    expect(JSON.stringify(response.body)).not.toMatch(/sha256|digest/);
  });

  it('a basic member gets FORBIDDEN on apiKeys while the rest of the service resolves', async () => {
    const response = await gw.gql(KEYS, { id: serviceId }, { authorization: member.auth });
    expect(errorOf(response)).toMatchObject({ code: 'FORBIDDEN', path: ['processingService', 'apiKeys'] });
    expect(response.body.data).toEqual({
      processingService: { id: serviceId, name: 'keyed', apiKeyPrefix: prefixes[1], apiKeys: null },
    });
  });

  it('a superuser sees them', async () => {
    expect(dataOf(await gw.gql(KEYS, { id: serviceId }, { authorization: world.admin })).processingService.apiKeys).toHaveLength(2);
  });
});

describe('projects lists every linked project', () => {
  it('in id order, and only linked ones', async () => {
    const third = await world.createProject();
    const id = await world.createService({ projectIds: [third, projectId] });
    const { processingService } = dataOf(
      await gw.gql('query ($id: ID!) { processingService(id: $id) { projects { id name } } }', { id }, { authorization: world.admin }),
    );
    expect(processingService.projects.map((project: { id: string }) => project.id)).toEqual(
      [projectId, third].sort((a, b) => Number(a) - Number(b)),
    );
    expect(processingService.projects.every((project: { name: string }) => typeof project.name === 'string')).toBe(true);
  });
});
