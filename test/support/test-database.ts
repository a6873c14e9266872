import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded';
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

/** An isolated, migrated database for one test file: a clone of the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const source = inject('testDatabase');
  if (source.kind === 'embedded') {
    const snapshot = new Blob([await readFile(source.snapshotFile)]);
    const embedded = await startEmbeddedPostgres({ snapshot });
    return { url: embedded.url, realPostgres: false, drop: () => embedded.stop() };
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
