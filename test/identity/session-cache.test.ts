import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { countStatements, startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, type World } from '../support/world';

const TYPENAME = '{ __typename }';
const SESSION_TTL_SECONDS = 3600;

let gw: TestGateway;
let world: World;

beforeAll(async () => {
  gw = await startTestGateway({ SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS), SESSION_CACHE_TTL_SECONDS: '3600' });
  world = await createWorld(gw);
});
afterAll(() => gw?.close());
afterEach(() => vi.useRealTimers());

const tokenOf = (auth: string) => auth.split(' ')[1]!;

describe('a cached session', () => {
  it('authenticates a user-token request without any SQL', async () => {
    const user = await world.createUser('cached');
    expect((await gw.gql(TYPENAME, {}, world.as(user.auth))).status).toBe(200);
    const before = gw.services.users.sessionCacheStats();
    const { result, statements } = await countStatements(gw, () => gw.gql(TYPENAME, {}, world.as(user.auth)));
    expect(result.status).toBe(200);
    expect(statements).toEqual([]);
    expect(gw.services.users.sessionCacheStats().hits).toBe(before.hits + 1);
  });

  it('refuses an unknown token again without looking it up again', async () => {
    const unknown = { authorization: `Token pgs_${'x'.repeat(43)}` };
    expect((await gw.gql(TYPENAME, {}, unknown)).status).toBe(401);
    const { result, statements } = await countStatements(gw, () => gw.gql(TYPENAME, {}, unknown));
    expect(result.status).toBe(401);
    expect(statements).toEqual([]);
  });
});

describe('a cached session that ends', () => {
  it('is refused at once after logout', async () => {
    const user = await world.createUser('logout');
    expect((await gw.gql(TYPENAME, {}, world.as(user.auth))).status).toBe(200);
    expect(dataOf(await gw.gql('mutation { logout }', {}, world.as(user.auth))).logout).toBe(true);
    expect((await gw.gql(TYPENAME, {}, world.as(user.auth))).status).toBe(401);
  });

  it('is refused once it expires, though still cached', async () => {
    const user = await world.createUser('expiring');
    expect((await gw.gql(TYPENAME, {}, world.as(user.auth))).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + (SESSION_TTL_SECONDS + 1) * 1000);
    const { result, statements } = await countStatements(gw, () => gw.gql(TYPENAME, {}, world.as(user.auth)));
    expect(result.status).toBe(401);
    expect(statements).toEqual([]);
  });

  it('is not cached from a lookup that was in flight when it was evicted', async () => {
    const user = await world.createUser('racing');
    const { users } = gw.services;
    const token = tokenOf(user.auth);
    const pending = users.authenticate(gw.database.orm.em.fork(), token);
    // What a logout announced by another replica does, here while the row is still being read.
    users.forgetSessions({ sessionIds: [-1] });
    expect(await pending).toMatchObject({ kind: 'user', userId: Number(user.id) });
    expect(users.authenticateCached(token)).toBeUndefined();
    await users.authenticate(gw.database.orm.em.fork(), token);
    expect(users.authenticateCached(token)).toMatchObject({ userId: Number(user.id) });
  });

  it("drops every session of a user whose standing changed", async () => {
    const user = await world.createUser('promoted');
    const second = await gw.loginAs(user.email, 'correct-horse-battery');
    const { users } = gw.services;
    for (const auth of [user.auth, second]) expect((await gw.gql(TYPENAME, {}, world.as(auth))).status).toBe(200);
    users.forgetSessions({ userIds: [Number(user.id)] });
    for (const auth of [user.auth, second]) expect(users.authenticateCached(tokenOf(auth))).toBeUndefined();
  });
});
