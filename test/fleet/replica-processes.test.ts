import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, spawnGateway } from '../support/processes';
import { concurrencySkipReason } from '../support/test-database';
import { createWorld, dataOf, type World } from '../support/world';
import { millisecondsUntil, startReplicaPair, type ReplicaPair, type ReplicaProcess } from './replica-processes';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[replica-processes] two gateway processes on one database skipped: ${skipReason}`);

/** The issue's acceptance bound for a change on A to take effect on B. */
const WITHIN_MS = 1_000;

let build: Awaited<ReturnType<typeof buildGateway>> | undefined;
let pair: ReplicaPair;
let world: World;
let projectId: string;

beforeAll(async () => {
  if (skipReason) return;
  build = await buildGateway();
  pair = await startReplicaPair(build.mainJs, {
    // Production settings, as deployed; caches that would outlive the test, so only eviction can refuse.
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    PUSH_RUNNER: 'off',
    DATABASE_POOL_SIZE: '3',
    API_KEY_CACHE_TTL_SECONDS: '3600',
    SESSION_CACHE_TTL_SECONDS: '3600',
    // B's refusals are polled from one address: they must stay 401s, not turn into 429s.
    AUTH_FAILURE_LIMIT: '100000',
  });
  world = await createWorld(pair.a);
  projectId = await world.createProject();
}, 180_000);
afterAll(async () => {
  await pair?.stop();
  await build?.remove();
});

const TYPENAME = '{ __typename }';

async function statusOn(replica: ReplicaProcess, authorization: string, query = TYPENAME, variables = {}): Promise<number> {
  return (await replica.gql(query, variables, { authorization })).status;
}

/** How long after `change` returns B first refuses `authorization` (401); null if not within `withinMs`. */
async function refusedOnBAfter(authorization: string, change: () => Promise<unknown>, withinMs = WITHIN_MS): Promise<number | null> {
  expect(await statusOn(pair.b, authorization), 'accepted (and cached) on B first').toBe(200);
  await change();
  return millisecondsUntil(async () => (await statusOn(pair.b, authorization)) === 401, withinMs);
}

function report(what: string, ms: number | null): void {
  console.log(`[replica-processes] ${what}: in effect on B ${ms === null ? 'NOT within the bound' : `after ${ms} ms`} (bound ${WITHIN_MS} ms)`);
}

async function serviceWithKey(projectIds = [projectId]) {
  const serviceId = await world.createService({ projectIds });
  const generated = await world.generateKey(serviceId);
  return { serviceId, ...generated, authorization: `Api-Key ${generated.key}` };
}

describe.skipIf(skipReason)('a change through replica A takes effect on replica B within a second', () => {
  it('refuses on B a key revoked on A', async () => {
    const { id, authorization } = await serviceWithKey();
    const ms = await refusedOnBAfter(authorization, async () =>
      dataOf(await pair.a.gql('mutation ($id: ID!) { revokeKey(id: $id) { id } }', { id }, world.as(world.admin))),
    );
    report('key revoked on A', ms);
    expect(ms).not.toBeNull();
  });

  it('refuses on B a key rotated away on A', async () => {
    const { serviceId, authorization } = await serviceWithKey();
    const ms = await refusedOnBAfter(authorization, () => world.generateKey(serviceId));
    report('key rotated away on A', ms);
    expect(ms).not.toBeNull();
  });

  it('refuses on B the key of a service deleted on A', async () => {
    const { serviceId, authorization } = await serviceWithKey();
    const ms = await refusedOnBAfter(authorization, async () =>
      dataOf(await pair.a.gql('mutation ($id: ID!) { deleteProcessingService(id: $id) }', { id: serviceId }, world.as(world.admin))),
    );
    report('service deleted on A', ms);
    expect(ms).not.toBeNull();
  });

  it('refuses on B a session logged out on A', async () => {
    const user = await world.createUser('logout');
    const ms = await refusedOnBAfter(user.auth, async () => dataOf(await pair.a.gql('mutation { logout }', {}, world.as(user.auth))));
    report('session logged out on A', ms);
    expect(ms).not.toBeNull();
  });

  it('refuses on B the project of a member removed on A', async () => {
    const user = await world.createUser('member');
    await world.addMember(projectId, user.email, 'RESEARCHER');
    const PROJECT = 'query ($id: ID!) { project(id: $id) { id } }';
    const seesProject = async () => Boolean((await pair.b.gql(PROJECT, { id: projectId }, world.as(user.auth))).body.data?.project);
    expect(await seesProject()).toBe(true);
    dataOf(
      await pair.a.gql('mutation ($projectId: ID!, $userId: ID!) { removeProjectMember(projectId: $projectId, userId: $userId) }', {
        projectId,
        userId: user.id,
      }, world.as(world.admin)),
    );
    const ms = await millisecondsUntil(async () => !(await seesProject()), WITHIN_MS);
    report('member removed on A', ms);
    expect(ms).not.toBeNull();
    // Still signed in: only the project is out of reach.
    expect(await statusOn(pair.b, user.auth)).toBe(200);
  });

  it("refuses on B a service's work in a project it was unlinked from on A", async () => {
    const otherProjectId = await world.createProject();
    const { serviceId, authorization } = await serviceWithKey([projectId, otherProjectId]);
    const REGISTER = 'mutation ($projectId: ID!) { registerPipelines(projectId: $projectId, pipelines: []) { success } }';
    const registers = async () => Boolean((await pair.b.gql(REGISTER, { projectId }, { authorization })).body.data?.registerPipelines);
    expect(await registers()).toBe(true);
    dataOf(
      await pair.a.gql(
        'mutation ($id: ID!, $projectIds: [ID!]!) { updateProcessingService(id: $id, input: { projectIds: $projectIds }) { id } }',
        { id: serviceId, projectIds: [otherProjectId] },
        world.as(world.admin),
      ),
    );
    const ms = await millisecondsUntil(async () => !(await registers()), WITHIN_MS);
    report('service unlinked from the project on A', ms);
    expect(ms).not.toBeNull();
    // The key itself is still good: only that project is out of reach.
    expect(await statusOn(pair.b, authorization)).toBe(200);
  });

  it('gives on B the superuser rights a replica starting with ADMIN_EMAIL grants an existing user', async () => {
    const user = await world.createUser('promoted');
    const PROJECTS = '{ projects { id } }';
    const projectsSeen = async () => ((await pair.b.gql(PROJECTS, {}, world.as(user.auth))).body.data?.projects ?? []).length;
    expect(await projectsSeen(), 'a user of no project sees none').toBe(0);
    const promoting = spawnGateway(build!.mainJs, {
      DATABASE_URL: pair.db.url,
      ADMIN_EMAIL: user.email,
      ADMIN_PASSWORD: 'ignored-for-an-existing-user',
      NODE_ENV: 'production',
      PUSH_RUNNER: 'off',
    });
    try {
      expect(await promoting.started).toMatchObject({ listening: true });
      const ms = await millisecondsUntil(async () => (await projectsSeen()) > 0, WITHIN_MS);
      report('user made superuser by a replica starting', ms);
      expect(ms).not.toBeNull();
    } finally {
      await promoting.stop();
    }
  });

  it('keeps accepting on B a key whose revocation was rolled back', async () => {
    const { prefix, authorization } = await serviceWithKey();
    expect(await statusOn(pair.b, authorization)).toBe(200);
    await pair.sql(
      `begin; update api_keys set revoked_at = now() where prefix = '${prefix}'; select pg_notify('psgw_invalidate', '{"apiKeyPrefixes":["${prefix}"]}'); rollback;`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOn(pair.b, authorization)).toBe(200);
  });
});

describe.skipIf(skipReason)('when B loses its listening connection', () => {
  it('reconnects, and still refuses a key revoked on A afterwards', async () => {
    const { id, authorization } = await serviceWithKey();
    const ms = await refusedOnBAfter(
      authorization,
      async () => {
        const terminated = await pair.sql(
          `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and query ilike 'listen %'`,
          [pair.b.applicationName],
        );
        expect(terminated).toHaveLength(1);
        dataOf(await pair.a.gql('mutation ($id: ID!) { revokeKey(id: $id) { id } }', { id }, world.as(world.admin)));
      },
      // Its reconnect time: a short delay, then a new connection (a few seconds at most, the connect timeout).
      5_000,
    );
    report('key revoked on A while B reconnects', ms);
    expect(ms).not.toBeNull();
    expect(pair.b.process.output()).toContain('notification listener lost its connection');
  });
});
