import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { FleetJob, FleetReport } from './fleet-workers';
import { runFleetWithWrk } from './fleet-wrk';
import { envNumber, loadGenerator, reportTarget, runBench, seedKeyedService, startBenchGateway } from './support';

/**
 * Issue 19's fleet figure: `BENCH_WORKERS` simulated workers of one processing service, each
 * with its own user agent and client info, send keyed heartbeats through one gateway on real
 * PostgreSQL, `BENCH_CONCURRENCY` at a time, for `BENCH_SECONDS` after a warm-up of
 * `BENCH_WARMUP_SECONDS`. Prints heartbeats/s, p50/p99 and the database writes per second:
 * write statements the gateway sent (counted on its pool) and rows PostgreSQL wrote
 * (pg_stat_user_tables' inserted, updated and deleted tuples), each next to its target with PASS
 * or MISS. The fleet runs in a process of its own: bench/fleet-workers, or wrk with
 * BENCH_LOAD_GENERATOR=wrk (less CPU taken from the gateway).
 */
const workers = envNumber('BENCH_WORKERS', 10_000);
const concurrency = envNumber('BENCH_CONCURRENCY', 64);
const durationSeconds = envNumber('BENCH_SECONDS', 20);
const warmupSeconds = envNumber('BENCH_WARMUP_SECONDS', 5);

const runFile = promisify(execFile);
const writeStatement = /^\s*(insert|update|delete)\b/i;

async function runFleet(job: FleetJob): Promise<FleetReport> {
  if (loadGenerator === 'wrk') return runFleetWithWrk(job);
  const { stdout } = await runFile(process.execPath, [join(__dirname, 'fleet-workers.js'), JSON.stringify(job)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as FleetReport;
}

/** Rows inserted, updated and deleted in the database so far, as PostgreSQL's statistics say. */
async function rowsWritten(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ total: string }>(
      'select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) as total from pg_stat_user_tables',
    );
    return Number(rows[0]!.total);
  } finally {
    await client.end();
  }
}

// PostgreSQL publishes a backend's table statistics at most about once a second.
const statisticsSettle = () => new Promise((resolve) => setTimeout(resolve, 2_000));

async function main(): Promise<void> {
  const bench = await startBenchGateway();
  try {
    const service = await seedKeyedService(bench, 'fleet');
    const job = (seconds: number): FleetJob => ({ url: bench.url, apiKey: service.key, workers, concurrency, durationSeconds: seconds });
    const databaseUrl = bench.gateway.database.orm.config.getClientUrl();

    console.log(`fleet (${loadGenerator === 'wrk' ? 'wrk' : 'Node'}): ${workers} workers of one service, ${concurrency} concurrent, warm-up ${warmupSeconds} s, measured ${durationSeconds} s`);
    const warmup = await runFleet(job(warmupSeconds));
    await statisticsSettle();

    const knex = bench.gateway.database.orm.em.getKnex();
    let writeStatements = 0;
    const countWrites = (query: { sql: string }) => {
      if (writeStatement.test(query.sql)) writeStatements += 1;
    };
    const rowsBefore = await rowsWritten(databaseUrl);
    knex.on('query', countWrites);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpuBefore = process.cpuUsage();
    const report = await runFleet(job(durationSeconds));
    const cpu = process.cpuUsage(cpuBefore);
    loopDelay.disable();
    knex.off('query', countWrites);
    await statisticsSettle();
    const rows = (await rowsWritten(databaseUrl)) - rowsBefore;

    const perSecond = report.heartbeats / report.seconds;
    const statementsPerSecond = writeStatements / report.seconds;
    console.log(`warm-up: ${Math.round(warmup.heartbeats / warmup.seconds)} heartbeats/s, ${warmup.failures} failures`);
    console.log(`heartbeats: ${report.heartbeats} in ${report.seconds.toFixed(1)} s, statuses ${JSON.stringify(report.statuses)}, failures ${report.failures}`);
    const fleetCpu = report.cpuMicrosPerHeartbeat === undefined ? '' : `, simulated fleet ${report.cpuMicrosPerHeartbeat} µs`;
    console.log(`CPU per heartbeat: gateway ${Math.round((cpu.user + cpu.system) / Math.max(1, report.heartbeats))} µs${fleetCpu}`);
    reportTarget('heartbeats/s', Math.round(perSecond), { atLeast: 3_000, unit: 'heartbeats/s' });
    console.log(`p50: ${report.latencyP50Ms.toFixed(1)} ms`);
    // A stalled event loop (a long flush, a GC pause, the process off its core) shows here.
    const delayMs = (percentile: number) => (loopDelay.percentile(percentile) / 1e6).toFixed(1);
    console.log(`gateway event-loop delay: p50 ${delayMs(50)} ms, p99 ${delayMs(99)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`);
    reportTarget('p99', report.latencyP99Ms, { atMost: 50, unit: 'ms' });
    reportTarget('database write statements/s (one service)', statementsPerSecond, { atMost: 5, unit: 'statements/s' });
    console.log(`database rows written/s (pg_stat_user_tables): ${Math.round(rows / report.seconds)} (a worker's row at most once per write interval)`);

    await bench.gateway.services.heartbeats.flush(bench.gateway.database.orm.em.fork());
    const { processingService } = await bench.gql(
      'query ($id: ID!) { processingService(id: $id) { workers(first: 1000) { identity } } }',
      { id: service.serviceId },
      service.admin,
    );
    const [{ listed }] = await bench.gateway.database.orm.em
      .fork()
      .execute<{ listed: number }[]>('select count(*)::int as listed from processing_service_workers where processing_service_id = ?', [Number(service.serviceId)]);
    // Each run starts at the first worker, so the longer run reached at least this many of them
    // (wrk leaves out the requests still in flight at its end).
    const reached = Math.min(workers, Math.max(warmup.heartbeats, report.heartbeats));
    console.log(`workers recorded: ${listed}, of at least ${reached} that beat; the first page of ProcessingService.workers holds ${processingService.workers.length}`);
    if (listed < reached) {
      console.error(`\n!!! ${reached} WORKERS BEAT BUT ${listed} ARE RECORDED.`);
      process.exitCode = 1;
    }
    if (report.failures > 0 || warmup.failures > 0) {
      console.error('\n!!! THE FLEET SAW FAILURES. Figures are not valid.');
      process.exitCode = 1;
    }
  } finally {
    await bench.close();
  }
}

runBench('bench:fleet', main);
