import { Client } from 'pg';
import type { Logger } from 'pino';
import { INVALIDATION_CHANNEL, type Invalidation } from '../core/invalidation';

const RECONNECT_DELAY_MS = 500;

export interface ListenerTiming {
  /** How often the listening connection is asked to answer, to notice one that died silently. */
  probeIntervalMs: number;
  /** How long a probe may go unanswered before the connection counts as lost. */
  probeTimeoutMs: number;
}

const defaultTiming: ListenerTiming = { probeIntervalMs: 5_000, probeTimeoutMs: 3_000 };

export interface InvalidationHandlers {
  onInvalidation(invalidation: Invalidation): void;
  /** The connection was lost and is back: notifications may have been missed meanwhile. */
  onMissedNotifications(): void;
}

export interface InvalidationListener {
  /** Resolves once the first LISTEN is in place. */
  ready: Promise<void>;
  /** Whether the first LISTEN is in place within `ms` (it keeps retrying either way). */
  readyWithin(ms: number): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Listens on the invalidation channel on a connection of its own (outside the pool: a pooled
 * connection would be handed to queries). When that connection drops it reconnects, and tells the
 * caches to forget everything, since what was announced meanwhile is lost. A connection can also
 * die without a word (a NAT, proxy or load balancer dropping an idle flow): an idle LISTEN would
 * then hear nothing forever, leaving only the caches' TTLs, so it is probed and replaced when a
 * probe goes unanswered.
 */
export function listenForInvalidations(
  connectionString: string,
  handlers: InvalidationHandlers,
  logger?: Logger,
  timing: ListenerTiming = defaultTiming,
): InvalidationListener {
  let stopped = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let probe: NodeJS.Timeout | undefined;
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const connect = async () => {
    const current = new Client({ connectionString, connectionTimeoutMillis: 3_000 });
    client = current;
    const reconnect = () => {
      current.removeAllListeners();
      current.on('error', () => undefined);
      void current.end().catch(() => undefined);
      if (stopped || client !== current) return;
      clearInterval(probe);
      client = undefined;
      retry = setTimeout(() => void connect(), RECONNECT_DELAY_MS);
    };
    current.on('error', (error) => {
      logger?.warn({ err: error }, 'invalidation listener lost its connection');
      reconnect();
    });
    current.on('end', reconnect);
    current.on('notification', (message) => {
      if (message.channel !== INVALIDATION_CHANNEL || !message.payload) return;
      try {
        handlers.onInvalidation(JSON.parse(message.payload) as Invalidation);
      } catch (error) {
        logger?.error({ err: error }, 'unreadable invalidation; forgetting every cache');
        handlers.onMissedNotifications();
      }
    });
    try {
      await current.connect();
      await current.query(`listen ${INVALIDATION_CHANNEL}`);
    } catch (error) {
      logger?.warn({ err: error }, 'invalidation listener could not connect');
      reconnect();
      return;
    }
    if (stopped || client !== current) return;
    handlers.onMissedNotifications();
    markReady();
    probe = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const unanswered = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timing.probeTimeoutMs} ms`)), timing.probeTimeoutMs);
      });
      // LISTEN again is a no-op that needs an answer, and keeps the connection recognisable in pg_stat_activity.
      Promise.race([current.query(`listen ${INVALIDATION_CHANNEL}`), unanswered])
        .catch((error: unknown) => {
          if (client !== current) return;
          logger?.warn({ err: error }, 'invalidation listener lost its connection');
          reconnect();
        })
        .finally(() => clearTimeout(timer));
    }, timing.probeIntervalMs).unref();
  };
  void connect();

  return {
    ready,
    async readyWithin(ms) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
      try {
        return await Promise.race([ready.then(() => true), timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      clearInterval(probe);
      const current = client;
      client = undefined;
      current?.removeAllListeners();
      current?.on('error', () => undefined);
      await current?.end().catch(() => undefined);
    },
  };
}
