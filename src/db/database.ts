import { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded';
import { ormConfig } from './orm.config';

export interface Database {
  orm: MikroORM;
  /** True when running on the embedded PGlite server (one session, no real concurrency). */
  embedded: boolean;
  /** Is the database answering? Used by /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface DatabaseSettings {
  databaseUrl?: string;
  dataDir: string;
  poolSize: number;
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
  let orm: MikroORM;
  try {
    orm = await MikroORM.init(ormConfig({ clientUrl, poolSize: embedded ? 1 : settings.poolSize }));
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return {
    orm,
    embedded: embedded !== undefined,
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

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}
