import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { print } from 'graphql';
import { describeWorker, userAgent } from '../examples/worker/client-info';
import { HeartbeatDocument } from '../examples/worker/generated/graphql';
import { loadJobs } from '../src/jobs/job.service';
import type { WorkerJob, WorkerReport } from './jobs-workers';
import type { PushEndpointJob } from './push-endpoint';
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
 * - the push-mode drain: the gateway itself sends a job of BENCH_JOB_TASKS tasks to a push-mode
 *   service's endpoint (its own process, answering at once with the same results) in batches of
 *   BENCH_BATCH, BENCH_WORKERS batches in flight; images/s from the job's start to its last stored
 *   result, and the gateway's CPU per image, next to the pull drain's;
 * - reading the progress of a job of a hundred thousand tasks: the counters plus the partial index of leased
 *   tasks (what the gateway does) next to a GROUP BY over every task of the job with a covering
 *   index, which is the alternative the counters replace.
 * Targets: TARGET_TASKS_PER_SECOND for both drains, and gateway CPU per task below one keyed heartbeat's.
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
  await addTasks(bench, createJob.id, tasks);
  return { jobId: createJob.id as string, pipelineSlug, detector, classifier };
}

/** Seeded in SQL: a job's images go in through addJobImages 1,000 at a time, which is not what is measured. */
async function addTasks(bench: BenchGateway, jobId: string, tasks: number): Promise<void> {
  await bench.gateway.database.orm.em.fork().getConnection().execute(
    `with added as (
       insert into tasks (job_id, image_id, image_url)
       select ?, 'img-' || g, 'https://images.example.org/' || g || '.jpg' from generate_series(1, ?) g returning 1)
     update jobs set tasks_total = (select count(*) from added) where id = ?`,
    [Number(jobId), tasks, Number(jobId)],
  );
}

/** The settings push dispatch runs with here: the pull drain's batch size, as many batches in flight as it has workers. */
const pushSettings = {
  ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1',
  PUSH_BATCH_SIZE: String(batchSize),
  PUSH_CONCURRENCY_PER_SERVICE: String(workers),
};

interface PushDrain {
  tasks: number;
  done: number;
  seconds: number;
  gatewaySeconds: number;
}

/**
 * A push-mode service on an endpoint process of its own, linked to a project of its own so that no
 * pull worker serves its pipeline, and a job of `tasks` tasks that the gateway drains through it.
 */
async function drainThroughPush(bench: BenchGateway, admin: Record<string, string>, tasks: number): Promise<PushDrain> {
  const pipelineSlug = `bench-push-${tasks}-${Date.now()}`;
  const job: PushEndpointJob = { pipelineSlug, detector: `${pipelineSlug}-det`, classifier: `${pipelineSlug}-cls` };
  const endpoint = spawn(process.execPath, [join(__dirname, 'push-endpoint.js'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(createInterface({ input: endpoint.stdout! }), 'line')) as [string];
    const { port } = JSON.parse(line) as { port: number };
    const { createProject } = await bench.gql('mutation { createProject(input: { name: "bench push" }) { id } }', {}, admin);
    const { createProcessingService } = await bench.gql(
      'mutation ($projectId: ID!, $url: String!) { createProcessingService(input: { name: "bench push", projectIds: [$projectId], endpointUrl: $url }) { id } }',
      { projectId: createProject.id, url: `http://127.0.0.1:${port}` },
      admin,
    );
    await bench.gql('mutation ($id: ID!) { syncProcessingServicePipelines(id: $id) { success } }', { id: createProcessingService.id }, admin);
    const { createJob } = await bench.gql(
      'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }',
      { input: { projectId: createProject.id, pipelineSlug, name: `bench push ${tasks}` } },
      admin,
    );
    const cpuBefore = process.cpuUsage();
    // Its commit wakes the push runner.
    await addTasks(bench, createJob.id, tasks);
    const em = bench.gateway.database.orm.em.fork();
    const deadline = Date.now() + 300_000;
    for (;;) {
      const [state] = await loadJobs(em, [Number(createJob.id)]);
      if (state && state.progress.done + state.progress.failed === tasks) break;
      if (Date.now() > deadline) throw new Error(`the push drain did not finish: ${JSON.stringify(state?.progress)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const cpu = process.cpuUsage(cpuBefore);
    const [timing]: { seconds: number; done: number }[] = await em.getConnection().execute(
      `select extract(epoch from max(r.created_at) - j.started_at)::float8 as seconds, count(*) filter (where r.error is null)::int as done
         from jobs j join task_results r on r.job_id = j.id where j.id = ? group by j.started_at`,
      [Number(createJob.id)],
    );
    return { tasks, done: timing!.done, seconds: timing!.seconds, gatewaySeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    endpoint.kill('SIGTERM');
  }
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
  const bench = await startBenchGateway(pushSettings);
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

    await drainThroughPush(bench, admin, 2_000);
    const push = await drainThroughPush(bench, admin, jobTasks);

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
    const pushPerSecond = push.done / push.seconds;
    const pushMicrosPerTask = (push.gatewaySeconds * 1e6) / push.done;
    printTable([
      { mode: 'pull (workers call in)', 'images/s': Math.round(tasksPerSecond), 'gateway cpu µs/image': Math.round(gatewayMicrosPerTask) },
      { mode: 'push (the gateway calls the endpoint)', 'images/s': Math.round(pushPerSecond), 'gateway cpu µs/image': Math.round(pushMicrosPerTask) },
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
    reportTarget('push-mode images/s', Math.round(pushPerSecond), { atLeast: TARGET_TASKS_PER_SECOND, unit: '' });
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
    if (push.done !== jobTasks) {
      console.error(`\n!!! the push drain stored ${push.done} results of ${jobTasks} tasks: figures are not valid`);
      process.exitCode = 1;
    }
    if (drain.refused !== 0 || drain.tasks !== jobTasks) {
      console.error(`\n!!! the drain stored ${drain.tasks} of ${jobTasks} tasks with ${drain.refused} refusals: figures are not valid`);
      process.exitCode = 1;
    }
  } finally {
    await bench.close();
  }
}

runBench('bench:jobs', main);
