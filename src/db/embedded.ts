import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface EmbeddedPostgres {
  /** A postgres:// URL on a loopback port, so the normal driver and migrations are used. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite persisted in `dataDir` (or from a saved data-dir snapshot) behind a loopback
 * socket. PGlite is a single session: callers must use a pool of exactly one connection.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; snapshot?: Blob }): Promise<EmbeddedPostgres> {
  let dataDir: string | undefined;
  if (options.dataDir) {
    dataDir = path.resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
  }
  const db = await PGlite.create({ dataDir, loadDataDir: options.snapshot });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
  await server.start();
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
