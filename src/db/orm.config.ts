import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities';
import { migrationsList } from './migrations';

export interface OrmSettings {
  clientUrl: string;
  poolSize: number;
}

/** MikroORM options for one database. The global EntityManager is off: every unit of work forks. */
export function ormConfig({ clientUrl, poolSize }: OrmSettings): Options {
  return defineConfig({
    clientUrl,
    entities,
    extensions: [Migrator],
    allowGlobalContext: false,
    forceUtcTimezone: true,
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: true, checkDuplicateTableNames: true },
    pool: { min: 0, max: poolSize, idleTimeoutMillis: 30_000 },
    migrations: {
      migrationsList,
      tableName: 'schema_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    debug: false,
  });
}
