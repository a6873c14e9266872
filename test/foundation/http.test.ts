import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLimits } from '../../src/app/server';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ BODY_LIMIT_BYTES: '16384' });
});
afterAll(() => gw?.close());

describe('probes answer 200', () => {
  it('/healthz: the process is alive', async () => {
    const response = await fetch(`${gw.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz: the database answers', async () => {
    const response = await fetch(`${gw.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready' });
  });
});

describe('/readyz follows the database', () => {
  it('answers 503 once the database is gone, while /healthz stays 200', async () => {
    const doomed = await startTestGateway();
    try {
      expect((await fetch(`${doomed.url}/readyz`)).status).toBe(200);
      await doomed.db.drop();
      const ready = await fetch(`${doomed.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'database unavailable' });
      expect((await fetch(`${doomed.url}/healthz`)).status).toBe(200);
    } finally {
      await doomed.stop();
    }
  });
});

describe('request ids', () => {
  it('gives every response one, and logs it', async () => {
    const response = await fetch(`${gw.url}/healthz`);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(gw.logs.some((line) => line.includes(`"reqId":"${id}"`))).toBe(true);
  });

  it('keeps a valid incoming id and replaces a malformed one', async () => {
    const kept = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'lb-1234.abc_DEF' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234.abc_DEF');
    const replaced = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces {}' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'a'.repeat(65) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('secrets never reach the logs', () => {
  it('redacts Authorization and leaves out passwords and tokens', async () => {
    const auth = await gw.loginAs(ADMIN.email, ADMIN.password);
    const token = auth.replace(/^Token /, '');
    await gw.gql('{ viewer { user { email } } }', {}, { authorization: auth });
    await gw.gql('{ viewer { user { email } } }', {}, { authorization: 'Bearer pgs_forged-token-value-0000' });
    await gw.gql('{ viewer { user { email } } }', {}, { authorization: 'Api-Key psk_AAAAAAAA.not-a-real-key' });
    const all = gw.logs.join('\n');
    // The requests were logged, so the absence below means something.
    expect(all).toContain('"path":"/graphql"');
    for (const secret of [token, ADMIN.password, 'pgs_forged-token-value-0000', 'not-a-real-key']) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('GET /graphql', () => {
  it('answers queries', async () => {
    const query = encodeURIComponent('{ viewer { user { id } } }');
    const response = await fetch(`${gw.url}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { viewer: { user: null } } });
  });

  it('refuses a GET with no preflight-forcing header (Apollo CSRF prevention)', async () => {
    const query = encodeURIComponent('{ viewer { user { id } } }');
    const response = await fetch(`${gw.url}/graphql?query=${query}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });

  it('refuses mutations', async () => {
    const query = encodeURIComponent('mutation { logout }');
    const response = await fetch(`${gw.url}/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
  });
});

describe('oversized and abusive requests get a 4xx or a typed error, never a 500', () => {
  it('a body over BODY_LIMIT_BYTES is 413', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ viewer { user { id } } } # ${'x'.repeat(17_000)}` }),
    });
    expect(response.status).toBe(413);
  });

  it(`a query deeper than ${queryLimits.maxDepth}`, async () => {
    const nested = Array.from({ length: queryLimits.maxDepth + 1 }).reduce<string>(
      (inner) => `... on Query { ${inner} }`,
      '__typename',
    );
    const { status, body } = await gw.gql(`{ ${nested} }`);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toMatch(/depth/i);
  });

  it(`more than ${queryLimits.maxAliases} aliases`, async () => {
    const aliases = Array.from({ length: queryLimits.maxAliases + 1 }, (_, i) => `a${i}: viewer { user { id } }`).join(' ');
    const { status, body } = await gw.gql(`{ ${aliases} }`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0]?.message).toMatch(/aliases/i);
  });

  it(`more than ${queryLimits.maxTokens} tokens`, async () => {
    const { status, body } = await gw.gql(`{ ${'a '.repeat(queryLimits.maxTokens)} }`);
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(body.errors?.[0]?.message).toMatch(/tokens/);
  });

  it('a malformed body or query', async () => {
    const response = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    expect(response.status).toBe(400);
    const parse = await gw.gql('{ viewer { ');
    expect(parse.status).toBe(400);
    expect(parse.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });
});

describe('development mode helps the developer', () => {
  it('suggests field names and allows introspection (production turns both off)', async () => {
    const typo = await gw.gql('{ viewr { user { id } } }');
    expect(typo.body.errors?.[0]?.message).toMatch(/Did you mean "viewer"\?/);
    const introspection = await gw.gql('{ __schema { queryType { name } } }');
    expect(introspection.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('still sends no stack traces', async () => {
    const auth = await gw.loginAs(ADMIN.email, ADMIN.password);
    const { body } = await gw.gql('{ project(id: "not-a-number") { id } }', {}, { authorization: auth });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(body)).not.toMatch(/stacktrace|\.ts:\d+/);
  });
});
