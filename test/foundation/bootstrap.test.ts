import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withClient, withDatabase } from '../support/databases';
import { buildGateway, spawnGateway } from '../support/processes';
import { concurrencySkipReason } from '../support/test-database';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[bootstrap] replicas-starting-together test skipped: ${skipReason}`);

const ADMIN_EMAIL = 'replica-admin@example.com';
const TRIALS = 4;

describe('two replicas starting together with ADMIN_EMAIL on a database without users', () => {
  const source = inject('testDatabase');
  let build: Awaited<ReturnType<typeof buildGateway>> | undefined;

  beforeAll(async () => {
    if (!skipReason) build = await buildGateway();
  }, 120_000);
  afterAll(() => build?.remove());

  it.skipIf(skipReason)(
    'both start, and exactly one superuser exists',
    async () => {
      if (source.kind !== 'postgres' || !build) throw new Error('needs real PostgreSQL');
      for (let trial = 1; trial <= TRIALS; trial++) {
        const name = `psgw_bootstrap_${randomBytes(4).toString('hex')}`;
        // Odd trials start on an empty database (both replicas migrate it), even ones on a migrated one.
        const template = trial % 2 === 0 ? ` template ${source.template}` : '';
        await withClient(source.adminUrl, (client) => client.query(`create database ${name}${template}`));
        const url = withDatabase(source.adminUrl, name);
        const env = { DATABASE_URL: url, ADMIN_EMAIL, ADMIN_PASSWORD: 'replica-password-123', NODE_ENV: 'production', DATABASE_POOL_SIZE: '2' };
        const replicas = [spawnGateway(build.mainJs, env), spawnGateway(build.mainJs, env)];
        try {
          const outcomes = await Promise.all(replicas.map((replica) => replica.started));
          for (const outcome of outcomes) expect(outcome, `trial ${trial}: ${JSON.stringify(outcome)}`).toMatchObject({ listening: true });
          const { rows } = await withClient(url, (client) =>
            client.query<{ email: string; is_superuser: boolean }>('select email, is_superuser from users'),
          );
          expect(rows, `trial ${trial}`).toEqual([{ email: ADMIN_EMAIL, is_superuser: true }]);
        } finally {
          await Promise.all(replicas.map((replica) => replica.stop()));
          await withClient(source.adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
        }
      }
    },
    120_000,
  );
});
