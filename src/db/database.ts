import { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';
import { loadMigrations, migrationNames } from './migrations';
import type { ChannelHandlers } from './notification-listener';
import { ormConfig, type ListeningConnection } from './orm.config';

export interface Database {
  orm: MikroORM;
  /** True when running on the embedded PGlite server (one session, no real concurrency). */
  embedded: boolean;
  /** Is the database answering? Used by /readyz. */
  ping(): Promise<boolean>;
  /**
   * Embedded only: hands each notification of this process's own statements on `channels` to its
   * handler. The embedded server has one session, which hears its own NOTIFY; on a server, replicas
   * hear one another (and themselves) through the notification listener instead.
   */
  hearOwnNotifications?(channels: ChannelHandlers): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseSettings {
  databaseUrl?: string;
  dataDir: string;
  poolSize: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** Connects to DATABASE_URL, or to an embedded PostgreSQL persisted under DATA_DIR when it is unset. */
export async function openDatabase(settings: DatabaseSettings, logger?: Logger): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let clientUrl = settings.databaseUrl;
  if (!clientUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: settings.dataDir });
    clientUrl = embedded.url;
    logger?.info({ dataDir: settings.dataDir }, 'using embedded PostgreSQL (PGlite)');
  }
  let heard: ChannelHandlers = {};
  // The pool may close its one connection when idle: each new one listens again, and is heard.
  const onConnect = async (connection: ListeningConnection) => {
    connection.on('notification', ({ channel, payload }) => heard[channel]?.(payload ?? ''));
    for (const channel of Object.keys(heard)) await connection.query(`listen ${channel}`);
  };
  let orm: MikroORM;
  try {
    orm = await MikroORM.init(
      ormConfig({
        clientUrl,
        poolSize: embedded ? 1 : settings.poolSize,
        onConnect: embedded ? onConnect : undefined,
        // The embedded database runs statements one at a time: a timeout would also count the queue.
        statementTimeoutMs: embedded ? undefined : settings.statementTimeoutMs,
        connectTimeoutMs: settings.connectTimeoutMs,
        logger,
      }),
    );
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return {
    orm,
    embedded: embedded !== undefined,
    ...(embedded && {
      async hearOwnNotifications(channels: ChannelHandlers) {
        heard = channels;
        for (const channel of Object.keys(channels)) await orm.em.getConnection().execute(`listen ${channel}`);
      },
    }),
    async ping() {
      try {
        await orm.em.getConnection().execute('select 1');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await orm.close(true);
      await embedded?.stop();
    },
  };
}

/** Names of the migrations this build has that the database has not recorded as applied. */
async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  const table: string = orm.config.get('migrations').tableName!;
  const connection = orm.em.getConnection();
  const [{ present }] = await connection.execute<{ present: boolean }[]>('select to_regclass(?) is not null as present', [table]);
  if (!present) return [...migrationNames];
  const applied = new Set((await connection.execute<{ name: string }[]>(`select name from ${table}`)).map((row) => row.name));
  return migrationNames.filter((name) => !applied.has(name));
}

/**
 * The ORM's migrator, with this build's migrations. The migrator (and umzug under it) is loaded
 * here rather than at start-up: most starts find nothing to apply and never need it.
 */
async function migratorOf(orm: MikroORM) {
  orm.config.set('migrations', { ...orm.config.get('migrations'), migrationsList: await loadMigrations() });
  return orm.migrator;
}

/** Arbitrary constant naming the migration lock among PostgreSQL advisory locks. */
const MIGRATION_LOCK_ID = 0x7073_6777;

/**
 * Applies pending migrations; returns the names applied. With `exclusive`, replicas starting
 * together on one server take turns under an advisory lock held on a connection of its own (outside
 * the pool, which the migrator needs), so none runs a migration another is applying. The embedded
 * database has one session and one process, so it needs no lock (and could not serve a second
 * connection).
 */
export async function migrate(orm: MikroORM, { exclusive = false } = {}): Promise<string[]> {
  if ((await pendingMigrations(orm)).length === 0) return [];
  const migrator = await migratorOf(orm);
  if (!exclusive) return (await migrator.up()).map((migration) => migration.name);
  const client = orm.em.getKnex().client;
  const lockConnection: { query(sql: string, values: unknown[]): Promise<unknown> } = await client.acquireRawConnection();
  try {
    await lockConnection.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    return (await migrator.up()).map((migration) => migration.name);
  } finally {
    await client.destroyRawConnection(lockConnection);
  }
}
