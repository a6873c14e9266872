import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKey } from '../../src/api-keys/api-key-format';
import { countStatements, startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, type World } from '../support/world';

let gw: TestGateway;
let world: World;
let projectId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
});
afterAll(() => gw?.close());

/** A new service and its key, which no request has used yet (so it is not cached). */
async function freshKey() {
  const serviceId = await world.createService({ projectIds: [projectId] });
  const { key } = await world.generateKey(serviceId);
  return { serviceId, key, parsed: parseApiKey(key)! };
}

const keyLookups = (statements: string[]) => statements.filter((sql) => sql.startsWith('select') && sql.includes('"api_keys"'));

describe('the verified-key cache', () => {
  it('lets concurrent verifications of a key not yet cached share one lookup', async () => {
    const { serviceId, parsed } = await freshKey();
    const { apiKeys } = gw.services;
    const { result, statements } = await countStatements(gw, () =>
      Promise.all(Array.from({ length: 20 }, () => apiKeys.verify(gw.database.orm.em.fork(), parsed))),
    );
    for (const verified of result) expect(verified).toMatchObject({ processingServiceId: Number(serviceId) });
    expect(keyLookups(statements)).toHaveLength(1);
  });

  it('does not keep a lookup that was in flight when its key was evicted', async () => {
    const { serviceId, parsed } = await freshKey();
    const { apiKeys } = gw.services;
    const pending = apiKeys.verify(gw.database.orm.em.fork(), parsed);
    // What rotation and revocation do once they commit, here while the row is still being read.
    apiKeys.forget([parsed.prefix]);
    expect(await pending).toMatchObject({ processingServiceId: Number(serviceId) });
    expect(apiKeys.verifyCached(parsed)).toBeUndefined();
    // The next verification reads the row again, and is cached from then on.
    await apiKeys.verify(gw.database.orm.em.fork(), parsed);
    expect(apiKeys.verifyCached(parsed)).toMatchObject({ processingServiceId: Number(serviceId) });
  });
});
