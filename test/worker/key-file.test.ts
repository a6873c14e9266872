import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyFileError, readKeyFile, writeKeyFile, type StoredKey } from '../../examples/worker/key-file';

const stored: StoredKey = {
  endpoint: 'http://127.0.0.1:4000/graphql',
  processingServiceId: '12',
  prefix: 'psk_ABCD',
  key: 'psk_ABCD.secret-part',
  createdAt: '2026-11-25T10:00:00.000Z',
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'worker-key-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the key file is readable by its owner only', () => {
  it('is written with mode 0600, even under a permissive umask, and read back', async () => {
    const file = path.join(dir, 'nested', 'key.json');
    const previous = process.umask(0o000);
    try {
      await writeKeyFile(file, stored);
    } finally {
      process.umask(previous);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readKeyFile(file)).toEqual(stored);
  });

  it('replaces an existing file atomically and keeps the mode', async () => {
    const file = path.join(dir, 'replaced.json');
    await writeKeyFile(file, stored);
    await writeKeyFile(file, { ...stored, prefix: 'psk_EFGH', key: 'psk_EFGH.other' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).prefix).toBe('psk_EFGH');
  });

  it('is missing: null, so the worker provisions', async () => {
    expect(await readKeyFile(path.join(dir, 'absent.json'))).toBeNull();
  });

  it('refuses a file other users can read', async () => {
    const file = path.join(dir, 'open.json');
    await writeFile(file, JSON.stringify(stored));
    await chmod(file, 0o644);
    await expect(readKeyFile(file)).rejects.toThrow(KeyFileError);
    await expect(readKeyFile(file)).rejects.toThrow(/readable by other users \(mode 644\)/);
  });

  it('refuses a file that is not a key file', async () => {
    const file = path.join(dir, 'garbage.json');
    await writeFile(file, '{"key": 1}', { mode: 0o600 });
    await expect(readKeyFile(file)).rejects.toThrow(/not a key file/);
  });
});
