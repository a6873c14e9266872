import { Client } from 'pg';
import type { Logger } from 'pino';

/** Announced by database triggers on commit of a change that can give push dispatch new work. */
export const PUSH_WORK_CHANNEL = 'psgw_push_work';

const RECONNECT_DELAY_MS = 1_000;

/**
 * Calls `onWake` when PostgreSQL announces push work, on a connection of its own. Waking is only
 * a shortcut past the runner's idle pause, so a lost connection is simply opened again, and
 * `onWake` runs once it is back, for what was announced meanwhile.
 */
export function listenForPushWork(connectionString: string, onWake: () => void, logger: Pick<Logger, 'warn'>): { stop(): Promise<void> } {
  let stopped = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const connect = async () => {
    const current = new Client({ connectionString, connectionTimeoutMillis: 3_000 });
    client = current;
    let lost = false;
    const reconnect = (error?: unknown) => {
      if (lost || stopped) return;
      lost = true;
      if (error) logger.warn({ err: error }, 'push work listener lost its connection');
      void current.end().catch(() => undefined);
      retry = setTimeout(() => void connect(), RECONNECT_DELAY_MS);
    };
    current.on('error', reconnect);
    current.on('end', () => reconnect());
    current.on('notification', (message) => {
      if (message.channel === PUSH_WORK_CHANNEL) onWake();
    });
    try {
      await current.connect();
      await current.query(`listen ${PUSH_WORK_CHANNEL}`);
      onWake();
    } catch (error) {
      reconnect(error);
    }
  };
  void connect();

  return {
    async stop() {
      stopped = true;
      clearTimeout(retry);
      client?.removeAllListeners();
      client?.on('error', () => undefined);
      await client?.end().catch(() => undefined);
    },
  };
}
