import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/api-keys/api-key-format';
import { createWorld, dataOf, errorOf, type World } from '../support/world';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { recomputeChecksum, withBrokenChecksum, withWrongSecret } from './keys';

let gw: TestGateway;
let world: World;
let projectId: string;
let serviceId: string;
let otherServiceId: string;
let key: string;
let memberAuth: string;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
  serviceId = await world.createService({ projectIds: [projectId] });
  otherServiceId = await world.createService({ projectIds: [projectId] });
  key = (await world.generateKey(serviceId)).key;
  const member = await world.createUser('member');
  await world.addMember(projectId, member.email, 'PROJECT_MANAGER');
  memberAuth = member.auth;
});
afterAll(() => gw?.close());

const VIEWER = '{ viewer { user { id } processingService { id } } }';
const apiKey = (value: string) => ({ authorization: `Api-Key ${value}` });

/** A revoked key and a key that has expired, each from its own service so the main key stays valid. */
async function revokedAndExpiredKeys(): Promise<{ revoked: string; expired: string }> {
  const revokedService = await world.createService({ projectIds: [projectId] });
  const revoked = await world.generateKey(revokedService);
  dataOf(await gw.gql('mutation ($id: ID!) { revokeKey(id: $id) { id } }', { id: revoked.id }, world.as(world.admin)));

  const expiringService = await world.createService({ projectIds: [projectId] });
  const expiring = await world.generateKey(expiringService, { expiresAt: new Date(Date.now() + 1500).toISOString() });
  // Used once while valid, so its lookup sits in the cache: expiry must be enforced there too.
  expect(dataOf(await gw.gql(VIEWER, {}, apiKey(expiring.key))).viewer.processingService).toEqual({ id: expiringService });
  await new Promise((resolve) => setTimeout(resolve, 1700));
  return { revoked: revoked.key, expired: expiring.key };
}

describe('bad API keys are refused alike: HTTP 401, one body, a challenge, never anonymous', () => {
  it('refuses wrong, unknown, revoked, expired, checksum-broken and malformed keys with the same answer', async () => {
    expect(recomputeChecksum(key)).toBe(key); // the test's key crafting agrees with the real format
    const { revoked, expired } = await revokedAndExpiredKeys();
    const headers: Record<string, string> = {
      'wrong secret': `Api-Key ${withWrongSecret(key)}`,
      'unknown prefix': `Api-Key ${generateApiKey().key}`,
      revoked: `Api-Key ${revoked}`,
      expired: `Api-Key ${expired}`,
      'broken checksum': `Api-Key ${withBrokenChecksum(key)}`,
      nonsense: 'Api-Key nonsense',
      'scheme alone': 'Api-Key',
      'two credentials': `Api-Key ${key} ${key}`,
    };
    const answers: Record<string, GraphQLResponse> = {};
    for (const [label, authorization] of Object.entries(headers)) answers[label] = await gw.gql(VIEWER, {}, { authorization });

    for (const [label, response] of Object.entries(answers)) {
      expect(response.status, label).toBe(401);
      expect(response.headers.get('www-authenticate'), label).toMatch(/^Api-Key realm=/);
      expect(response.body.data, label).toBeUndefined();
      expect(errorOf(response).code, label).toBe('UNAUTHENTICATED');
      expect(response.body, label).toEqual(answers['wrong secret']!.body);
    }
  });

  it('refuses an unknown scheme and a bad token with 401 and a challenge, not as anonymous', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNzd29yZA==', 'Token tok_not-a-real-session-token', 'Bearer']) {
      const response = await gw.gql(VIEWER, {}, { authorization });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate'), authorization).toBeTruthy();
      expect(errorOf(response).code, authorization).toBe('UNAUTHENTICATED');
    }
  });

  it('reads the scheme word in any case', async () => {
    for (const scheme of ['Api-Key', 'api-key', 'API-KEY', 'aPi-KeY']) {
      const response = await gw.gql(VIEWER, {}, { authorization: `${scheme} ${key}` });
      expect(dataOf(response).viewer, scheme).toEqual({ user: null, processingService: { id: serviceId } });
    }
  });

  it('treats no header as anonymous: viewer empty, user fields UNAUTHENTICATED', async () => {
    expect(dataOf(await gw.gql(VIEWER)).viewer).toEqual({ user: null, processingService: null });
    const refused = await gw.gql('{ projects { id } }');
    expect(errorOf(refused).code).toBe('UNAUTHENTICATED');
    const heartbeat = await gw.gql('mutation { heartbeat { id } }');
    expect(errorOf(heartbeat).code).toBe('UNAUTHENTICATED');
  });
});

describe('each principal reaches only its own fields and objects', () => {
  it('refuses a user token on a processing-service-only field with FORBIDDEN', async () => {
    for (const auth of [memberAuth, world.admin]) {
      const response = await gw.gql('mutation { heartbeat { id } }', {}, { authorization: auth });
      expect(errorOf(response)).toMatchObject({ code: 'FORBIDDEN', path: ['heartbeat'] });
    }
  });

  it('refuses a key on user-only mutations with FORBIDDEN and changes nothing', async () => {
    const generate = await gw.gql('mutation ($id: ID!) { generateKey(processingServiceId: $id) { key } }', { id: serviceId }, apiKey(key));
    expect(errorOf(generate)).toMatchObject({ code: 'FORBIDDEN', path: ['generateKey'] });
    const create = await gw.gql(
      'mutation ($p: ID!) { createProcessingService(input: { name: "sneaky", projectIds: [$p] }) { id } }',
      { p: projectId },
      apiKey(key),
    );
    expect(errorOf(create).code).toBe('FORBIDDEN');
    // The key still works, and is still the service's only active key.
    const seen = dataOf(await gw.gql('query ($id: ID!) { processingService(id: $id) { id apiKeyPrefix } }', { id: serviceId }, apiKey(key)));
    expect(seen.processingService).toEqual({ id: serviceId, apiKeyPrefix: key.split('.')[0] });
  });

  it('lets a key see its own service and no other', async () => {
    const own = await gw.gql('query ($id: ID!) { processingService(id: $id) { id } }', { id: serviceId }, apiKey(key));
    expect(dataOf(own).processingService).toEqual({ id: serviceId });
    const other = await gw.gql('query ($id: ID!) { processingService(id: $id) { id } }', { id: otherServiceId }, apiKey(key));
    expect(dataOf(other).processingService).toBeNull();
    const viewer = await gw.gql(VIEWER, {}, apiKey(key));
    expect(dataOf(viewer).viewer).toEqual({ user: null, processingService: { id: serviceId } });
    // The same other service is visible to a manager of its project, so null above is the key's limit.
    const managerView = await gw.gql('query ($id: ID!) { processingService(id: $id) { id } }', { id: otherServiceId }, { authorization: memberAuth });
    expect(dataOf(managerView).processingService).toEqual({ id: otherServiceId });
  });
});
