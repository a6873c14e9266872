import 'reflect-metadata';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startGateway, type RunningGateway } from '../src/app/gateway';
import { loadConfig } from '../src/core/config';
import { median } from './stats';
import { runWrk } from './wrk';

/**
 * The benchmarks' shared harness: a gateway in this process (`startBenchGateway`) or in a process
 * of its own (`spawnGateway`), load runs in another process (`runLoad`), cases alternated in rounds
 * (`alternateRounds`), and each figure printed next to its target with PASS or MISS (`reportTarget`).
 */

/** Credentials of the superuser every bench gateway bootstraps (a scratch database only). */
export const BENCH_ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };

const defaultServerUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A numeric setting from the environment (`BENCH_SECONDS` and the like), else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, not "${raw}"`);
  return value;
}

export interface BenchGateway {
  gateway: RunningGateway;
  url: string;
  /** POSTs one GraphQL operation; throws on HTTP errors or GraphQL errors. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T>;
  /** Logs in as the bootstrapped superuser and returns an Authorization header value. */
  loginAdmin(): Promise<string>;
  /** Stops the gateway and drops the scratch database (if this run created it). */
  close(): Promise<void>;
}

async function withServer<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** BENCH_DATABASE_URL, or a fresh `psgw_bench_<random>` database on the local server that `drop` removes. */
export async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, drop: async () => {} };
  const name = `psgw_bench_${randomBytes(4).toString('hex')}`;
  await withServer(defaultServerUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(defaultServerUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withServer(defaultServerUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** What every bench gateway runs with, in-process or spawned: production, loopback, quiet logs. */
const benchEnvironment = () => ({ NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });

/**
 * A real gateway (migrated at start-up, admin bootstrapped) on a loopback port, quiet logs.
 * `env` overrides configuration, e.g. `{ HEARTBEAT_WRITE_INTERVAL_SECONDS: '5' }`.
 */
export async function startBenchGateway(env: Record<string, string> = {}): Promise<BenchGateway> {
  const database = await scratchDatabase();
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(
      loadConfig({ ...benchEnvironment(), DATABASE_URL: database.url, ADMIN_EMAIL: BENCH_ADMIN.email, ADMIN_PASSWORD: BENCH_ADMIN.password, ...env }),
    );
  } catch (error) {
    await database.drop();
    throw error;
  }
  const url = `${gateway.url}/graphql`;

  const gql = async <T = any>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (!response.ok || body.errors || !body.data) {
      const codes = body.errors?.map((e) => `${e.extensions?.code ?? '?'}: ${e.message}`).join('; ');
      throw new Error(`GraphQL request failed (HTTP ${response.status}): ${codes ?? 'no data'}`);
    }
    return body.data;
  };

  return {
    gateway,
    url,
    gql,
    async loginAdmin() {
      const data = await gql<{ login: { token: string } }>(
        'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
        BENCH_ADMIN,
      );
      return `Token ${data.login.token}`;
    },
    async close() {
      try {
        await gateway.stop();
      } finally {
        await database.drop();
      }
    },
  };
}

/** What most scenarios start from: a project, a pull-mode service in it and that service's key. */
export interface KeyedService {
  admin: Record<string, string>;
  projectId: string;
  serviceId: string;
  key: string;
}

/** Creates a project, a processing service linked to it and a key for it, as the superuser. */
export async function seedKeyedService(bench: BenchGateway, name = 'bench worker'): Promise<KeyedService> {
  const admin = { authorization: await bench.loginAdmin() };
  const { createProject } = await bench.gql('mutation { createProject(input: { name: "bench" }) { id } }', {}, admin);
  const { createProcessingService } = await bench.gql(
    'mutation ($name: String!, $projectId: ID!) { createProcessingService(input: { name: $name, projectIds: [$projectId] }) { id } }',
    { name, projectId: createProject.id },
    admin,
  );
  const { generateKey } = await bench.gql('mutation ($id: ID!) { generateKey(processingServiceId: $id) { key } }', { id: createProcessingService.id }, admin);
  return { admin, projectId: createProject.id, serviceId: createProcessingService.id, key: generateKey.key };
}

/** A gateway in a process of its own, as a user runs it (`node dist/src/main.js`). */
export interface SpawnedGateway {
  url: string;
  /** What the process itself logs: start of main() to listening. */
  inProcessMs: number;
  /** Spawn to the first 200 from /readyz. */
  readyMs: number;
  /** Resident set size of the gateway process now. */
  rssMiB(): number;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

const mainScript = join(__dirname, '..', 'src', 'main.js');
const SPAWN_LIMIT_MS = 120_000;

/**
 * Spawns the compiled gateway (no admin bootstrap) on `databaseUrl`, or on the embedded database
 * under `env.DATA_DIR`, and waits for /readyz to answer 200.
 */
export async function spawnGateway(databaseUrl: string | undefined, env: Record<string, string> = {}): Promise<SpawnedGateway> {
  const started = performance.now();
  const child = spawn(process.execPath, [mainScript], {
    env: { PATH: process.env.PATH, ...benchEnvironment(), LOG_LEVEL: 'info', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    const code = await exited;
    if (code !== 0) console.error(`warning: gateway exited with ${code} after SIGTERM`);
  };
  try {
    const listening = await new Promise<{ url: string; startupMs: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "listening" log line in time')), SPAWN_LIMIT_MS);
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
      if (performance.now() - started > SPAWN_LIMIT_MS) throw new Error('/readyz never answered 200');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const readyMs = performance.now() - started;
    return { url: listening.url, inProcessMs: listening.startupMs, readyMs, rssMiB: () => processRssMiB(child.pid!), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface LoadOptions {
  label: string;
  /** Must be a loopback URL: the bench never loads another host. */
  url: string;
  body: string;
  headers?: Record<string, string>;
  /** 1 to 200 (default 20). */
  connections?: number;
  /** 1 to 120 seconds (default 5). */
  durationSeconds?: number;
}

/** What a load generator is given: one POST body, sent over and over. */
export interface LoadJob {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationSeconds: number;
}

/** What a load generator reports of one run. */
export interface LoadReport {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  requests: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** 2xx responses whose body carried GraphQL errors. */
  graphqlErrors: number;
}

export interface LoadResult extends LoadReport {
  label: string;
  /** CPU time of the gateway (this process; the load generator runs in another) per request, in µs. */
  cpuMicrosPerRequest: number;
}

/**
 * BENCH_LOAD_GENERATOR: `autocannon` (the default; an npm dependency, always there) or `wrk`
 * (Debian's package `wrk`). autocannon, in JavaScript, needs about as much CPU as the gateway, so
 * on a small machine it caps the cheapest cases: here it sent anonymous `{ __typename }` about 6%
 * slower than wrk while keyed heartbeats ran at the same rate under both.
 */
export const loadGenerator = process.env.BENCH_LOAD_GENERATOR ?? 'autocannon';
if (loadGenerator !== 'autocannon' && loadGenerator !== 'wrk') throw new Error('BENCH_LOAD_GENERATOR must be autocannon or wrk');

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
const runFile = promisify(execFile);

/** One autocannon run, in bench/load-generator's process. */
async function runAutocannon(job: LoadJob): Promise<LoadReport> {
  const { stdout } = await runFile(process.execPath, [join(__dirname, 'load-generator.js'), JSON.stringify(job)]);
  return JSON.parse(stdout) as LoadReport;
}

/**
 * Runs the load generator, in a process of its own, against one POST body; a 2xx response whose
 * body holds `"errors"` counts as a GraphQL error.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { hostname } = new URL(options.url);
  if (!loopbackHosts.has(hostname)) throw new Error(`bench targets loopback only, not ${hostname}`);
  const connections = options.connections ?? 20;
  const durationSeconds = options.durationSeconds ?? 5;
  if (!(connections >= 1 && connections <= 200)) throw new Error('connections must be 1 to 200');
  if (!(durationSeconds >= 1 && durationSeconds <= 120)) throw new Error('durationSeconds must be 1 to 120');
  const job: LoadJob = { url: options.url, body: options.body, headers: options.headers ?? {}, connections, durationSeconds };
  const cpuBefore = process.cpuUsage();
  const result = await (loadGenerator === 'wrk' ? runWrk(job) : runAutocannon(job));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    label: options.label,
    ...result,
    cpuMicrosPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, result.requests)),
  };
}

/**
 * Runs every case once per round, `rounds` times, rotating the order each round, so a burst from
 * other processes on this shared machine skews one round of one case rather than a whole case.
 */
export async function alternateRounds<Case extends string>(
  cases: readonly Case[],
  rounds: number,
  run: (which: Case, round: number) => Promise<LoadResult>,
): Promise<Record<Case, LoadResult[]>> {
  const results = Object.fromEntries(cases.map((which) => [which, [] as LoadResult[]])) as Record<Case, LoadResult[]>;
  for (let round = 0; round < rounds; round++) {
    const shift = round % cases.length;
    for (const which of [...cases.slice(shift), ...cases.slice(0, shift)]) results[which].push(await run(which, round));
  }
  return results;
}

const toMiB = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Resident set size of this process (the gateway, for `startBenchGateway`) in MiB. */
export function rssMiB(): number {
  return toMiB(process.memoryUsage().rss);
}

/** Resident set size of another process (a spawned gateway) in MiB, from /proc. */
export function processRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((text) => text.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return toMiB(Number(line.replace(/\D+/g, '')) * 1024);
}

/** Prints rows as an aligned text table. */
export function printTable(rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '')));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((value, i) => value.padStart(widths[i]!)).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) console.log(line(row));
}

/** Whole numbers, except rates below 100 per second, which get one decimal. */
export const formatRate = (perSecond: number) => (perSecond < 100 ? perSecond.toFixed(1) : String(Math.round(perSecond)));

/** One row per round and case, in the order they ran. */
export function printRounds<Case extends string>(results: Record<Case, LoadResult[]>): void {
  const cases = Object.keys(results) as Case[];
  const rounds = Math.max(...cases.map((which) => results[which].length));
  printTable(
    Array.from({ length: rounds }, (_, round) => cases.flatMap((which) => results[which][round] ?? [])).flatMap((row, round) =>
      row.map((r) => ({
        round: round + 1,
        run: r.label,
        'req/s': formatRate(r.requestsPerSecond),
        'p50 ms': r.latencyP50Ms,
        'p99 ms': r.latencyP99Ms,
        'gateway cpu µs/req': r.cpuMicrosPerRequest,
        requests: r.requests,
        non2xx: r.non2xx,
        errors: r.errors + r.graphqlErrors,
      })),
    ),
  );
}

/** The median of each case's rounds: req/s, p50 latency and gateway CPU per request. */
export function printMedians<Case extends string>(results: Record<Case, LoadResult[]>): void {
  printTable(
    (Object.entries(results) as [Case, LoadResult[]][]).map(([, runs]) => ({
      case: runs[0]?.label ?? '',
      'median req/s': formatRate(median(runs.map((r) => r.requestsPerSecond))),
      'median p50 ms': median(runs.map((r) => r.latencyP50Ms)),
      'median gateway cpu µs/req': median(runs.map((r) => r.cpuMicrosPerRequest)),
    })),
  );
}

/** A bound on a figure, in `unit` (empty for a ratio). */
export type Target = { atMost: number; unit: string } | { atLeast: number; unit: string };

/**
 * Prints `label: <value> <unit>, target <= <bound> <unit> PASS|MISS`, with `detail` after it; a
 * MISS sets a non-zero exit code. Returns whether the target was met.
 */
export function reportTarget(label: string, value: number, target: Target, detail = ''): boolean {
  const met = 'atMost' in target ? value <= target.atMost : value >= target.atLeast;
  const bound = 'atMost' in target ? `<= ${target.atMost}` : `>= ${target.atLeast}`;
  const unit = target.unit ? ` ${target.unit}` : '';
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
  console.log(`${label}: ${shown}${unit}, target ${bound}${unit} ${met ? 'PASS' : 'MISS'}${detail ? ` ${detail}` : ''}`);
  if (!met) process.exitCode = 1;
  return met;
}

/** Issue 17's memory targets for a gateway on PostgreSQL in production. */
export const MEMORY_TARGETS = {
  afterStart: { atMost: 120, unit: 'MiB' },
  afterApiLoad: { atMost: 250, unit: 'MiB' },
} satisfies Record<string, Target>;

/**
 * Says loudly when any run had failures (non-2xx, connection errors, GraphQL errors) or completed
 * no request, and sets a non-zero exit code; returns true when all runs were clean.
 */
export function checkClean(results: readonly LoadResult[]): boolean {
  const failed = results.filter((r) => r.non2xx > 0 || r.errors > 0 || r.graphqlErrors > 0);
  for (const r of failed) {
    console.error(
      `\n!!! BENCH RUN "${r.label}" HAD FAILURES: ${r.non2xx} non-2xx, ${r.errors} connection errors/timeouts, ${r.graphqlErrors} GraphQL errors. Figures are not valid.`,
    );
  }
  const empty = results.filter((r) => r.requests === 0);
  for (const r of empty) console.error(`\n!!! BENCH RUN "${r.label}" COMPLETED NO REQUESTS. Figures are not valid.`);
  if (failed.length > 0 || empty.length > 0) process.exitCode = 1;
  return failed.length === 0 && empty.length === 0;
}

/** Runs a bench's main, printing a failure as one line and exiting non-zero. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
