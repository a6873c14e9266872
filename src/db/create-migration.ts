import { MikroORM } from '@mikro-orm/postgresql';
import path from 'node:path';
import { loadMigrations } from './migrations';
import { ormConfig } from './orm.config';

/**
 * Writes a migration for the difference between the entities and the committed migrations.
 * Runs against a scratch database: `MIGRATION_DATABASE_URL` (it is dropped and recreated).
 * Usage: npm run migration:create -- <name>
 */
async function main(): Promise<void> {
  const url = process.env.MIGRATION_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/psgw_migration_scratch';
  const base = ormConfig({ clientUrl: url, poolSize: 1 });
  const orm = await MikroORM.init({
    ...base,
    ensureDatabase: true,
    migrations: { ...base.migrations, migrationsList: await loadMigrations(), path: path.resolve(__dirname, '../../../src/db/migrations'), emit: 'ts' },
  });
  try {
    await orm.schema.dropSchema({ wrap: false, dropMigrationsTable: true });
    await orm.migrator.up();
    const result = await orm.migrator.createMigration(undefined, false, false, process.argv[2]);
    console.log(result.fileName ? `wrote ${result.fileName}` : 'no changes');
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
