import { defineConfig, type Options } from '@mikro-orm/postgresql';
import pino, { type Logger } from 'pino';
import { createLogger } from '../core/logger';
import { entities } from './entities';

export interface OrmSettings {
  clientUrl: string;
  poolSize: number;
  /** Server-side limit on one statement; unset leaves the server's own. */
  statementTimeoutMs?: number;
  /** Limit on opening a connection and on waiting for a pooled one, so a lost database fails fast. */
  connectTimeoutMs?: number;
  /** Where the driver's own warnings go (e.g. a pooled connection the server dropped); else JSON on stderr. */
  logger?: Logger;
  /** Runs on every new pooled connection before it is used. */
  onConnect?: (connection: ListeningConnection) => Promise<void>;
}

/** What `onConnect` is given of a pooled driver connection. */
export interface ListeningConnection {
  query(sql: string): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
}

/** knex's logger interface, writing JSON through pino instead of plain lines to the console. */
function driverLog(logger: Logger) {
  const driver = logger.child({ component: 'database-driver' });
  return {
    warn: (message: unknown) => driver.warn(String(message)),
    error: (message: unknown) => driver.error(String(message)),
    deprecate: (method: unknown, alternative: unknown) => driver.warn(`${String(method)} is deprecated, use ${String(alternative)}`),
    debug: (message: unknown) => driver.debug(String(message)),
  };
}

/** MikroORM options for one database. The global EntityManager is off: every unit of work forks. */
export function ormConfig({ clientUrl, poolSize, statementTimeoutMs, connectTimeoutMs, logger, onConnect }: OrmSettings): Options {
  return defineConfig({
    clientUrl,
    entities,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: true, checkDuplicateTableNames: true },
    pool: {
      min: 0,
      max: poolSize,
      idleTimeoutMillis: 30_000,
      ...(connectTimeoutMs ? { acquireTimeoutMillis: connectTimeoutMs } : {}),
      ...(onConnect && {
        afterCreate: (connection: ListeningConnection, done: (error: unknown, connection: ListeningConnection) => void) => {
          onConnect(connection).then(
            () => done(null, connection),
            (error: unknown) => done(error, connection),
          );
        },
      }),
    },
    // The migrator and the migrations are loaded only when one is pending (see `migrate`).
    migrations: {
      tableName: 'schema_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    debug: false,
    driverOptions: {
      connection: {
        ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}),
        ...(connectTimeoutMs ? { connectionTimeoutMillis: connectTimeoutMs } : {}),
      },
      log: driverLog(logger ?? createLogger('warn', pino.destination({ fd: 2, sync: true }))),
    },
  });
}
