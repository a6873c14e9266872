import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayClient } from '../../examples/worker/client';
import { GatewayHttpError } from '../../examples/worker/errors';
import { heartbeatUntilStopped, type WorkerLog } from '../../examples/worker/worker';
import { failure, startFakeGateway, type FakeGateway } from './fake-gateway';

const ok = { status: 200, body: { data: { heartbeat: { id: '7' } } } };
const unavailable = { status: 503, body: 'Service Unavailable' };
const intervalSeconds = 0.01;

let fake: FakeGateway;
let warnings: string[];
const log: WorkerLog = { info: () => undefined, warn: (message) => warnings.push(message) };

beforeAll(async () => {
  fake = await startFakeGateway(ok);
});
afterEach(() => fake.reset());
afterAll(() => fake?.close());

function client() {
  return new GatewayClient({
    endpoint: fake.endpoint,
    credentials: { scheme: 'Api-Key', key: 'psk_test.secret' },
    timeoutMs: 2_000,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    userAgent: 'worker-test/1',
  });
}

describe('the idle heartbeat loop', () => {
  it('reports in until stopped, then resolves cleanly', async () => {
    warnings = [];
    const stop = new AbortController();
    fake.onRequest = () => {
      if (fake.received.length === 3) stop.abort();
    };
    await heartbeatUntilStopped(client(), intervalSeconds, { hostname: 'h1' }, stop.signal, log);
    expect(fake.received).toHaveLength(3);
    for (const { body } of fake.received) {
      expect(JSON.parse(body)).toMatchObject({ query: expect.stringContaining('heartbeat'), variables: { clientInfo: { hostname: 'h1' } } });
    }
    expect(warnings).toEqual([]);
  });

  it('outlasts a gateway that is down for a while: logs and keeps going', async () => {
    warnings = [];
    const stop = new AbortController();
    fake.script = [unavailable, unavailable, ok];
    fake.onRequest = () => {
      if (fake.received.length === 3) stop.abort();
    };
    await heartbeatUntilStopped(client(), intervalSeconds, {}, stop.signal, log);
    expect(fake.received).toHaveLength(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/heartbeat failed after 2 attempts: HTTP 503/);
  });

  it('ends with the error when the gateway refuses the key', async () => {
    warnings = [];
    fake.script = [{ status: 401, body: { errors: [{ message: 'Invalid API key', extensions: { code: 'UNAUTHENTICATED' } }] } }];
    const error = await failure(heartbeatUntilStopped(client(), intervalSeconds, {}, new AbortController().signal, log));
    expect(error).toBeInstanceOf(GatewayHttpError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(fake.received).toHaveLength(1);
  });
});
