import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { withClient, withDatabase } from './databases';

export interface TestDatabase {
  url: string;
  /** False on embedded PGlite: one session, so locking and races cannot be observed. */
  realPostgres: boolean;
  drop(): Promise<void>;
}

/** Why tests that need real concurrency are skipped, or null when they run. */
export function concurrencySkipReason(): string | null {
  const source = inject('testDatabase');
  return source.kind === 'embedded' ? `needs real PostgreSQL: ${source.reason}` : null;
}

/**
 * PGlite behind a loopback socket for the embedded fallback, empty or loaded from a snapshot. Two
 * connections, not the one the gateway's own embedded mode allows: a gateway or CLI given this URL
 * takes it for a server and holds the migration advisory lock on a second connection. That one
 * only locks and unlocks, so PGlite's single session serves both without mixing transactions; the
 * pool itself stays at one connection (DATABASE_POOL_SIZE in gateway.ts).
 */
export async function startEmbeddedTestServer(snapshot?: Blob): Promise<{ url: string; drop(): Promise<void> }> {
  const db = await PGlite.create({ loadDataDir: snapshot });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres`,
    drop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/** An isolated, migrated database for one test file: a clone of the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const source = inject('testDatabase');
  if (source.kind === 'embedded') {
    const embedded = await startEmbeddedTestServer(new Blob([await readFile(source.snapshotFile)]));
    return { ...embedded, realPostgres: false };
  }
  const name = `${source.template.replace('template', 'test')}_${randomBytes(4).toString('hex')}`;
  await withClient(source.adminUrl, async (client) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`create database ${name} template ${source.template}`);
        return;
      } catch (error) {
        // Two files cloning at the same instant can briefly see the template as busy.
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  return {
    url: withDatabase(source.adminUrl, name),
    realPostgres: true,
    drop: () => withClient(source.adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
