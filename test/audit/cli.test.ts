import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorOrigin } from '../../src/audit/audit-origin';
import { createServices } from '../../src/app/services';
import { ProjectAccess } from '../../src/auth/project-access';
import { system } from '../../src/auth/principal';
import { loadConfig } from '../../src/core/config';
import { openDatabase } from '../../src/db/database';
import { runCapturedCli } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
let projectId: string;
let otherProjectId: string;
let serviceId: number;

const cli = (argv: string[]) => runCapturedCli(argv, { DATABASE_URL: db.url, PSGW_PASSWORD: 'operator-chosen-password' });

/** The first number after `label` in a CLI line, e.g. the id in "Created project 3". */
const idAfter = (text: string, label: string) => new RegExp(`${label} (\\d+)`).exec(text)![1]!;

beforeAll(async () => {
  db = await createTestDatabase();
  expect((await cli(['users', 'create', 'ana@example.org'])).code).toBe(0);
  projectId = idAfter((await cli(['projects', 'create', 'Moths'])).stdout, 'Created project');
  otherProjectId = idAfter((await cli(['projects', 'create', 'Beetles'])).stdout, 'Created project');
  expect((await cli(['projects', 'add-member', projectId, 'ana@example.org', 'researcher'])).code).toBe(0);
  const database = await openDatabase({ databaseUrl: db.url, dataDir: 'unused', poolSize: 1 });
  try {
    const em = database.orm.em.fork();
    const services = createServices(loadConfig({}));
    serviceId = (await services.processingServices.create(em, new ProjectAccess(em, system), { name: 'Moth detector', projectIds: [Number(projectId)] }, operatorOrigin)).id;
  } finally {
    await database.close();
  }
  expect((await cli(['keys', 'generate', '--service', String(serviceId)])).code).toBe(0);
  const keyId = idAfter((await cli(['keys', 'generate', '--service', String(serviceId)])).stdout, 'Generated API key');
  expect((await cli(['keys', 'revoke', keyId])).code).toBe(0);
});
afterAll(() => db?.drop());

/** The table's rows as [ACTION, ACTOR, ADDRESS, OBJECTS] split on its column gaps. */
function rowsOf(stdout: string): string[][] {
  const [header, ...lines] = stdout.trimEnd().split('\n');
  expect(header).toMatch(/^ID\s+TIME\s+ACTION\s+ACTOR\s+ADDRESS\s+OBJECTS\s+DETAILS\s+USER AGENT$/);
  return lines.map((line) => line.split(/\s{2,}/));
}

describe('audit list', () => {
  it("lists a project's events newest first, the operator as actor", async () => {
    const run = await cli(['audit', 'list', '--project', projectId]);
    expect(run.code).toBe(0);
    const rows = rowsOf(run.stdout);
    expect(rows.map((row) => row[2])).toEqual(['KEY_REVOKED', 'KEY_GENERATED', 'KEY_EXPIRED_BY_ROTATION', 'KEY_GENERATED', 'SERVICE_CREATED', 'MEMBER_ADDED']);
    for (const row of rows) {
      expect(row[1]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(row[3]).toBe('operator (CLI)');
      expect(row[4]).toBe('-');
    }
    expect(rows[0]![5]).toMatch(new RegExp(`^project ${projectId}; service ${serviceId} "Moth detector"; key psk_[0-9A-Za-z]{8}$`));
    expect(rows.at(-1)![5]).toMatch(new RegExp(`^project ${projectId}; user \\d+ ana@example.org$`));
    expect(rows.at(-1)![6]).toBe('{"role":"RESEARCHER"}');
  });

  it('keeps to --limit, filters by --service, and says when there is nothing', async () => {
    const limited = rowsOf((await cli(['audit', 'list', '--project', projectId, '--limit', '2'])).stdout);
    expect(limited.map((row) => row[2])).toEqual(['KEY_REVOKED', 'KEY_GENERATED']);
    const ofService = rowsOf((await cli(['audit', 'list', '--service', String(serviceId)])).stdout);
    expect(ofService.map((row) => row[2])).toEqual(['KEY_REVOKED', 'KEY_GENERATED', 'KEY_EXPIRED_BY_ROTATION', 'KEY_GENERATED', 'SERVICE_CREATED']);
    const everything = rowsOf((await cli(['audit', 'list'])).stdout);
    expect(everything).toHaveLength(6);
    const none = await cli(['audit', 'list', '--project', otherProjectId]);
    expect(none).toMatchObject({ code: 0, stdout: 'No audit events.\n' });
  });

  it('refuses a bad --limit or id with exit code 2', async () => {
    for (const argv of [['--limit', '0'], ['--limit', '101'], ['--limit', 'many'], ['--project', 'x']]) {
      const run = await cli(['audit', 'list', ...argv]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error: --(limit|project)/);
    }
  });
});

describe('audit prune', () => {
  /** Runs SQL straight on the test database, outside the gateway's rules. */
  async function onDatabase<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  const count = () => onDatabase(async (client) => Number((await client.query('select count(*) from audit_events')).rows[0].count));

  it('removes only the events older than the cut-off, and records that it did', async () => {
    await onDatabase((client) =>
      client.query(`insert into audit_events (occurred_at, action, actor_kind, actor_label)
                    values (now() - interval '400 days', 'SERVICE_CREATED', 'OPERATOR', 'operator (CLI)'),
                           (now() - interval '31 days', 'SERVICE_DELETED', 'OPERATOR', 'operator (CLI)'),
                           (now() - interval '29 days', 'SERVICE_UPDATED', 'OPERATOR', 'operator (CLI)')`),
    );
    const before = await count();
    const run = await cli(['audit', 'prune', '--older-than-days', '30']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Removed 2 audit events that occurred before \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\.\n$/);
    expect(await count()).toBe(before - 2 + 1);
    const [newest] = rowsOf((await cli(['audit', 'list', '--limit', '1'])).stdout);
    expect(newest![2]).toBe('AUDIT_PRUNED');
    expect(newest![3]).toBe('operator (CLI)');
    expect(JSON.parse(newest![6]!)).toMatchObject({ deleted: 2, before: expect.stringMatching(/^\d{4}-/) });
    const ages = await onDatabase(async (client) => (await client.query(`select action from audit_events where occurred_at < now() - interval '28 days'`)).rows);
    expect(ages).toEqual([{ action: 'SERVICE_UPDATED' }]);
  });

  it('leaves the trail append-only outside a pruning', async () => {
    await onDatabase(async (client) => {
      await expect(client.query('delete from audit_events')).rejects.toThrow(/append-only/);
      await expect(client.query(`update audit_events set actor_label = 'someone else'`)).rejects.toThrow(/append-only/);
      await client.query('begin');
      await client.query(`select set_config('psgw.audit_prune_before', now()::text, true)`);
      await expect(client.query(`update audit_events set actor_label = 'someone else'`)).rejects.toThrow(/append-only/);
      await client.query('rollback');
    });
    expect(await count()).toBeGreaterThan(0);
  });

  it('refuses a missing or bad --older-than-days with exit code 2, removing nothing', async () => {
    const before = await count();
    for (const argv of [[], ['--older-than-days', '0'], ['--older-than-days', 'soon'], ['--older-than-days', '1.5'], ['--older-than-days', '36501']]) {
      const run = await cli(['audit', 'prune', ...argv]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error: --older-than-days: expected a whole number of days from 1 to 36500/);
    }
    expect(await count()).toBe(before);
  });
});
