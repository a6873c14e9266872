import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../examples/worker/errors';
import type { StoredKey } from '../../examples/worker/key-file';
import { loadWorkerSettings } from '../../examples/worker/settings';
import { runWorker, type Registration } from '../../examples/worker/worker';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';

let gw: TestGateway;
let adminAuth: string;
let projectId: string;
let dir: string;
let keyFile: string;

function settings(env: Record<string, string> = {}) {
  return loadWorkerSettings(
    {
      GATEWAY_URL: gw.url,
      PROJECT_IDS: projectId,
      GATEWAY_EMAIL: ADMIN.email,
      GATEWAY_PASSWORD: ADMIN.password,
      PS_NAME: 'self-provisioned worker',
      KEY_FILE: keyFile,
      REQUEST_MAX_ATTEMPTS: '2',
      ...env,
    },
    'test-host',
  );
}

/** One worker start: provisions or reuses its key, registers, and is stopped once registered. */
async function startAndStop(env: Record<string, string> = {}) {
  const stop = new AbortController();
  const lines: string[] = [];
  let registrations: Registration[] = [];
  await runWorker(settings(env), {
    signal: stop.signal,
    log: { info: (line) => lines.push(line), warn: (line) => lines.push(line) },
    onRegistered: (done) => {
      registrations = done;
      stop.abort();
    },
  });
  return { lines, registrations };
}

async function services() {
  const res = await gw.gql(
    'query ($projectId: ID!) { processingServices(projectId: $projectId) { totalCount edges { node { id name apiKeyPrefix apiKeys { id prefix revokedAt } } } } }',
    { projectId },
    { authorization: adminAuth },
  );
  return res.body.data.processingServices as {
    totalCount: number;
    edges: { node: { id: string; name: string; apiKeyPrefix: string | null; apiKeys: { id: string; prefix: string; revokedAt: string | null }[] } }[];
  };
}

async function storedKey(): Promise<StoredKey> {
  return JSON.parse(await readFile(keyFile, 'utf8')) as StoredKey;
}

beforeAll(async () => {
  gw = await startTestGateway();
  adminAuth = await gw.loginAs(ADMIN.email, ADMIN.password);
  const project = await gw.gql('mutation { createProject(input: { name: "Moths of Vermont" }) { id } }', {}, { authorization: adminAuth });
  projectId = project.body.data.createProject.id;
  dir = await mkdtemp(path.join(tmpdir(), 'worker-provision-'));
  keyFile = path.join(dir, 'worker-key.json');
});

afterAll(async () => {
  await gw?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('self-provisioning with user credentials', () => {
  it('first start: creates its service in the project, generates a key, stores it with mode 0600', async () => {
    const { lines, registrations } = await startAndStop();
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const stored = await storedKey();
    expect(stored.key.startsWith(`${stored.prefix}.`)).toBe(true);
    expect(stored.endpoint).toBe(`${gw.url}/graphql`);

    const list = await services();
    expect(list.totalCount).toBe(1);
    expect(list.edges[0]!.node).toMatchObject({ id: stored.processingServiceId, name: 'self-provisioned worker', apiKeyPrefix: stored.prefix });
    expect(registrations.map((r) => r.pipelines.length)).toEqual([3]);
    expect(lines.some((line) => line.startsWith(`created key ${stored.prefix}`))).toBe(true);
    // The plaintext key is in the file only: not in the worker's own log lines.
    expect(lines.join('\n')).not.toContain(stored.key);
  });

  it('second start: reuses the stored key, no second service', async () => {
    const before = await readFile(keyFile, 'utf8');
    const { lines, registrations } = await startAndStop();
    expect(await readFile(keyFile, 'utf8')).toBe(before);
    expect(lines.some((line) => line.startsWith('reused key'))).toBe(true);
    const list = await services();
    expect(list.totalCount).toBe(1);
    expect(list.edges[0]!.node.apiKeys).toHaveLength(1);
    expect(registrations[0]!.pipelinesCreated).toEqual([]);
  });

  it('a revoked stored key: a new key for the same service, file rewritten with mode 0600', async () => {
    const before = await storedKey();
    const keyId = (await services()).edges[0]!.node.apiKeys[0]!.id;
    const revoked = await gw.gql('mutation ($id: ID!) { revokeKey(id: $id) { revokedAt } }', { id: keyId }, { authorization: adminAuth });
    expect(revoked.body.data.revokeKey.revokedAt).toBeTruthy();

    const { lines } = await startAndStop();
    const after = await storedKey();
    expect(after.processingServiceId).toBe(before.processingServiceId);
    expect(after.prefix).not.toBe(before.prefix);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(lines.some((line) => line.startsWith(`rotated key ${after.prefix}`))).toBe(true);
    const list = await services();
    expect(list.totalCount).toBe(1);
    expect(list.edges[0]!.node.apiKeyPrefix).toBe(after.prefix);
  });

  it('wrong credentials: refused at once with UNAUTHENTICATED, nothing created', async () => {
    const otherFile = path.join(dir, 'never-written.json');
    const error = await startAndStop({ GATEWAY_PASSWORD: 'not-the-password', KEY_FILE: otherFile }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(errorCode(error)).toBe('UNAUTHENTICATED');
    await expect(stat(otherFile)).rejects.toThrow(/ENOENT/);
    expect((await services()).totalCount).toBe(1);
  });

  it('never lets the key reach the gateway logs', async () => {
    const { key } = await storedKey();
    expect(gw.logs.length).toBeGreaterThan(0);
    expect(gw.logs.join('')).not.toContain(key.split('.')[1]);
  });
});
