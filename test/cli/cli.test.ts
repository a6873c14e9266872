import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startGateway } from '../../src/app/gateway';
import { operatorOrigin } from '../../src/audit/audit-origin';
import { system } from '../../src/auth/principal';
import { loadConfig } from '../../src/core/config';
import { openDatabase, type Database } from '../../src/db/database';
import { ProjectAccess } from '../../src/auth/project-access';
import { createServices } from '../../src/app/services';
import { withClient, withDatabase } from '../support/databases';
import { runCapturedCli, type CliRun } from '../support/cli';
import { createTestDatabase, startEmbeddedTestServer, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

function cli(argv: string[], options: { stdin?: string; env?: Record<string, string>; url?: string } = {}): Promise<CliRun> {
  return runCapturedCli(argv, { DATABASE_URL: options.url ?? db.url, ...options.env }, options.stdin);
}

/** A failed run: the exit code, and one line on stderr with the reason. */
function expectOneLineError(run: CliRun, code: number, reason: RegExp): void {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(reason);
}

/** Direct database access for setup and for checking rows; closed before the CLI runs again (PGlite is one session). */
async function withDatabaseOpen<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: db.url, dataDir: 'unused', poolSize: 1 });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return withDatabaseOpen((database) => database.orm.em.fork().getConnection().execute(sql, params));
}

describe('help', () => {
  it('lists every command with its required arguments', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const line of [
      'migrate',
      'users create <email>',
      'projects create <name>',
      'projects add-member <projectId> <email> <role>',
      'keys generate --service <id>',
      'keys revoke <id>',
      'keys list --service <id>',
    ]) {
      expect(run.stdout).toContain(line);
    }
  });

  it('explains each command, and why passwords never come from arguments', async () => {
    const users = await cli(['users', 'create', '--help']);
    expect(users.code).toBe(0);
    expect(users.stdout).toContain('--password-stdin');
    expect(users.stdout).toContain('PSGW_PASSWORD');
    expect(users.stdout).toMatch(/shell history/);
    const keys = await cli(['keys', 'generate', '-h']);
    expect(keys.code).toBe(0);
    expect(keys.stdout).toMatch(/--grace-seconds <N>/);
    expect(keys.stdout).toMatch(/--expires-at <ISO>/);
    const migrate = await cli(['migrate', '--help']);
    expect(migrate.stdout).toMatch(/start-up/);
  });
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [[], /no command/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['users'], /unknown command "users"/],
    [['keys', 'rotate'], /unknown command "keys rotate"/],
    [['projects', 'add-member', '1', 'a@example.org'], /missing <role>/],
    [['projects', 'create'], /missing <name>/],
    [['projects', 'create', 'a', 'b'], /unexpected argument "b"/],
    [['keys', 'list', '--bogus'], /Unknown option '--bogus'/],
    [['keys', 'list'], /missing --service <id>/],
    [['keys', 'revoke', 'seven'], /<id>: must be a positive integer id/],
    [['keys', 'generate', '--service', '1', '--expires-at', 'tomorrow'], /--expires-at: expected an ISO 8601/],
    [['keys', 'generate', '--service', '1', '--expires-at', '2030-01-01T00:00'], /--expires-at: expected an ISO 8601/],
    [['keys', 'generate', '--service', '1', '--grace-seconds', '-5'], /--grace-seconds/],
    [['users', 'create', 'a@example.org'], /no password: .*--password-stdin.*PSGW_PASSWORD/],
    [['users', 'create', 'a@example.org', '--password', 'hunter2hunter2'], /--password is not accepted .*shell history/],
    [['users', 'create', 'a@example.org', '--password=hunter2hunter2'], /--password is not accepted/],
  ])('%j', async (argv, reason) => {
    const run = await cli(argv);
    expectOneLineError(run, 2, reason);
    expect(run.stderr).not.toContain('hunter2');
  });

  it('refuses an empty --password-stdin', async () => {
    expectOneLineError(await cli(['users', 'create', 'a@example.org', '--password-stdin'], { stdin: '\n' }), 2, /empty/);
  });
});

describe('configuration and connection failures exit 1 with one line', () => {
  it('names a bad variable', async () => {
    const run = await cli(['migrate'], { url: 'mysql://x' });
    expectOneLineError(run, 1, /Invalid configuration: DATABASE_URL/);
  });

  it('reports an unreachable database without a stack trace', async () => {
    const run = await cli(['migrate'], { url: 'postgresql://postgres@127.0.0.1:1/none' });
    expectOneLineError(run, 1, /migrate failed unexpectedly: .*ECONNREFUSED/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('migrate', () => {
  it('reports an up-to-date database as such', async () => {
    const run = await cli(['migrate']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/up to date/);
  });

  it('applies every migration to an empty database, once', async () => {
    const source = inject('testDatabase');
    let url: string;
    let drop: () => Promise<unknown>;
    if (source.kind === 'postgres') {
      const name = `psgw_cli_empty_${process.pid}`;
      await withClient(source.adminUrl, (client) => client.query(`create database ${name}`));
      url = withDatabase(source.adminUrl, name);
      drop = () => withClient(source.adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    } else {
      ({ url, drop } = await startEmbeddedTestServer());
    }
    try {
      const first = await cli(['migrate'], { url });
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/^Applied \d+ migration\(s\): Migration\d+_initial/);
      const second = await cli(['migrate'], { url });
      expect(second.stdout).toMatch(/up to date/);
    } finally {
      await drop();
    }
  });
});

describe('users create', () => {
  it('creates a superuser from --password-stdin and stores only an argon2id hash', async () => {
    const run = await cli(['users', 'create', 'Operator@Example.org', '--superuser', '--password-stdin'], {
      stdin: 'stdin-password-123\n',
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Created user \d+ operator@example\.org \(superuser\)\n$/);
    const [user] = await rows<{ is_superuser: boolean; password_hash: string }>(
      'select is_superuser, password_hash from users where email = ?',
      ['operator@example.org'],
    );
    expect(user!.is_superuser).toBe(true);
    expect(user!.password_hash).toMatch(/^\$argon2id\$/);
    expect(user!.password_hash).not.toContain('stdin-password-123');
  });

  it('creates a plain user from PSGW_PASSWORD', async () => {
    const run = await cli(['users', 'create', 'member@example.org'], { env: { PSGW_PASSWORD: 'env-password-456' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Created user \d+ member@example\.org\n$/);
  });

  it('refuses a duplicate email in another case', async () => {
    const run = await cli(['users', 'create', 'MEMBER@example.org'], { env: { PSGW_PASSWORD: 'env-password-456' } });
    expectOneLineError(run, 1, /already exists/);
  });

  it('refuses a malformed email and a short password, naming the argument', async () => {
    expectOneLineError(await cli(['users', 'create', 'not-an-email'], { env: { PSGW_PASSWORD: 'env-password-456' } }), 2, /<email>: is not a valid email/);
    expectOneLineError(await cli(['users', 'create', 'c@example.org'], { env: { PSGW_PASSWORD: 'short' } }), 2, /password: must be 12/);
  });
});

describe('projects', () => {
  let projectId: number;

  it('creates a project owned by an existing user', async () => {
    const run = await cli(['projects', 'create', 'Moths of Vermont', '--description', 'Night traps', '--owner', 'OPERATOR@example.org']);
    expect(run.code).toBe(0);
    const match = /^Created project (\d+) "Moths of Vermont", owner operator@example\.org\n$/.exec(run.stdout);
    expect(match).not.toBeNull();
    projectId = Number(match![1]);
    const [project] = await rows<{ description: string; owner: string }>(
      'select p.description, u.email as owner from projects p join users u on u.id = p.owner_id where p.id = ?',
      [projectId],
    );
    expect(project).toEqual({ description: 'Night traps', owner: 'operator@example.org' });
  });

  it('creates a project without an owner', async () => {
    const run = await cli(['projects', 'create', 'Unowned']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/no owner/);
  });

  it('refuses an unknown owner and writes nothing', async () => {
    expectOneLineError(await cli(['projects', 'create', 'Ghost', '--owner', 'nobody@example.org']), 1, /No user with this email/);
    expect(await rows('select id from projects where name = ?', ['Ghost'])).toEqual([]);
  });

  it('adds a member with a role named in any case, and changes it', async () => {
    const added = await cli(['projects', 'add-member', String(projectId), 'member@example.org', 'ml_data_manager']);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/member@example\.org is now ML_DATA_MANAGER of project \d+/);
    const changed = await cli(['projects', 'add-member', String(projectId), 'member@example.org', 'Researcher']);
    expect(changed.code).toBe(0);
    const memberships = await rows<{ role: string }>(
      'select m.role from project_memberships m join users u on u.id = m.user_id where m.project_id = ? and u.email = ?',
      [projectId, 'member@example.org'],
    );
    expect(memberships).toEqual([{ role: 'RESEARCHER' }]);
  });

  it('refuses an unknown role, listing the valid ones', async () => {
    const run = await cli(['projects', 'add-member', String(projectId), 'member@example.org', 'boss']);
    expectOneLineError(run, 2, /unknown role "boss": use one of BASIC_MEMBER, RESEARCHER, IDENTIFIER, ML_DATA_MANAGER, PROJECT_MANAGER/);
  });

  it('refuses an unknown project or user', async () => {
    expectOneLineError(await cli(['projects', 'add-member', '999999', 'member@example.org', 'RESEARCHER']), 1, /Project not found/);
    expectOneLineError(await cli(['projects', 'add-member', String(projectId), 'nobody@example.org', 'RESEARCHER']), 1, /No user with this email/);
  });
});

describe('keys', () => {
  let serviceId: number;
  beforeAll(async () => {
    serviceId = await withDatabaseOpen(async (database) => {
      const em = database.orm.em.fork();
      const services = createServices(loadConfig({}));
      const service = await services.processingServices.create(em, new ProjectAccess(em, system), { name: 'Moth detector' }, operatorOrigin);
      return service.id;
    });
  });

  it('refuses an unknown service', async () => {
    expectOneLineError(await cli(['keys', 'generate', '--service', '999999']), 1, /Processing service not found/);
    expectOneLineError(await cli(['keys', 'list', '--service', '999999']), 1, /Processing service not found/);
    expectOneLineError(await cli(['keys', 'revoke', '999999']), 1, /API key not found/);
  });

  it('generates keys that authenticate, lists them without secrets, and revokes one', async () => {
    const keyIn = (run: CliRun) => /^key: (\S+)$/m.exec(run.stdout)![1]!;
    const idIn = (run: CliRun) => Number(/^Generated API key (\d+) /.exec(run.stdout)![1]);

    const first = await cli(['keys', 'generate', '--service', String(serviceId)]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/name: +Moth detector key/);
    expect(first.stdout).toMatch(/shown only this once/);
    const second = await cli([
      'keys', 'generate', '--service', String(serviceId), '--name', 'fleet b', '--expires-at', '2099-01-01T00:00:00Z', '--grace-seconds', '600',
    ]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/expires: 2099-01-01T00:00:00Z/);
    const [firstKey, secondKey] = [keyIn(first), keyIn(second)];
    const [firstPrefix, secondPrefix] = [firstKey.split('.')[0]!, secondKey.split('.')[0]!];
    expect(first.stdout).toContain(`prefix:  ${firstPrefix}`);

    const revoked = await cli(['keys', 'revoke', String(idIn(first))]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked API key ${idIn(first)} \\(${firstPrefix}\\) at \\d{4}-`));

    const list = await cli(['keys', 'list', '--service', String(serviceId)]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +PREFIX +STATUS +NAME +CREATED +EXPIRES +REVOKED +LAST USED$/);
    expect(lines[1]).toMatch(new RegExp(`^${idIn(second)} +${secondPrefix} +active +fleet b +\\S+ +2099-01-01T00:00:00Z +- +-$`));
    expect(lines[2]).toMatch(new RegExp(`^${idIn(first)} +${firstPrefix} +revoked +Moth detector key `));
    for (const key of [firstKey, secondKey]) expect(list.stdout).not.toContain(key.split('.')[1]!.slice(0, 12));
    const digests = await rows<{ digest: string }>('select digest from api_keys where processing_service_id = ?', [serviceId]);
    for (const { digest } of digests) expect(list.stdout).not.toContain(digest.replace(/^sha256:/, '').slice(0, 12));

    // The CLI has closed its connections: a gateway on the same database now checks the keys.
    const gateway = await startGateway(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'silent' }));
    try {
      const ask = (key: string) =>
        fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Api-Key ${key}` },
          body: JSON.stringify({ query: '{ viewer { processingService { id name } } }' }),
        });
      const accepted = await ask(secondKey);
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toEqual({ data: { viewer: { processingService: { id: String(serviceId), name: 'Moth detector' } } } });
      const refused = await ask(firstKey);
      expect(refused.status).toBe(401);
    } finally {
      await gateway.stop();
    }
  });
});
