import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { migrate, openDatabase, type Database } from '../../src/db/database';
import { migrationNames } from '../../src/db/migrations';
import { withClient, withDatabase } from '../support/databases';
import { concurrencySkipReason } from '../support/test-database';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[migrations] concurrent start-up test skipped: ${skipReason}`);

describe('replicas starting together on an empty database', () => {
  const source = inject('testDatabase');
  const name = `psgw_migrate_${randomBytes(4).toString('hex')}`;
  const replicas: Database[] = [];

  beforeAll(async () => {
    if (skipReason || source.kind !== 'postgres') return;
    await withClient(source.adminUrl, (client) => client.query(`create database ${name}`));
    const url = withDatabase(source.adminUrl, name);
    for (let i = 0; i < 3; i++) replicas.push(await openDatabase({ databaseUrl: url, dataDir: 'unused', poolSize: 2 }));
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    if (source.kind === 'postgres' && !skipReason) {
      await withClient(source.adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    }
  });

  it.skipIf(skipReason)('apply every migration exactly once, without errors', async () => {
    const applied = await Promise.all(replicas.map((replica) => migrate(replica.orm, { exclusive: true })));
    expect(applied.flat().sort()).toEqual([...migrationNames].sort());
    const rows = await replicas[0]!.orm.em.fork().execute('select name from schema_migrations');
    expect(rows).toHaveLength(migrationNames.length);
  });
});
