/**
 * Start-up as a user runs it, `node dist/src/main.js`, from spawning the process to the first 200
 * from /readyz:
 * - cold: the embedded database in a new DATA_DIR (started from the build's migrated template);
 * - warm: the same DATA_DIR again (reopen, nothing to migrate);
 * - on PostgreSQL (a scratch database, or BENCH_DATABASE_URL, migrated by a first start that is not
 *   counted): the time, and the resident memory right after start.
 * Run after `npm run build`: `npm run bench:startup` (ROUNDS=3 by default).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median } from './stats';
import { envNumber, MEMORY_TARGETS, reportTarget, runBench, scratchDatabase, spawnGateway, type SpawnedGateway } from './support';

const rounds = envNumber('ROUNDS', 3);
/** Issue 17's targets, spawn to /readyz 200. */
const TARGET_MS = { cold: 1_500, warm: 800 };

interface Measurement {
  readyMs: number;
  inProcessMs: number;
  rssMiB: number;
}

async function measureOnce(databaseUrl: string | undefined, env: Record<string, string> = {}): Promise<Measurement> {
  const gateway: SpawnedGateway = await spawnGateway(databaseUrl, env);
  try {
    return { readyMs: gateway.readyMs, inProcessMs: gateway.inProcessMs, rssMiB: gateway.rssMiB() };
  } finally {
    await gateway.stop();
  }
}

function report(label: string, runs: Measurement[], targetMs: number): void {
  const ready = runs.map((run) => Math.round(run.readyMs));
  const inProcess = runs.map((run) => Math.round(run.inProcessMs));
  reportTarget(`${label}: median to /readyz 200`, Math.round(median(ready)), { atMost: targetMs, unit: 'ms' }, `(runs ${ready.join(', ')} ms; in-process start-up ${inProcess.join(', ')} ms)`);
}

/** A scratch database with the migrations applied by a first start (not counted), or why there is none. */
async function migratedScratchDatabase(): Promise<Awaited<ReturnType<typeof scratchDatabase>> | string> {
  const database = await scratchDatabase().catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  if (typeof database === 'string') return database;
  await measureOnce(database.url).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return database;
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'psgw-startup-'));
  const database = await migratedScratchDatabase();
  try {
    const cold: Measurement[] = [];
    const warm: Measurement[] = [];
    const postgres: Measurement[] = [];
    for (let round = 0; round < rounds; round++) {
      const dataDir = path.join(root, `data-${round}`);
      cold.push(await measureOnce(undefined, { DATA_DIR: dataDir }));
      warm.push(await measureOnce(undefined, { DATA_DIR: dataDir }));
      if (typeof database !== 'string') postgres.push(await measureOnce(database.url));
    }
    console.log(`ps-gateway start-up, ${rounds} round(s), node ${process.version}`);
    report('cold (new DATA_DIR)', cold, TARGET_MS.cold);
    report('warm (existing DATA_DIR)', warm, TARGET_MS.warm);
    if (typeof database === 'string') {
      console.log(`on PostgreSQL: not measured (${database}); set BENCH_DATABASE_URL or start the local server`);
      return;
    }
    const ready = postgres.map((run) => Math.round(run.readyMs));
    console.log(`on PostgreSQL (migrated): median ${Math.round(median(ready))} ms to /readyz 200 (runs ${ready.join(', ')} ms)`);
    const rss = postgres.map((run) => run.rssMiB);
    reportTarget('on PostgreSQL: median RSS right after start', median(rss), MEMORY_TARGETS.afterStart, `(runs ${rss.join(', ')} MiB)`);
  } finally {
    if (typeof database !== 'string') await database.drop();
    await rm(root, { recursive: true, force: true });
  }
}

runBench('startup benchmark', main);
