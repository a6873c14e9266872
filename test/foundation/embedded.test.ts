import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/app/gateway';
import { runCli } from '../../src/cli/cli';
import { loadConfig } from '../../src/core/config';
import { ADMIN } from '../support/gateway';

let dataDir: string;
beforeAll(async () => {
  dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'psgw-embedded-')), 'data');
});
afterAll(() => rm(path.dirname(dataDir), { recursive: true, force: true }));

/** The gateway as `npm start` runs it with no DATABASE_URL: PGlite under DATA_DIR. */
function start(): Promise<RunningGateway> {
  return startGateway(
    loadConfig({ NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password }),
  );
}

async function gql(gateway: RunningGateway, query: string, variables: Record<string, unknown> = {}, authorization?: string) {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

async function loginAdmin(gateway: RunningGateway): Promise<string> {
  const { data } = await gql(gateway, 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
    e: ADMIN.email,
    p: ADMIN.password,
  });
  return `Token ${data.login.token}`;
}

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { DATA_DIR: dataDir, ...env },
  });
  return { code, stdout, stderr };
}

describe('with no DATABASE_URL the gateway runs on the embedded database', () => {
  it('starts on a new folder, is ready, and keeps one process per folder', { timeout: 120_000 }, async () => {
    const gateway = await start();
    try {
      expect(gateway.database.embedded).toBe(true);
      expect(await readdir(dataDir)).toContain('PG_VERSION');
      const ready = await fetch(`${gateway.url}/readyz`);
      expect(ready.status).toBe(200);
      const auth = await loginAdmin(gateway);
      const created = await gql(gateway, 'mutation { createProject(input: { name: "Kept" }) { id } }', {}, auth);
      expect(created.errors).toBeUndefined();

      await expect(start()).rejects.toThrow(/in use by process/);
      const refused = await cli(['migrate']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^error: DATA_DIR .* is in use by process \d+: .*stop the server first\)\n$/);
    } finally {
      await gateway.stop();
    }
  });

  it('keeps the data across a restart on the same folder', { timeout: 120_000 }, async () => {
    const gateway = await start();
    try {
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
      const auth = await loginAdmin(gateway);
      const { data } = await gql(gateway, '{ projects { name } }', {}, auth);
      expect(data.projects).toEqual([{ name: 'Kept' }]);
    } finally {
      await gateway.stop();
    }
  });

  it('lets the CLI use the folder once the server has stopped', { timeout: 120_000 }, async () => {
    const run = await cli(['users', 'create', 'operator@example.org'], { PSGW_PASSWORD: 'operator-password-1' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Created user \d+ operator@example\.org/);
  });
});
