import { Writable } from 'node:stream';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/app/gateway';
import { loadConfig } from '../../src/core/config';
import { concurrencySkipReason } from '../support/test-database';
import { countStatements, startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, type World } from '../support/world';

const HEARTBEAT = 'mutation ($info: ClientInfoInput) { heartbeat(clientInfo: $info) { id } }';
const WORKER_FIELDS = 'identity hostname podName software version platform ip userAgent firstSeen lastSeen';
const WORKERS = `query ($id: ID!) { processingService(id: $id) { workers { ${WORKER_FIELDS} } } }`;

let gw: TestGateway;
let world: World;
let projectId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
});
afterAll(() => gw?.close());

const flush = (gateway: TestGateway = gw) => gateway.services.heartbeats.flush(gateway.database.orm.em.fork());
const sql = (query: string, params: unknown[] = []) => gw.database.orm.em.fork().execute(query, params);

async function keyedService(gateway: TestGateway, gatewayWorld: World, project: string) {
  const serviceId = await gatewayWorld.createService({ projectIds: [project] });
  const { key } = await gatewayWorld.generateKey(serviceId);
  /** Worker `n` of the fleet: its own user agent and report. */
  const beat = async (n: number, version = '1.0', query = HEARTBEAT) => {
    const info = { hostname: `host-${n}`, software: 'adc', version, platform: 'linux' };
    return dataOf(await gateway.gql(query, { info }, { authorization: `Api-Key ${key}`, 'user-agent': `adc/${version} (host-${n})` }));
  };
  return { serviceId, key, beat };
}

const workersOf = async (serviceId: string, auth = world.admin) =>
  dataOf(await gw.gql(WORKERS, { id: serviceId }, { authorization: auth })).processingService.workers as Record<string, string | null>[];

describe('workers', () => {
  it('lists each worker once with its latest report, newest first', async () => {
    const fleet = await keyedService(gw, world, projectId);
    for (let round = 0; round < 3; round++) for (const n of [1, 2, 3]) await fleet.beat(n, '1.0');
    await flush();
    await fleet.beat(2, '1.1');
    await flush();

    const workers = await workersOf(fleet.serviceId);
    expect(workers.map((worker) => worker.identity)).toEqual(['host-2', 'host-3', 'host-1']);
    expect(workers[0]).toMatchObject({
      hostname: 'host-2',
      podName: null,
      software: 'adc',
      version: '1.1',
      platform: 'linux',
      ip: '127.0.0.1',
      userAgent: 'adc/1.1 (host-2)',
    });
    expect(new Date(workers[0]!.lastSeen!).getTime()).toBeGreaterThan(new Date(workers[0]!.firstSeen!).getTime());
    expect(workers.slice(1).map((worker) => worker.version)).toEqual(['1.0', '1.0']);
  });

  it('counts a plain keyed request for the worker that last reported from its address and user agent', async () => {
    const fleet = await keyedService(gw, world, projectId);
    await fleet.beat(7);
    dataOf(await gw.gql('{ __typename }', {}, { authorization: `Api-Key ${fleet.key}`, 'user-agent': 'adc/1.0 (host-7)' }));
    dataOf(await gw.gql('{ __typename }', {}, { authorization: `Api-Key ${fleet.key}`, 'user-agent': 'curl/8' }));
    await flush();
    const workers = await workersOf(fleet.serviceId);
    expect(workers.map((worker) => worker.identity).sort()).toEqual(['127.0.0.1 curl/8', 'host-7']);
    expect(workers.find((worker) => worker.identity === 'host-7')).toMatchObject({ hostname: 'host-7', userAgent: 'adc/1.0 (host-7)' });
  });

  it('drops workers whose last beat is outside the online window', async () => {
    const fleet = await keyedService(gw, world, projectId);
    await fleet.beat(1);
    await fleet.beat(2);
    await flush();
    await sql("update processing_service_workers set last_seen = now() - interval '61 seconds' where processing_service_id = ? and identity = 'host-1'", [
      Number(fleet.serviceId),
    ]);
    expect((await workersOf(fleet.serviceId)).map((worker) => worker.identity)).toEqual(['host-2']);
  });

  it('are seen by the service itself and by its project members, as its last known worker is', async () => {
    const fleet = await keyedService(gw, world, projectId);
    await fleet.beat(1);
    await flush();
    const member = await world.createUser('member');
    await world.addMember(projectId, member.email, 'BASIC_MEMBER');
    expect((await workersOf(fleet.serviceId, member.auth)).map((worker) => worker.identity)).toEqual(['host-1']);
    const own = await fleet.beat(1, '1.0', 'mutation ($info: ClientInfoInput) { heartbeat(clientInfo: $info) { workers { identity } } }');
    expect(own.heartbeat.workers).toEqual([{ identity: 'host-1' }]);

    const outsider = await world.createUser('outsider');
    expect(dataOf(await gw.gql(WORKERS, { id: fleet.serviceId }, { authorization: outsider.auth })).processingService).toBeNull();
  });

  it('cost the same SQL for one service and for ten (one loader, no query per service)', async () => {
    const statementsFor = async (services: number) => {
      const project = await world.createProject();
      for (let i = 0; i < services; i++) {
        const fleet = await keyedService(gw, world, project);
        await fleet.beat(1);
        await fleet.beat(2);
      }
      await flush();
      const page = `query ($projectId: ID!) { processingServices(projectId: $projectId) { edges { node { id workers(first: 5) { ${WORKER_FIELDS} } } } } }`;
      const { result, statements } = await countStatements(gw, () => gw.gql(page, { projectId: project }, { authorization: world.admin }));
      const edges = dataOf(result).processingServices.edges as { node: { workers: unknown[] } }[];
      expect(edges).toHaveLength(services);
      for (const { node } of edges) expect(node.workers).toHaveLength(2);
      return statements.length;
    };
    expect(await statementsFor(10)).toBe(await statementsFor(1));
  });

  it('refuses a page size outside 1 to 1000', async () => {
    const fleet = await keyedService(gw, world, projectId);
    const response = await gw.gql('query ($id: ID!) { processingService(id: $id) { workers(first: 0) { identity } } }', { id: fleet.serviceId }, { authorization: world.admin });
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('the flush', () => {
  it('runs on its timer, and prunes workers long out of the window', async () => {
    const timed = await startTestGateway({ HEARTBEAT_FLUSH_INTERVAL_MS: '100', ONLINE_WINDOW_SECONDS: '2' });
    try {
      const timedWorld = await createWorld(timed);
      const fleet = await keyedService(timed, timedWorld, await timedWorld.createProject());
      const identities = async () =>
        (
          await timed.database.orm.em
            .fork()
            .execute<{ identity: string }[]>('select identity from processing_service_workers where processing_service_id = ? order by identity', [Number(fleet.serviceId)])
        ).map((row) => row.identity);
      const until = async (expected: string[]) => {
        const deadline = Date.now() + 10_000;
        while (JSON.stringify(await identities()) !== JSON.stringify(expected) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return identities();
      };
      await fleet.beat(1);
      expect(await until(['host-1'])).toEqual(['host-1']);

      await timed.database.orm.em
        .fork()
        .execute("update processing_service_workers set last_seen = now() - interval '1 hour' where processing_service_id = ?", [Number(fleet.serviceId)]);
      // A prune is due once a window has passed since the last; meanwhile another worker keeps beating.
      const pruneDue = Date.now() + 2_500;
      while (Date.now() < pruneDue) {
        await fleet.beat(2);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await until(['host-2'])).toEqual(['host-2']);
    } finally {
      await timed.close();
    }
  });

  it('writes what is left when the gateway stops', async () => {
    const stopping = await startTestGateway();
    const stoppingWorld = await createWorld(stopping);
    const fleet = await keyedService(stopping, stoppingWorld, await stoppingWorld.createProject());
    await fleet.beat(1);
    await stopping.assertNoSecretsLeaked();
    await stopping.stop();
    const client = new Client({ connectionString: stopping.db.url });
    await client.connect();
    try {
      const { rows } = await client.query('select last_seen, last_seen_client_info from processing_services where id = $1', [Number(fleet.serviceId)]);
      expect(rows[0].last_seen).not.toBeNull();
      expect(rows[0].last_seen_client_info).toMatchObject({ hostname: 'host-1' });
      const workers = await client.query('select identity from processing_service_workers where processing_service_id = $1', [Number(fleet.serviceId)]);
      expect(workers.rows).toEqual([{ identity: 'host-1' }]);
    } finally {
      await client.end();
      await stopping.db.drop();
    }
  });
});

describe('two replicas on one database', () => {
  const skipReason = concurrencySkipReason();
  if (skipReason) console.warn(`[heartbeat replicas] skipped: ${skipReason}`);

  it.skipIf(Boolean(skipReason))('never move last seen backwards, and flush the same service at once without deadlock', async () => {
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const replica = await startGateway(
      loadConfig({ NODE_ENV: 'test', DATABASE_URL: gw.db.url, PORT: '0', LOG_LEVEL: 'warn', HEARTBEAT_FLUSH_INTERVAL_MS: '3600000', PUSH_RUNNER: 'off' }),
      quiet,
    );
    try {
      const serviceId = await world.createService({ projectIds: [projectId] });
      const { key } = await world.generateKey(serviceId);
      const beatOn = async (url: string, userAgent: string, hostname: string) => {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Api-Key ${key}`, 'user-agent': userAgent },
          body: JSON.stringify({ query: HEARTBEAT, variables: { info: { hostname } } }),
        });
        expect(response.status).toBe(200);
      };
      await beatOn(gw.url, 'replica-a/1.0', 'host-a');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await beatOn(replica.url, 'replica-b/1.0', 'host-b');
      // The newer beat reaches the row first; the older one, flushed after it, must not win.
      await replica.services.heartbeats.flush(replica.database.orm.em.fork());
      const [newer] = await sql('select last_seen from processing_services where id = ?', [Number(serviceId)]);
      await flush();
      const [row] = await sql('select last_seen, last_seen_client_info from processing_services where id = ?', [Number(serviceId)]);
      expect(new Date(row!.last_seen).getTime()).toBe(new Date(newer!.last_seen).getTime());
      expect(row!.last_seen_client_info).toMatchObject({ userAgent: 'replica-b/1.0', hostname: 'host-b' });
      expect((await workersOf(serviceId)).map((worker) => worker.identity)).toEqual(['host-b', 'host-a']);

      for (let round = 0; round < 5; round++) {
        await Promise.all([beatOn(gw.url, 'replica-a/1.0', 'host-a'), beatOn(replica.url, 'replica-b/1.0', 'host-b')]);
        await Promise.all([flush(), replica.services.heartbeats.flush(replica.database.orm.em.fork())]);
      }
      expect((await workersOf(serviceId)).map((worker) => worker.identity).sort()).toEqual(['host-a', 'host-b']);
    } finally {
      await replica.stop();
    }
  });
});
