import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface EmbeddedPostgres {
  /** A postgres:// URL on a loopback port, so the normal driver and migrations are used. */
  url: string;
  stop(): Promise<void>;
}

/** Another process holds the embedded database folder open. */
export class DataDirInUseError extends Error {}

/** Data folders this process holds open. */
const openDataDirs = new Set<string>();

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite takes no lock of its own, and two processes writing one folder corrupt it (say, the CLI
 * while the server runs). A pid file refuses the second; one left by a dead process is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = path.join(dataDir, 'ps-gateway.pid');
  for (;;) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: 'wx' });
      openDataDirs.add(dataDir);
      return async () => {
        openDataDirs.delete(dataDir);
        await rm(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    const held = holder === process.pid ? openDataDirs.has(dataDir) : holder > 0 && processIsAlive(holder);
    if (held) {
      throw new DataDirInUseError(
        `DATA_DIR ${dataDir} is in use by process ${holder}: the embedded database serves one process at a time`,
      );
    }
    await rm(lockFile, { force: true });
  }
}

/**
 * Starts PGlite persisted in `dataDir` (or from a saved data-dir snapshot) behind a loopback
 * socket. PGlite is a single session: callers must use a pool of exactly one connection.
 */
export async function startEmbeddedPostgres(options: {
  dataDir?: string;
  snapshot?: Blob;
  /** A new dataDir starts as a copy of the build's migrated template, when there is one. */
  fromTemplate?: boolean;
}): Promise<EmbeddedPostgres> {
  let dataDir: string | undefined;
  let unlock = async () => {};
  if (options.dataDir) {
    dataDir = path.resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    unlock = await lockDataDir(dataDir);
  }
  try {
    if (dataDir && options.fromTemplate !== false && !options.snapshot) {
      const isNew = await access(path.join(dataDir, 'PG_VERSION')).then(() => false, () => true);
      if (isNew) await (await import('./embedded-template')).copyEmbeddedTemplate(dataDir);
    }
    // Loaded here so that a gateway on DATABASE_URL never holds the embedded engine in memory.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create({ dataDir, loadDataDir: options.snapshot });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
    await server.start();
    return {
      url: `postgresql://postgres@${server.getServerConn()}/postgres`,
      async stop() {
        await server.stop();
        await db.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}
