import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Auth } from '../../src/auth/auth-rule';
import type { GatewayContext } from '../../src/graphql/context';
import { buildGatewaySchema } from '../../src/app/schema';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';

const INTERNAL_DETAIL = 'disk on fire under /var/lib/secret-path';

/** Fields that exist only in this test's schema: one fails unexpectedly, one is slow. */
@Resolver()
class FaultyResolver {
  @Auth('PUBLIC')
  @Query(() => String)
  explode(): string {
    throw new Error(INTERNAL_DETAIL);
  }

  /** Waits, then reads the database: it completes only if the pool is still open. */
  @Auth('PUBLIC')
  @Query(() => String)
  async slow(@Arg('ms', () => Int) ms: number, @Ctx() { em }: GatewayContext): Promise<string> {
    slowStarted();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const [row] = await em.getConnection().execute<{ answer: number }[]>('select 42 as answer');
    return `done ${row!.answer}`;
  }
}

let slowStarted: () => void = () => {};

describe('production mode', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ NODE_ENV: 'production' }, { schema: buildGatewaySchema([FaultyResolver]) });
  });
  afterAll(() => gw?.close());

  it('refuses introspection', async () => {
    const { status, body } = await gw.gql('{ __schema { queryType { name } } }');
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('suggests no field names', async () => {
    const { status, body } = await gw.gql('{ viewr { user { id } } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(body)).not.toMatch(/Did you mean|"viewer"/);
  });

  it('sends no stack traces', async () => {
    const auth = await gw.loginAs(ADMIN.email, ADMIN.password);
    for (const query of ['{ project(id: "x") { id } }', '{ nope }', '{ explode }', '{ viewer { ']) {
      const { body } = await gw.gql(query, {}, { authorization: auth });
      expect(body.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(body)).not.toMatch(/stacktrace|\.ts:\d+|at [A-Za-z.]+ \(/);
    }
  });

  it('masks an unexpected error to INTERNAL_SERVER_ERROR and keeps the detail in the log only', async () => {
    const { status, headers, body } = await gw.gql('{ explode }');
    expect(status).toBe(200);
    expect(body.errors).toEqual([
      { message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: ['explode'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    const requestId = headers.get('x-request-id')!;
    const logged = gw.logs.filter((line) => line.includes(INTERNAL_DETAIL));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.some((line) => line.includes(`"reqId":"${requestId}"`) && line.includes('"level":50'))).toBe(true);
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight when stop begins, then refuses connections', async () => {
    const gw = await startTestGateway({}, { schema: buildGatewaySchema([FaultyResolver]) });
    try {
      const started = new Promise<void>((resolve) => (slowStarted = resolve));
      const inFlight = gw.gql<{ slow: string }>('{ slow(ms: 500) }');
      await started;

      let stopped = false;
      const stopping = gw.stop().then(() => (stopped = true));
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { slow: 'done 42' } });
      await stopping;
      expect(stopped).toBe(true);

      await expect(fetch(`${gw.url}/healthz`)).rejects.toThrow();
    } finally {
      await gw.db.drop();
    }
  });
});
