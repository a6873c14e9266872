import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What a self-provisioned worker keeps between starts. */
export interface StoredKey {
  /** The gateway the key belongs to. */
  endpoint: string;
  processingServiceId: string;
  prefix: string;
  key: string;
  createdAt: string;
}

export class KeyFileError extends Error {}

const ownerOnly = 0o600;
const checksModes = process.platform !== 'win32';

function describeMode(mode: number): string {
  return (mode & 0o777).toString(8).padStart(3, '0');
}

function isStoredKey(value: unknown): value is StoredKey {
  const record = value as Record<string, unknown> | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    ['endpoint', 'processingServiceId', 'prefix', 'key', 'createdAt'].every((field) => typeof record[field] === 'string')
  );
}

/**
 * Reads the key file, or null when there is none. A file other users can read, or one that is
 * not a key file, is refused: the worker never silently uses or replaces it.
 */
export async function readKeyFile(file: string): Promise<StoredKey | null> {
  let text: string;
  try {
    const { mode } = await stat(file);
    if (checksModes && (mode & 0o077) !== 0) {
      throw new KeyFileError(`KEY_FILE ${file} is readable by other users (mode ${describeMode(mode)}); run chmod 600 on it or delete it`);
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!isStoredKey(parsed)) throw new KeyFileError(`KEY_FILE ${file} is not a key file of this worker; delete it to provision again`);
  return parsed;
}

/**
 * Writes the key file readable by its owner only: created with mode 0600 next to its final
 * place, then renamed over it, so no reader ever sees a partial file or a wider mode. The mode
 * is checked after writing.
 */
export async function writeKeyFile(file: string, stored: StoredKey): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: ownerOnly, flag: 'wx', flush: true });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  const { mode } = await stat(file);
  if (checksModes && (mode & 0o777) !== ownerOnly) {
    throw new KeyFileError(`KEY_FILE ${file} was written with mode ${describeMode(mode)} instead of 600`);
  }
}
