import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Auth } from '../../src/auth/auth-rule';
import type { GatewayContext } from '../../src/graphql/context';
import { buildGatewaySchema } from '../../src/app/schema';
import { withClient } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { concurrencySkipReason } from '../support/test-database';
import { createWorld, type World } from '../support/world';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[failure-logging] database outage tests skipped: ${skipReason}`);

/** A field whose statement fails in the database after binding a value that must stay out of the logs. */
@Resolver()
class FailingStatementResolver {
  @Auth('PUBLIC')
  @Query(() => String)
  async failingLookup(@Arg('email') email: string, @Ctx() { em }: GatewayContext): Promise<string> {
    await em.getConnection().execute('select id from users where email = ? and 1 / 0 = 1', [email]);
    return 'unreachable';
  }
}

let gw: TestGateway;
let world: World;
let serviceKey: string;
let consoleOutput: string[];

beforeAll(async () => {
  gw = await startTestGateway({}, { schema: buildGatewaySchema([FailingStatementResolver]) });
  world = await createWorld(gw);
  const projectId = await world.createProject();
  serviceKey = (await world.generateKey(await world.createService({ projectIds: [projectId] }))).key;
});
afterAll(() => gw?.close());
afterEach(() => vi.restoreAllMocks());

/** Captures what anything in this process writes to the console or straight to stdout/stderr. */
function captureConsole() {
  consoleOutput = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void consoleOutput.push(args.map(String).join(' ')));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      consoleOutput.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  }
}

const parsedLogs = () => gw.logs.flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((line) => JSON.parse(line) as Record<string, any>);
const problemsOf = (requestId: string) => parsedLogs().filter((entry) => entry.reqId === requestId && entry.level >= 40);

describe('failures are logged once, as JSON, with the request id', () => {
  it('logs a failing statement without the values written into it', async () => {
    const email = 'someone.private@example.com';
    const response = await gw.gql('query ($email: String!) { failingLookup(email: $email) }', { email }, { 'x-request-id': 'failing-statement-1' });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    const problems = problemsOf('failing-statement-1');
    expect(problems).toHaveLength(1);
    expect(JSON.stringify(problems[0])).toMatch(/division by zero/);
    expect(JSON.stringify(problems[0])).toMatch(/email = '\?'/);
    expect(gw.logs.join('\n')).not.toContain(email);
  });

  it.skipIf(skipReason)('while the database is away: context failures too, and no plain driver lines on the console', async () => {
    const source = inject('testDatabase');
    if (source.kind !== 'postgres') throw new Error('needs real PostgreSQL');
    const database = new URL(gw.db.url).pathname.slice(1);
    const userToken = await world.createUser('outage').then((user) => user.auth);
    captureConsole();
    await withClient(source.adminUrl, async (client) => {
      await client.query(`alter database ${database} allow_connections false`);
      await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);
    });
    try {
      const requests: [string, Record<string, string>, string][] = [
        ['outage-user-token', { authorization: userToken }, '{ viewer { user { id } } }'],
        ['outage-uncached-key', { authorization: `Api-Key ${serviceKey}` }, '{ viewer { processingService { id } } }'],
        ['outage-login', {}, 'mutation { login(email: "nobody@example.com", password: "not-a-real-password") { token } }'],
      ];
      for (const [requestId, headers, query] of requests) {
        const response = await gw.gql(query, {}, { ...headers, 'x-request-id': requestId });
        expect(response.status === 200 && !response.body.errors, requestId).toBe(false);
        expect(JSON.stringify(response.body), requestId).not.toMatch(/select|insert|ECONNREFUSED|terminat/i);
        expect(problemsOf(requestId), requestId).toHaveLength(1);
      }
    } finally {
      await withClient(source.adminUrl, (client) => client.query(`alter database ${database} allow_connections true`));
    }
    // The pool recovers once the database is back.
    expect((await gw.gql('{ viewer { user { id } } }', {}, { authorization: userToken })).status).toBe(200);
    vi.restoreAllMocks();
    expect(consoleOutput.filter((line) => /Connection Error|terminat/i.test(line))).toEqual([]);
    for (const line of gw.logs.flatMap((chunk) => chunk.split('\n').filter(Boolean))) expect(() => JSON.parse(line)).not.toThrow();
    for (const entry of parsedLogs().filter((logged) => logged.level >= 50)) {
      expect(JSON.stringify(entry)).not.toMatch(/pgs_|nobody@example\.com|token_digest = '|\$1.*'[0-9a-f]{64}'/);
    }
  });
});
