import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/api-keys/api-key-format';
import { createWorld, dataOf, errorOf, type World } from '../support/world';
import { ADMIN, startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { withWrongSecret } from './keys';

const LIMIT = 3;

// Behind a trusted proxy on loopback, X-Forwarded-For gives each simulated client its own address.
let gw: TestGateway;
let world: World;
let projectId: string;

beforeAll(async () => {
  gw = await startTestGateway({ AUTH_FAILURE_LIMIT: String(LIMIT), AUTH_FAILURE_WINDOW_SECONDS: '60', TRUST_PROXY: '127.0.0.1' });
  world = await createWorld(gw);
  projectId = await world.createProject();
});
afterAll(() => gw?.close());

const VIEWER = '{ viewer { processingService { id } } }';
const from = (address: string, authorization: string) => ({ authorization, 'x-forwarded-for': address });

async function serviceWithKey() {
  const serviceId = await world.createService({ projectIds: [projectId] });
  return { serviceId, ...(await world.generateKey(serviceId)) };
}

function expectRateLimited(response: GraphQLResponse, label: string) {
  expect(response.status, label).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter, label).toBeGreaterThan(0);
  expect(retryAfter, label).toBeLessThanOrEqual(60);
  expect(errorOf(response).code, label).toBe('RATE_LIMITED');
}

describe('failed authentications are rate-limited', () => {
  it('blocks a client address after the limit, lets valid keys and tokens from it in, and leaves other addresses alone', async () => {
    const { key, serviceId } = await serviceWithKey();
    // Cached before the block, and one the address has never presented (a fresh lookup).
    dataOf(await gw.gql(VIEWER, {}, from('198.51.100.1', `Api-Key ${key}`)));
    const second = await serviceWithKey();
    for (let i = 0; i < LIMIT; i++) {
      const refused = await gw.gql(VIEWER, {}, from('198.51.100.1', `Api-Key ${generateApiKey().key}`));
      expect(refused.status).toBe(401);
    }
    expectRateLimited(await gw.gql(VIEWER, {}, from('198.51.100.1', `Api-Key ${generateApiKey().key}`)), 'another guess');
    expectRateLimited(await gw.gql(VIEWER, {}, from('198.51.100.1', 'Token tok_0123456789abcdef')), 'a bad token from the blocked address');
    expect(dataOf(await gw.gql(VIEWER, {}, from('198.51.100.1', `Api-Key ${key}`))).viewer.processingService).toEqual({ id: serviceId });
    expect(dataOf(await gw.gql(VIEWER, {}, from('198.51.100.1', `Api-Key ${second.key}`))).viewer.processingService).toEqual({
      id: second.serviceId,
    });
    expect(dataOf(await gw.gql('{ viewer { user { id } } }', {}, from('198.51.100.1', world.admin))).viewer.user.id).toBeTruthy();
    expect(dataOf(await gw.gql(VIEWER, {}, from('198.51.100.2', `Api-Key ${key}`))).viewer.processingService).toEqual({ id: serviceId });
  });

  it('counts exactly under concurrency: of many bad keys sent at once, only the limit get 401', async () => {
    const responses = await Promise.all(
      Array.from({ length: LIMIT * 4 }, () => gw.gql(VIEWER, {}, from('198.51.100.40', `Api-Key ${generateApiKey().key}`))),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(LIMIT * 3);
  });

  it('counts exactly under concurrency: of many wrong passwords sent at once, only the limit are hashed', async () => {
    const LOGIN = 'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';
    const responses = await Promise.all(
      Array.from({ length: LIMIT * 3 }, () => gw.gql(LOGIN, { email: ADMIN.email, password: 'not-the-password-2' }, { 'x-forwarded-for': '198.51.100.41' })),
    );
    const codes = responses.map((response) => errorOf(response).code);
    expect(codes.filter((code) => code === 'UNAUTHENTICATED')).toHaveLength(LIMIT);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(LIMIT * 2);
  });

  it('blocks guesses at one prefix from many addresses, but not the rightful key holder', async () => {
    const { key, serviceId } = await serviceWithKey();
    const guess = withWrongSecret(key);
    for (let i = 0; i < LIMIT; i++) {
      expect((await gw.gql(VIEWER, {}, from(`198.51.100.${10 + i}`, `Api-Key ${guess}`))).status).toBe(401);
    }
    expectRateLimited(await gw.gql(VIEWER, {}, from('198.51.100.20', `Api-Key ${guess}`)), 'a guess at the prefix from a fresh address');
    expect(dataOf(await gw.gql(VIEWER, {}, from('198.51.100.21', `Api-Key ${key}`))).viewer.processingService).toEqual({ id: serviceId });
    // Another prefix from another fresh address is not affected.
    expect((await gw.gql(VIEWER, {}, from('198.51.100.22', `Api-Key ${generateApiKey().key}`))).status).toBe(401);
  });

  it('blocks password guessing from one address before any hashing, and leaves other addresses alone', async () => {
    const LOGIN = 'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }';
    const guess = { email: ADMIN.email, password: 'not-the-password-1' };
    for (let i = 0; i < LIMIT; i++) {
      expect(errorOf(await gw.gql(LOGIN, guess, { 'x-forwarded-for': '198.51.100.30' })).code).toBe('UNAUTHENTICATED');
    }
    expectRateLimited(await gw.gql(LOGIN, guess, { 'x-forwarded-for': '198.51.100.30' }), 'another guess');
    expectRateLimited(await gw.gql(LOGIN, ADMIN, { 'x-forwarded-for': '198.51.100.30' }), 'the right password from the blocked address');
    expect(dataOf(await gw.gql(LOGIN, ADMIN, { 'x-forwarded-for': '198.51.100.31' })).login.token).toMatch(/^pgs_/);
  });
});

describe('forwarded addresses are trusted only from TRUST_PROXY', () => {
  it('records the forwarded client address when the proxy is trusted', async () => {
    const { key, serviceId } = await serviceWithKey();
    dataOf(await gw.gql('{ __typename }', {}, from('203.0.113.9', `Api-Key ${key}`)));
    const state = dataOf(
      await gw.gql('query ($id: ID!) { processingService(id: $id) { lastSeenClientInfo { ip } } }', { id: serviceId }, { authorization: world.admin }),
    );
    expect(state.processingService.lastSeenClientInfo.ip).toBe('203.0.113.9');
  });
});
