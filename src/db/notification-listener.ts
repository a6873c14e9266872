import { Client } from 'pg';
import type { Logger } from 'pino';

const RECONNECT_DELAY_MS = 500;

export interface ListenerTiming {
  /** How often the listening connection is asked to answer, to notice one that died silently. */
  probeIntervalMs: number;
  /** How long a probe may go unanswered before the connection counts as lost. */
  probeTimeoutMs: number;
}

const defaultTiming: ListenerTiming = { probeIntervalMs: 5_000, probeTimeoutMs: 3_000 };

/** What to do with a notification on each channel listened to, given its payload. */
export type ChannelHandlers = Record<string, (payload: string) => void>;

export interface NotificationListener {
  /** Resolves once the first LISTEN is in place. */
  ready: Promise<void>;
  /** Whether the first LISTEN is in place within `ms` (it keeps retrying either way). */
  readyWithin(ms: number): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Listens on `channels` on one connection of its own (outside the pool: a pooled connection would
 * be handed to queries). When that connection drops it reconnects and calls `onMissedNotifications`,
 * since what was announced meanwhile is lost; so does a notification its handler cannot read. A
 * connection can also die without a word (a NAT, proxy or load balancer dropping an idle flow): an
 * idle LISTEN would then hear nothing forever, so it is probed and replaced when a probe goes
 * unanswered.
 */
export function listenForNotifications(
  connectionString: string,
  channels: ChannelHandlers,
  onMissedNotifications: () => void,
  logger?: Logger,
  timing: ListenerTiming = defaultTiming,
): NotificationListener {
  const [probeChannel] = Object.keys(channels);
  if (!probeChannel) throw new Error('listenForNotifications needs a channel to listen on');
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
      logger?.warn({ err: error }, 'notification listener lost its connection');
      reconnect();
    });
    current.on('end', reconnect);
    current.on('notification', (message) => {
      const handle = channels[message.channel];
      if (!handle) return;
      try {
        handle(message.payload ?? '');
      } catch (error) {
        logger?.error({ err: error, channel: message.channel }, 'unreadable notification; treating it as missed');
        onMissedNotifications();
      }
    });
    try {
      await current.connect();
      for (const channel of Object.keys(channels)) await current.query(`listen ${channel}`);
    } catch (error) {
      logger?.warn({ err: error }, 'notification listener could not connect');
      reconnect();
      return;
    }
    if (stopped || client !== current) return;
    onMissedNotifications();
    markReady();
    probe = setInterval(() => {
      let timer: NodeJS.Timeout | undefined;
      const unanswered = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timing.probeTimeoutMs} ms`)), timing.probeTimeoutMs);
      });
      // LISTEN again is a no-op that needs an answer, and keeps the connection recognisable in pg_stat_activity.
      Promise.race([current.query(`listen ${probeChannel}`), unanswered])
        .catch((error: unknown) => {
          if (client !== current) return;
          logger?.warn({ err: error }, 'notification listener lost its connection');
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
