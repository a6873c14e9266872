import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../examples/worker/client';
import {
  GatewayGraphQLError,
  GatewayHttpError,
  GatewayProtocolError,
  GatewayUnreachableError,
  parseRetryAfter,
} from '../../examples/worker/errors';
import { HeartbeatDocument } from '../../examples/worker/generated/graphql';
import { backoffDelay, MAX_RETRY_AFTER_MS, retryDelay, type RetryPolicy } from '../../examples/worker/retry';
import { failure, startFakeGateway, type FakeGateway } from './fake-gateway';

const ok = { status: 200, body: { data: { heartbeat: { id: '7' } } } };
const unavailable = { status: 503, body: 'Service Unavailable' };
const hanging = { ...ok, hangMs: 30_000 };
const policy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

let fake: FakeGateway;
beforeAll(async () => {
  fake = await startFakeGateway(ok);
});
afterEach(() => fake.reset());
afterAll(() => fake?.close());

function client(overrides: Partial<ConstructorParameters<typeof GatewayClient>[0]> = {}) {
  return new GatewayClient({
    endpoint: fake.endpoint,
    credentials: { scheme: 'Api-Key', key: 'psk_test.secret' },
    timeoutMs: 2_000,
    retry: policy,
    userAgent: 'worker-test/1',
    ...overrides,
  });
}

describe('retried until it succeeds', () => {
  it('succeeds on the third attempt after two 503s, sending the key each time', async () => {
    fake.script = [unavailable, unavailable, ok];
    const data = await client().request(HeartbeatDocument, { clientInfo: { hostname: 'h' } });
    expect(data.heartbeat.id).toBe('7');
    expect(fake.received).toHaveLength(3);
    for (const { headers, body } of fake.received) {
      expect(headers.authorization).toBe('Api-Key psk_test.secret');
      expect(headers['user-agent']).toBe('worker-test/1');
      expect(JSON.parse(body)).toMatchObject({ query: expect.stringContaining('mutation Heartbeat'), variables: { clientInfo: { hostname: 'h' } } });
    }
  });

  it('retries a request that timed out', async () => {
    fake.script = [hanging, ok];
    const data = await client({ timeoutMs: 1_000 }).request(HeartbeatDocument, {});
    expect(data.heartbeat.id).toBe('7');
    expect(fake.received).toHaveLength(2);
  });

  it('retries an internal server error reported as a GraphQL error', async () => {
    fake.script = [{ status: 200, body: { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } }, ok];
    await client().request(HeartbeatDocument, {});
    expect(fake.received).toHaveLength(2);
  });

  it('sends a session token with the Token scheme', async () => {
    await client({ credentials: { scheme: 'Token', token: 'session-token' } }).request(HeartbeatDocument, {});
    expect(fake.received[0]!.headers.authorization).toBe('Token session-token');
  });
});

describe('not retried: the caller must fix something', () => {
  it.each([
    [400, 'BAD_REQUEST'],
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
  ])('HTTP %i is one attempt and a typed error', async (status, code) => {
    fake.script = [{ status, body: { errors: [{ message: 'refused', extensions: { code } }] } }];
    const error = await failure(client().request(HeartbeatDocument, {}));
    expect(error).toBeInstanceOf(GatewayHttpError);
    expect(error).toMatchObject({ status, code, retryable: false, attempts: 1 });
    expect(fake.received).toHaveLength(1);
  });

  it.each(['BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED', 'NOT_FOUND'])('a GraphQL error coded %s is one attempt', async (code) => {
    fake.script = [{ status: 200, body: { data: null, errors: [{ message: 'pipelines.0.slug: is required', extensions: { code } }] } }];
    const error = await failure(client().request(HeartbeatDocument, {}));
    expect(error).toBeInstanceOf(GatewayGraphQLError);
    expect(error).toMatchObject({ codes: [code], retryable: false, attempts: 1 });
    expect(error.message).toContain('pipelines.0.slug');
    expect(fake.received).toHaveLength(1);
  });

  it('a 200 answer that is not GraphQL is one attempt', async () => {
    fake.script = [{ status: 200, body: '<html>login portal</html>' }];
    expect(await failure(client().request(HeartbeatDocument, {}))).toBeInstanceOf(GatewayProtocolError);
    expect(fake.received).toHaveLength(1);
  });

  it('a request that creates something is not resent after a 503 (it may have run)', async () => {
    fake.script = [unavailable, ok];
    const error = await failure(client().request(HeartbeatDocument, {}, { idempotent: false }));
    expect(error).toMatchObject({ status: 503, attempts: 1 });
    expect(fake.received).toHaveLength(1);
  });
});

describe('gives up after the bounded attempts', () => {
  it('keeps answering 503: fails after maxAttempts with the last HTTP error', async () => {
    fake.script = [unavailable, unavailable, unavailable, ok];
    const error = await failure(client().request(HeartbeatDocument, {}));
    expect(error).toBeInstanceOf(GatewayHttpError);
    expect(error).toMatchObject({ status: 503, retryable: true, attempts: 3 });
    expect(fake.received).toHaveLength(3);
  });

  it('connection refused: retried, then a GatewayUnreachableError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const refused = client({ endpoint: `http://127.0.0.1:${port}/graphql` });
    const error = await failure(refused.request(HeartbeatDocument, {}));
    expect(error).toBeInstanceOf(GatewayUnreachableError);
    expect(error).toMatchObject({ notDelivered: true, attempts: 3 });
    expect(error.message).toContain('ECONNREFUSED');
    // Never delivered, so even a request that creates something may be resent.
    expect(await failure(refused.request(HeartbeatDocument, {}, { idempotent: false }))).toMatchObject({ attempts: 3 });
  });

  it('every attempt times out: a GatewayUnreachableError after maxAttempts', async () => {
    fake.script = [hanging, hanging, hanging];
    const error = await failure(client({ timeoutMs: 1_000 }).request(HeartbeatDocument, {}));
    expect(error).toBeInstanceOf(GatewayUnreachableError);
    expect(error).toMatchObject({ notDelivered: false, attempts: 3 });
    expect(error.message).toContain('within 1000 ms');
    expect(fake.received).toHaveLength(3);
  });
});

describe('stopping', () => {
  it('an abort during the backoff wait ends the request without further attempts', async () => {
    fake.script = [unavailable, unavailable, unavailable];
    const stop = new AbortController();
    let retries = 0;
    const slow = client({
      retry: { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      onRetry: () => {
        retries++;
        stop.abort();
      },
    });
    const error = await failure(slow.request(HeartbeatDocument, {}, { signal: stop.signal }));
    expect(error.name).toBe('AbortError');
    expect(retries).toBe(1);
    expect(fake.received).toHaveLength(1);
  });
});

describe('backing off as the gateway asks, by Retry-After', () => {
  const refusal = (status: number, code: string, retryAfter: string) => ({
    status,
    headers: { 'retry-after': retryAfter },
    body: { errors: [{ message: 'retry later', extensions: { code } }] },
  });

  it.each([
    [503, 'SERVICE_UNAVAILABLE'],
    [429, 'RATE_LIMITED'],
  ])('HTTP %i %s: waits at least Retry-After, then succeeds', async (status, code) => {
    fake.script = [refusal(status, code, '1'), ok];
    const delays: number[] = [];
    const data = await client({ onRetry: (_error, _attempt, delayMs) => delays.push(delayMs) }).request(HeartbeatDocument, {});
    expect(data.heartbeat.id).toBe('7');
    expect(fake.received).toHaveLength(2);
    // Far longer than this test policy's own backoff could be.
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(1_000);
  });

  it('resends after a 429 even a request that creates something: it was refused, not run', async () => {
    fake.script = [refusal(429, 'RATE_LIMITED', '1'), ok];
    await client().request(HeartbeatDocument, {}, { idempotent: false });
    expect(fake.received).toHaveLength(2);
  });

  it('keeps answering 429: fails after maxAttempts with the error and its Retry-After', async () => {
    fake.script = [refusal(429, 'RATE_LIMITED', '0'), refusal(429, 'RATE_LIMITED', '0'), refusal(429, 'RATE_LIMITED', '0')];
    const error = await failure(client().request(HeartbeatDocument, {}));
    expect(error).toBeInstanceOf(GatewayHttpError);
    expect(error).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryable: true, attempts: 3, retryAfterMs: 0 });
  });

  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.parse('2026-12-04T02:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5_000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 02:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 04 Dec 2026 01:00:00 GMT', now)).toBe(0);
    for (const unreadable of [null, '', 'soon', '-3', '1.5']) expect(parseRetryAfter(unreadable, now)).toBeUndefined();
  });

  it('waits the longer of backoff and Retry-After, capped', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 };
    const asking = (retryAfterMs: number | undefined) => new GatewayHttpError(503, 'SERVICE_UNAVAILABLE', 'retry later', retryAfterMs);
    expect(retryDelay(policy, 1, asking(5_000), () => 1)).toBe(5_000);
    expect(retryDelay(policy, 4, asking(10), () => 1)).toBe(800);
    expect(retryDelay(policy, 1, asking(undefined), () => 1)).toBe(100);
    expect(retryDelay(policy, 1, asking(10 * 3_600_000), () => 1)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe('backoff', () => {
  it('grows exponentially, is capped, and jitters within the upper half', () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0))).toEqual([50, 100, 200, 400, 500]);
    for (let n = 1; n <= 8; n++) {
      const delay = backoffDelay(policy, n);
      const cap = Math.min(1_000, 100 * 2 ** (n - 1));
      expect(delay).toBeGreaterThanOrEqual(cap / 2);
      expect(delay).toBeLessThanOrEqual(cap);
    }
  });
});
