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
