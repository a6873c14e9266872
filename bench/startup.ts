/**
 * Start-up time on the embedded database, as a user runs it: `node dist/src/main.js` with no
 * DATABASE_URL, from spawning the process to the first 200 from /readyz.
 * - cold: a new DATA_DIR (PGlite creates the database, then migrations run);
 * - warm: the same DATA_DIR again (reopen, nothing to migrate).
 * Run after `npm run build`: `npm run bench:startup` (ROUNDS=3 by default).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { median } from './stats';

const mainScript = path.join(__dirname, '..', 'src', 'main.js');
const rounds = Number(process.env.ROUNDS ?? 3);
const STARTUP_LIMIT_MS = 120_000;

interface Measurement {
  /** Spawn to first 200 from /readyz. */
  readyMs: number;
  /** What the process itself logs: start of main() to listening. */
  inProcessMs: number;
}

async function measureOnce(dataDir: string): Promise<Measurement> {
  const started = performance.now();
  const child = spawn(process.execPath, [mainScript], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const listening = await new Promise<{ url: string; startupMs: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "listening" log line in time')), STARTUP_LIMIT_MS);
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before listening`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; url?: string; startupMs?: number };
        if (entry.msg === 'ps-gateway listening' && entry.url) {
          clearTimeout(timer);
          resolve({ url: entry.url, startupMs: entry.startupMs ?? NaN });
        }
      });
    });
    for (;;) {
      const response = await fetch(`${listening.url}/readyz`).catch(() => null);
      if (response?.status === 200) break;
      if (performance.now() - started > STARTUP_LIMIT_MS) throw new Error('/readyz never answered 200');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { readyMs: performance.now() - started, inProcessMs: listening.startupMs };
  } finally {
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) console.error(`warning: gateway exited with ${code} after SIGTERM`);
  }
}

/** Issue 17's targets, spawn to /readyz 200. */
const TARGET_MS = { cold: 1_500, warm: 800 };

function report(label: string, runs: Measurement[], targetMs: number): void {
  const ready = runs.map((run) => Math.round(run.readyMs));
  const inProcess = runs.map((run) => Math.round(run.inProcessMs));
  const readyMedian = Math.round(median(ready));
  console.log(
    `${label}: median ${readyMedian} ms to /readyz 200, target <= ${targetMs} ms ${readyMedian <= targetMs ? 'PASS' : 'MISS'} ` +
      `(runs ${ready.join(', ')} ms; in-process start-up ${inProcess.join(', ')} ms)`,
  );
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'psgw-startup-'));
  try {
    const cold: Measurement[] = [];
    const warm: Measurement[] = [];
    for (let round = 0; round < rounds; round++) {
      const dataDir = path.join(root, `data-${round}`);
      cold.push(await measureOnce(dataDir));
      warm.push(await measureOnce(dataDir));
    }
    console.log(`ps-gateway start-up on the embedded database, ${rounds} round(s), node ${process.version}`);
    report('cold (new DATA_DIR)', cold, TARGET_MS.cold);
    report('warm (existing DATA_DIR)', warm, TARGET_MS.warm);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`startup benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
