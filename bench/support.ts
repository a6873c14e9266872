import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { startGateway, type RunningGateway } from '../src/app/gateway';
import { loadConfig } from '../src/core/config';
import { runWrk } from './wrk';

/** Credentials of the superuser every bench gateway bootstraps (a scratch database only). */
export const BENCH_ADMIN = { email: 'bench-admin@example.com', password: 'bench-admin-password' };

const defaultServerUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';

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
async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
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

/**
 * A real gateway (migrated at start-up, admin bootstrapped) on a loopback port, quiet logs.
 * `env` overrides configuration, e.g. `{ HEARTBEAT_WRITE_INTERVAL_SECONDS: '5' }`.
 */
export async function startBenchGateway(env: Record<string, string> = {}): Promise<BenchGateway> {
  const database = await scratchDatabase();
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: database.url,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        ADMIN_EMAIL: BENCH_ADMIN.email,
        ADMIN_PASSWORD: BENCH_ADMIN.password,
        ...env,
      }),
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

/** Resident set size of this process (the gateway) in MiB. */
export function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
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

/**
 * Says loudly when any run had failures (non-2xx, connection errors, GraphQL errors) and sets a
 * non-zero exit code; returns true when all runs were clean.
 */
export function checkClean(results: readonly LoadResult[]): boolean {
  const failed = results.filter((r) => r.non2xx > 0 || r.errors > 0 || r.graphqlErrors > 0);
  for (const r of failed) {
    console.error(
      `\n!!! BENCH RUN "${r.label}" HAD FAILURES: ${r.non2xx} non-2xx, ${r.errors} connection errors/timeouts, ${r.graphqlErrors} GraphQL errors. Figures are not valid.`,
    );
  }
  if (failed.length > 0) process.exitCode = 1;
  return failed.length === 0;
}
