import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVALIDATION_CHANNEL, parseInvalidation, type Invalidation } from '../../src/core/invalidation';
import { listenForNotifications, type NotificationListener } from '../../src/db/notification-listener';
import { withClient } from '../support/databases';
import { millisecondsUntil } from './replica-processes';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres';

/**
 * A TCP relay to PostgreSQL whose open connections can be frozen: bytes stop flowing both ways
 * while both sockets stay open, as when a NAT or load balancer silently drops an idle flow.
 */
async function startFreezableRelay(target: URL): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  const pairs: [Socket, Socket][] = [];
  const server: Server = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', drop);
    outbound.on('error', drop);
    pairs.push([inbound, outbound]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    freeze() {
      for (const [inbound, outbound] of pairs) {
        inbound.unpipe(outbound);
        outbound.unpipe(inbound);
        inbound.pause();
        outbound.pause();
      }
    },
    async close() {
      for (const [inbound, outbound] of pairs) {
        inbound.destroy();
        outbound.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let postgres: ThrowawayPostgres;
beforeAll(async () => {
  postgres = await startThrowawayPostgres();
}, 60_000);
afterAll(() => postgres?.remove());

function recordingListener(url: string, timing = { probeIntervalMs: 300, probeTimeoutMs: 300 }) {
  const heard: Invalidation[] = [];
  let missed = 0;
  const listener: NotificationListener = listenForNotifications(
    url,
    { [INVALIDATION_CHANNEL]: (payload) => heard.push(parseInvalidation(payload)) },
    () => missed++,
    undefined,
    timing,
  );
  return { listener, heard, missed: () => missed };
}

const announce = (invalidation: Invalidation) =>
  withClient(postgres.url, (client) => client.query('select pg_notify($1, $2)', [INVALIDATION_CHANNEL, JSON.stringify(invalidation)]));

describe('starting while the database is away', () => {
  it('is not ready within a bound, keeps retrying, and listens once the database is back', async () => {
    await postgres.stop();
    const { listener, heard, missed } = recordingListener(postgres.url);
    try {
      expect(await listener.readyWithin(500)).toBe(false);
      await postgres.start();
      expect(await listener.readyWithin(15_000)).toBe(true);
      expect(missed()).toBe(1);
      await announce({ sessionIds: [7] });
      expect(await millisecondsUntil(async () => heard.length > 0, 5_000)).not.toBeNull();
      expect(heard).toEqual([{ sessionIds: [7] }]);
    } finally {
      await listener.stop();
    }
  }, 60_000);
});

describe('a listening connection that dies silently', () => {
  it('is noticed by its probe, replaced, and the caches told to forget', async () => {
    const relay = await startFreezableRelay(new URL(postgres.url));
    const { listener, heard, missed } = recordingListener(relay.url);
    try {
      expect(await listener.readyWithin(10_000)).toBe(true);
      expect(missed()).toBe(1);
      relay.freeze();
      // Announced while the frozen connection would never deliver it.
      await announce({ apiKeyPrefixes: ['lost'] });
      const replacedAfter = await millisecondsUntil(async () => missed() === 2, 10_000);
      console.log(`[notification-listener] silent loss noticed and the connection replaced after ${replacedAfter} ms`);
      expect(replacedAfter).not.toBeNull();
      expect(heard).toEqual([]);
      await announce({ apiKeyPrefixes: ['heard'] });
      expect(await millisecondsUntil(async () => heard.length > 0, 5_000)).not.toBeNull();
      expect(heard).toEqual([{ apiKeyPrefixes: ['heard'] }]);
    } finally {
      await listener.stop();
      await relay.close();
    }
  }, 60_000);
});
