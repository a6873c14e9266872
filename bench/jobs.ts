import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { describeWorker, userAgent } from '../examples/worker/client-info';
import { HeartbeatDocument } from '../examples/worker/generated/graphql';
import { loadJobs } from '../src/jobs/job.service';
import type { WorkerJob, WorkerReport } from './jobs-workers';
import { median } from './stats';
import { checkClean, envNumber, loadGenerator, printTable, reportTarget, runBench, runLoad, seedKeyedService, startBenchGateway, type BenchGateway } from './support';

/**
 * The job loop's acceptance figures, in one run on one gateway on real PostgreSQL:
 * - the drain: BENCH_WORKERS concurrent workers (their own process) lease batches of BENCH_BATCH and
 *   submit results of 5 detections x 2 classifications x 10 scores until a job of BENCH_JOB_TASKS
 *   tasks is empty; tasks/s, the gateway's CPU per task, and the CPU of the database backends serving the
 *   gateway's pool (read from /proc, so it counts only this database's connections) per task;
 * - the keyed heartbeat, exactly as the example worker sends it, right after, for its req/s and its
 *   gateway CPU per request;
 * - reading the progress of a job of a hundred thousand tasks: the counters plus the partial index of leased
 *   tasks (what the gateway does) next to a GROUP BY over every task of the job with a covering
 *   index, which is the alternative the counters replace.
 * Targets: TARGET_TASKS_PER_SECOND, and gateway CPU per task below one keyed heartbeat's.
 */
const jobTasks = envNumber('BENCH_JOB_TASKS', 20_000);
const workers = envNumber('BENCH_WORKERS', 8);
const batchSize = envNumber('BENCH_BATCH', 24);
const TARGET_TASKS_PER_SECOND = 1_000;
const runFile = promisify(execFile);
const ticksPerSecond = 100;

async function seedJob(bench: BenchGateway, admin: Record<string, string>, key: string, projectId: string, tasks: number) {
  const pipelineSlug = `bench-${tasks}-${Date.now()}`;
  const detector = `${pipelineSlug}-det`;
  const classifier = `${pipelineSlug}-cls`;
  await bench.gql(
    'mutation ($projectId: ID!, $pipelines: [PipelineConfigInput!]!) { registerPipelines(projectId: $projectId, pipelines: $pipelines) { success } }',
    {
      projectId,
      pipelines: [
        {
          name: pipelineSlug,
          slug: pipelineSlug,
          version: 1,
          algorithms: [
            { name: 'detector', key: detector, taskType: 'DETECTION' },
            { name: 'classifier', key: classifier, taskType: 'CLASSIFICATION', categoryMap: { labels: ['a'], data: [{ index: 0 }] } },
          ],
        },
      ],
    },
    { authorization: `Api-Key ${key}` },
  );
  const { createJob } = await bench.gql(
    'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }',
    { input: { projectId, pipelineSlug, name: `bench ${tasks}` } },
    admin,
  );
  // Seeded in SQL: a job's images go in through addJobImages 1,000 at a time, which is not what is measured.
  await bench.gateway.database.orm.em.fork().getConnection().execute(
    `with added as (
       insert into tasks (job_id, image_id, image_url)
       select ?, 'img-' || g, 'https://images.example.org/' || g || '.jpg' from generate_series(1, ?) g returning 1)
     update jobs set tasks_total = (select count(*) from added) where id = ?`,
    [Number(createJob.id), tasks, Number(createJob.id)],
  );
  return { jobId: createJob.id as string, pipelineSlug, detector, classifier };
}

/** CPU seconds (user + system) of each backend process serving this database. */
async function backendCpu(bench: BenchGateway): Promise<Map<number, number>> {
  const rows: { pid: number }[] = await bench.gateway.database.orm.em
    .fork()
    .getConnection()
    .execute('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) / ticksPerSecond);
    } catch {
      // The backend ended between the query and the read.
    }
  }
  return cpu;
}

function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

async function timeQuery(bench: BenchGateway, sql: string, params: unknown[], runs = 20): Promise<number> {
  const connection = bench.gateway.database.orm.em.fork().getConnection();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await connection.execute(sql, params);
    times.push(performance.now() - started);
  }
  return median(times);
}

async function main(): Promise<void> {
  const bench = await startBenchGateway();
  try {
    const { admin, projectId, key } = await seedKeyedService(bench, 'bench fleet');

    // Warm-up: a small job drained the same way, so the measured run does not pay for JIT and the ORM's first queries.
    const warmup = await seedJob(bench, admin, key, projectId, 2_000);
    const runWorkers = async (seeded: Awaited<ReturnType<typeof seedJob>>) => {
      const job: WorkerJob = { url: bench.url, apiKey: key, ...seeded, workers, batchSize, maxSeconds: 120 };
      const { stdout } = await runFile(process.execPath, [join(__dirname, 'jobs-workers.js'), JSON.stringify(job)], { maxBuffer: 1 << 20 });
      return JSON.parse(stdout) as WorkerReport;
    };
    await runWorkers(warmup);

    const measured = await seedJob(bench, admin, key, projectId, jobTasks);
    const dbBefore = await backendCpu(bench);
    const cpuBefore = process.cpuUsage();
    const drain = await runWorkers(measured);
    const cpu = process.cpuUsage(cpuBefore);
    const dbSeconds = cpuSpent(dbBefore, await backendCpu(bench));
    const gatewaySeconds = (cpu.user + cpu.system) / 1e6;
    const [state] = await loadJobs(bench.gateway.database.orm.em.fork(), [Number(measured.jobId)]);

    const heartbeat = await runLoad({
      label: 'heartbeat (Api-Key), as the worker sends it',
      url: bench.url,
      body: JSON.stringify({ query: print(HeartbeatDocument), variables: { clientInfo: describeWorker() } }),
      headers: { authorization: `Api-Key ${key}`, 'user-agent': userAgent() },
      connections: 20,
      durationSeconds: 5,
    });

    const tasksPerSecond = drain.tasks / drain.seconds;
    const gatewayMicrosPerTask = (gatewaySeconds * 1e6) / drain.tasks;
    const dbMicrosPerTask = (dbSeconds * 1e6) / drain.tasks;
    console.log(`load generator for the heartbeat: ${loadGenerator}; ${workers} workers, batches of ${batchSize}, results of 5 detections x 2 classifications x 10 scores`);
    printTable([
      {
        run: `drain ${jobTasks} tasks`,
        tasks: drain.tasks,
        seconds: drain.seconds.toFixed(1),
        'tasks/s': Math.round(tasksPerSecond),
        'gateway cpu µs/task': Math.round(gatewayMicrosPerTask),
        'db cpu µs/task': Math.round(dbMicrosPerTask),
        'db share of cpu': `${Math.round((100 * dbSeconds) / (dbSeconds + gatewaySeconds))}%`,
        duplicates: drain.duplicates,
        refused: drain.refused,
      },
    ]);
    console.log('');
    printTable([
      {
        run: heartbeat.label,
        'req/s': Math.round(heartbeat.requestsPerSecond),
        'p99 ms': heartbeat.latencyP99Ms,
        'gateway cpu µs/req': heartbeat.cpuMicrosPerRequest,
      },
    ]);
    console.log('');
    reportTarget('tasks/s', Math.round(tasksPerSecond), { atLeast: TARGET_TASKS_PER_SECOND, unit: '' });
    reportTarget("gateway cpu per task, against one keyed heartbeat's", Math.round(gatewayMicrosPerTask), { atMost: heartbeat.cpuMicrosPerRequest, unit: 'µs' });
    console.log(`job after the drain: ${state?.status}, ${JSON.stringify(state?.progress)}`);

    // A large job mid-way: most tasks done, some leased (half of those expired), the rest queued.
    const big = await seedJob(bench, admin, key, projectId, 100_000);
    const connection = bench.gateway.database.orm.em.fork().getConnection();
    const bigId = Number(big.jobId);
    await connection.execute(
      `update tasks set state = case when id % 50 = 0 then 'LEASED' when id % 5 < 3 then 'DONE' else 'QUEUED' end,
              lease_expires_at = case when id % 50 = 0 then now() + (case when id % 100 = 0 then interval '-1 minute' else interval '5 minutes' end) end,
              attempts = case when id % 50 = 0 then 1 else 0 end
        where job_id = ?`,
      [bigId],
    );
    await connection.execute(
      `update jobs set tasks_done = (select count(*) from tasks where job_id = ? and state = 'DONE') where id = ?`,
      [bigId, bigId],
    );
    await connection.execute('create index bench_tasks_state_index on tasks (job_id, state) include (lease_expires_at, attempts)');
    await connection.execute('vacuum analyze tasks');
    const em = bench.gateway.database.orm.em.fork();
    const counterTimes: number[] = [];
    for (let run = 0; run < 20; run++) {
      const started = performance.now();
      await loadJobs(em, [bigId]);
      counterTimes.push(performance.now() - started);
    }
    const counters = median(counterTimes);
    const aggregate = await timeQuery(
      bench,
      `select count(*) filter (where state = 'QUEUED' or (state = 'LEASED' and lease_expires_at <= now())) as queued,
              count(*) filter (where state = 'LEASED' and lease_expires_at > now()) as leased,
              count(*) filter (where state = 'DONE') as done, count(*) filter (where state = 'FAILED') as failed
         from tasks where job_id = ?`,
      [bigId],
    );
    const [check] = await loadJobs(bench.gateway.database.orm.em.fork(), [bigId]);
    console.log(
      `\nprogress of one job of 100,000 tasks (median of 20 reads): counters + partial index of leased tasks ${counters.toFixed(2)} ms; ` +
        `aggregate over every task with a covering index ${aggregate.toFixed(2)} ms (${JSON.stringify(check?.progress)})`,
    );
    console.log('the machine is shared: figures move from run to run');

    checkClean([heartbeat]);
    if (drain.refused !== 0 || drain.tasks !== jobTasks) {
      console.error(`\n!!! the drain stored ${drain.tasks} of ${jobTasks} tasks with ${drain.refused} refusals: figures are not valid`);
      process.exitCode = 1;
    }
  } finally {
    await bench.close();
  }
}

runBench('bench:jobs', main);
