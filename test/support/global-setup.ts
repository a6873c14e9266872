import 'reflect-metadata';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { MikroORM } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/database';
import { ormConfig } from '../../src/db/orm.config';
import { defaultAdminUrl, withClient, withDatabase, type TestDatabaseSource } from './databases';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: TestDatabaseSource;
  }
}

async function migrateAt(clientUrl: string): Promise<void> {
  const orm = await MikroORM.init(ormConfig({ clientUrl, poolSize: 1 }));
  try {
    await migrate(orm);
  } finally {
    await orm.close(true);
  }
}

/** Migrates one template database; every test file then clones it (milliseconds, not a migration run). */
async function prepareTemplate(adminUrl: string): Promise<TestDatabaseSource> {
  const template = `psgw_template_${randomBytes(4).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`create database ${template}`));
  await migrateAt(withDatabase(adminUrl, template));
  return { kind: 'postgres', adminUrl, template };
}

/** No PostgreSQL server: migrate an in-memory PGlite once and save its data dir for each file to load. */
async function prepareEmbeddedSnapshot(reason: string): Promise<TestDatabaseSource> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  try {
    await migrateAt(`postgresql://postgres@${server.getServerConn()}/postgres`);
  } finally {
    await server.stop();
  }
  const snapshot = await db.dumpDataDir('none');
  await db.close();
  const dir = await mkdtemp(path.join(tmpdir(), 'psgw-test-'));
  const snapshotFile = path.join(dir, 'template.tar');
  await writeFile(snapshotFile, Buffer.from(await snapshot.arrayBuffer()));
  return { kind: 'embedded', snapshotFile, reason };
}

export default async function setup(project: TestProject) {
  const adminUrl = process.env.TEST_DATABASE_URL || defaultAdminUrl;
  let source: TestDatabaseSource;
  try {
    await withClient(adminUrl, (client) => client.query('select 1'));
    source = await prepareTemplate(adminUrl);
  } catch (error) {
    const reason = `no PostgreSQL at ${new URL(adminUrl).host} (${error instanceof Error ? error.message : error})`;
    if (process.env.CI) throw new Error(`CI must test on real PostgreSQL: ${reason}`);
    console.warn(`\n[tests] ${reason}: running on embedded PGlite; concurrency tests will be skipped.\n`);
    source = await prepareEmbeddedSnapshot(reason);
  }
  project.provide('testDatabase', source);

  return async () => {
    if (source.kind === 'embedded') {
      await rm(path.dirname(source.snapshotFile), { recursive: true, force: true });
      return;
    }
    await withClient(source.adminUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        `select datname from pg_database where datname = $1 or datname like $2`,
        [source.template, `${source.template.replace('template', 'test')}_%`],
      );
      for (const { datname } of rows) await client.query(`drop database if exists ${datname} with (force)`);
    });
  };
}
