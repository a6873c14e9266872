import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { AVAILABLE_JOBS, CANCEL_JOB, RENEW, RETRY_FAILED, createJobWorld, dataOf, images, jobTableCounts, resultFor, sql, type JobWorld } from './fixtures';

let gw: TestGateway;
let world: JobWorld;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createJobWorld(gw);
});
afterAll(() => gw?.close());

/** Moves the job's current leases into the past, as if their time had run out. */
async function expireLeases(jobId: string): Promise<void> {
  await sql(gw, `update tasks set lease_expires_at = now() - interval '1 second' where job_id = ? and state = 'LEASED'`, [Number(jobId)]);
}

describe('a job from creation to success', () => {
  it('is CREATED without images, QUEUED with them, RUNNING once leased, SUCCESS when every task has its result', async () => {
    const projectId = await world.createProject();
    const worker = await world.createWorker([projectId]);
    const pipeline = await world.registerPipeline(projectId, worker.headers);
    const created = await world.createJob({ projectId, pipelineSlug: pipeline.slug });
    expect(created.status).toBe('CREATED');
    expect(created.progress.total).toBe(0);

    const queued = await world.addImages(created.id, images(30));
    expect(queued.status).toBe('QUEUED');
    expect(queued.progress).toEqual({ total: 30, queued: 30, leased: 0, done: 0, failed: 0, canceled: 0 });

    const batch = await world.reserve(worker.headers, created.id, 24, { hostname: 'gpu-1', software: 'jobs-test' });
    expect(batch).toHaveLength(24);
    expect(new Set(batch.map((task) => task.leaseToken)).size).toBe(24);
    expect(batch.every((task) => task.attempt === 1 && /^lt_/.test(task.leaseToken))).toBe(true);
    const running = await world.job(created.id);
    expect(running.status).toBe('RUNNING');
    expect(running.startedAt).not.toBeNull();
    expect(running.progress).toMatchObject({ queued: 6, leased: 24, done: 0 });

    const outcome = await world.submit(worker.headers, batch.map((task) => ({ leaseToken: task.leaseToken, result: resultFor(task, pipeline) })));
    expect(outcome).toEqual({ accepted: 24, duplicates: 0, refused: [] });
    const rest = await world.reserve(worker.headers, created.id, 24);
    expect(rest).toHaveLength(6);
    expect(await world.submit(worker.headers, rest.map((task) => ({ leaseToken: task.leaseToken, result: resultFor(task, pipeline) })))).toMatchObject({ accepted: 6 });

    const finished = await world.job(created.id);
    expect(finished.status).toBe('SUCCESS');
    expect(finished.finishedAt).not.toBeNull();
    expect(finished.progress).toEqual({ total: 30, queued: 0, leased: 0, done: 30, failed: 0, canceled: 0 });
    expect(await world.reserve(worker.headers, created.id, 24)).toEqual([]);
  });

  it('stores the result once, attributed to the service and the worker that sent it, and lists it on the job', async () => {
    const { worker, pipeline, job } = await world.scenario(2);
    const [task] = await world.reserve(worker.headers, job.id, 1, { hostname: 'gpu-7', podName: 'pod-a' });
    await world.submit(worker.headers, [{ leaseToken: task!.leaseToken, result: resultFor(task!, pipeline) }]);
    const { job: read } = dataOf(
      await gw.gql(
        `query ($id: ID!) { job(id: $id) {
           processingServices { id } workers { leases clientInfo { hostname podName userAgent } processingService { id } }
           results(first: 10) { totalCount edges { node { imageId attempts error worker { hostname } processingService { id }
             result } } } } }`,
        { id: job.id },
        world.asAdmin,
      ),
    );
    expect(read.processingServices).toEqual([{ id: worker.serviceId }]);
    expect(read.workers).toEqual([{ leases: 1, clientInfo: { hostname: 'gpu-7', podName: 'pod-a', userAgent: 'jobs-test/1.0' }, processingService: { id: worker.serviceId } }]);
    expect(read.results.totalCount).toBe(1);
    const [{ node }] = read.results.edges;
    expect(node).toMatchObject({ imageId: task!.imageId, attempts: 1, error: null, worker: { hostname: 'gpu-7' }, processingService: { id: worker.serviceId } });
    expect(node.result.detections[0].bbox).toEqual({ x1: 0, y1: 0, x2: 10.5, y2: 20.25 });
    expect(node.result.detections[0].classifications[0].scores).toHaveLength(3);
  });

  it('records every worker call as a heartbeat with its client info', async () => {
    const { worker, job } = await world.scenario(1);
    await world.reserve(worker.headers, job.id, 1, { hostname: 'heartbeat-host', version: '9.9' });
    await gw.services.heartbeats.flush(gw.database.orm.em.fork());
    const [row] = await sql(gw, 'select last_seen, last_seen_client_info from processing_services where id = ?', [Number(worker.serviceId)]);
    expect(row!.last_seen).not.toBeNull();
    expect(row!.last_seen_client_info).toMatchObject({ hostname: 'heartbeat-host', version: '9.9', userAgent: 'jobs-test/1.0' });
  });
});

describe('results sent twice', () => {
  it('are counted as duplicates and stored once, also within one call', async () => {
    const { worker, pipeline, job } = await world.scenario(3);
    const batch = await world.reserve(worker.headers, job.id, 3);
    const items = batch.map((task) => ({ leaseToken: task.leaseToken, result: resultFor(task, pipeline) }));
    expect(await world.submit(worker.headers, items)).toEqual({ accepted: 3, duplicates: 0, refused: [] });
    expect(await world.submit(worker.headers, items)).toEqual({ accepted: 0, duplicates: 3, refused: [] });
    expect(await world.submit(worker.headers, [items[0], items[0]])).toEqual({ accepted: 0, duplicates: 2, refused: [] });
    const [count] = await sql(gw, 'select count(*)::int as n from task_results where job_id = ?', [Number(job.id)]);
    expect(count!.n).toBe(3);
    expect((await world.job(job.id)).progress.done).toBe(3);
  });
});

describe('expired leases', () => {
  it('put the task back in the queue without a sweeper; the task is leased again and completed by another worker', async () => {
    const { projectId, worker: vanished, pipeline, job } = await world.scenario(5);
    const other = await world.createWorker([projectId]);
    await world.registerPipeline(projectId, other.headers, pipeline);
    const lost = await world.reserve(vanished.headers, job.id, 5);
    expect(await world.reserve(other.headers, job.id, 5)).toEqual([]);
    await expireLeases(job.id);
    expect((await world.job(job.id)).progress).toMatchObject({ queued: 5, leased: 0 });
    const again = await world.reserve(other.headers, job.id, 5);
    expect(again.map((task) => task.imageId).sort()).toEqual(lost.map((task) => task.imageId).sort());
    expect(again.every((task) => task.attempt === 2)).toBe(true);
    expect(await world.submit(other.headers, again.map((task) => ({ leaseToken: task.leaseToken, result: resultFor(task, pipeline) })))).toMatchObject({ accepted: 5 });
    expect((await world.job(job.id)).status).toBe('SUCCESS');
  });

  it('a lease of one second runs out by itself', async () => {
    const { worker, job } = await world.scenario(1, { leaseSeconds: 1 });
    const [first] = await world.reserve(worker.headers, job.id, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const [second] = await world.reserve(worker.headers, job.id, 1);
    expect(second!.imageId).toBe(first!.imageId);
    expect(second!.attempt).toBe(2);
  });

  it('a late result is accepted while no one has completed the task, and counts as a duplicate after', async () => {
    const { projectId, worker: slow, pipeline, job } = await world.scenario(2);
    const fast = await world.createWorker([projectId]);
    await world.registerPipeline(projectId, fast.headers, pipeline);
    const [a, b] = await world.reserve(slow.headers, job.id, 2);
    await expireLeases(job.id);
    const [againA, againB] = await world.reserve(fast.headers, job.id, 2);
    expect(againA!.imageId).toBe(a!.imageId);
    // Task a: the slow worker's late result comes first and wins; the fast one's is then a duplicate.
    expect(await world.submit(slow.headers, [{ leaseToken: a!.leaseToken, result: resultFor(a!, pipeline) }])).toMatchObject({ accepted: 1 });
    expect(await world.submit(fast.headers, [{ leaseToken: againA!.leaseToken, result: resultFor(againA!, pipeline) }])).toMatchObject({ duplicates: 1 });
    // Task b: the fast worker completes it first; the slow one's late result is a duplicate.
    expect(await world.submit(fast.headers, [{ leaseToken: againB!.leaseToken, result: resultFor(againB!, pipeline) }])).toMatchObject({ accepted: 1 });
    expect(await world.submit(slow.headers, [{ leaseToken: b!.leaseToken, result: resultFor(b!, pipeline) }])).toMatchObject({ duplicates: 1 });
    const rows = await sql(gw, 'select t.image_id, r.processing_service_id from task_results r join tasks t on t.id = r.task_id where r.job_id = ? order by t.image_id', [Number(job.id)]);
    expect(rows.map((row) => [row.image_id, String(row.processing_service_id)])).toEqual([
      [a!.imageId, slow.serviceId],
      [b!.imageId, fast.serviceId],
    ]);
  });

  it('renewing keeps a long task leased; renewing another service\'s or a finished lease is refused', async () => {
    const { projectId, worker, pipeline, job } = await world.scenario(2);
    const stranger = await world.createWorker([projectId]);
    const [task, done] = await world.reserve(worker.headers, job.id, 2);
    await world.submit(worker.headers, [{ leaseToken: done!.leaseToken, result: resultFor(done!, pipeline) }]);
    await expireLeases(job.id);
    const renewal = dataOf(await gw.gql(RENEW, { leaseTokens: [task!.leaseToken, done!.leaseToken] }, worker.headers)).renewTaskLeases;
    expect(renewal.renewed.map((lease: { leaseToken: string }) => lease.leaseToken)).toEqual([task!.leaseToken]);
    expect(new Date(renewal.renewed[0].leaseExpiresAt).getTime()).toBeGreaterThan(Date.now() + 200_000);
    expect(renewal.refused).toEqual([expect.objectContaining({ leaseToken: done!.leaseToken, code: 'CONFLICT', path: 'leaseTokens.1' })]);
    expect(dataOf(await gw.gql(RENEW, { leaseTokens: [task!.leaseToken] }, stranger.headers)).renewTaskLeases.refused).toHaveLength(1);
    expect(await world.reserve(worker.headers, job.id, 2)).toEqual([]);
  });
});

describe('a task that keeps failing', () => {
  it('ends FAILED after maxAttempts error results, with the last error as its result; retryFailedTasks queues it again', async () => {
    const { worker, pipeline, job } = await world.scenario(2, { maxAttempts: 2 });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const tasks = await world.reserve(worker.headers, job.id, 1);
      expect(tasks[0]!.attempt).toBe(attempt);
      const failing = tasks.find((task) => task.imageId.endsWith('-0')) ?? tasks[0]!;
      expect(await world.submit(worker.headers, [{ leaseToken: failing.leaseToken, error: { error: `out of memory ${attempt}`, imageId: failing.imageId } }])).toMatchObject({ accepted: 1 });
    }
    const [healthy] = await world.reserve(worker.headers, job.id, 1);
    expect(healthy!.imageId.endsWith('-1')).toBe(true);
    await world.submit(worker.headers, [{ leaseToken: healthy!.leaseToken, result: resultFor(healthy!, pipeline) }]);
    const failed = await world.job(job.id);
    expect(failed.status).toBe('FAILURE');
    expect(failed.progress).toMatchObject({ done: 1, failed: 1, queued: 0 });
    const [stored] = await sql(gw, "select r.error from task_results r where r.job_id = ? and r.error is not null", [Number(job.id)]);
    expect(stored!.error).toBe('out of memory 2');

    const retried = dataOf(await gw.gql(RETRY_FAILED, { jobId: job.id }, world.asAdmin)).retryFailedTasks;
    expect(retried.status).toBe('RUNNING');
    expect(retried.progress).toMatchObject({ done: 1, failed: 0, queued: 1 });
    const [again] = await world.reserve(worker.headers, job.id, 1);
    expect(again!.attempt).toBe(1);
    await world.submit(worker.headers, [{ leaseToken: again!.leaseToken, result: resultFor(again!, pipeline) }]);
    expect((await world.job(job.id)).status).toBe('SUCCESS');
  });

  it('ends failed after maxAttempts leases that expire without a result', async () => {
    const { worker, job } = await world.scenario(1, { maxAttempts: 2 });
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await world.reserve(worker.headers, job.id, 1)).toHaveLength(1);
      await expireLeases(job.id);
    }
    expect(await world.reserve(worker.headers, job.id, 1)).toEqual([]);
    const failed = await world.job(job.id);
    expect(failed.status).toBe('FAILURE');
    expect(failed.finishedAt).not.toBeNull();
    expect(failed.progress).toMatchObject({ failed: 1, queued: 0, leased: 0 });
  });
});

describe('a canceled job', () => {
  it('hands out nothing more, is not available, and still accepts results of tasks already leased', async () => {
    const { worker, pipeline, job } = await world.scenario(4);
    const [leased] = await world.reserve(worker.headers, job.id, 1);
    const canceled = dataOf(await gw.gql(CANCEL_JOB, { id: job.id }, world.asAdmin)).cancelJob;
    expect(canceled.status).toBe('CANCELED');
    expect(canceled.progress).toMatchObject({ total: 4, queued: 0, leased: 0, canceled: 4 });
    expect(await world.reserve(worker.headers, job.id, 4)).toEqual([]);
    expect(dataOf(await gw.gql(AVAILABLE_JOBS, { slugs: [pipeline.slug] }, worker.headers)).availableJobs).toEqual([]);
    expect(await world.submit(worker.headers, [{ leaseToken: leased!.leaseToken, result: resultFor(leased!, pipeline) }])).toMatchObject({ accepted: 1 });
    expect((await world.job(job.id)).progress).toMatchObject({ done: 1, canceled: 3 });
  });
});

describe('availableJobs', () => {
  it('lists running jobs with queued tasks of its projects and registered pipelines, in pull mode only', async () => {
    const { projectId, worker, pipeline, job } = await world.scenario(1);
    const empty = await world.createJob({ projectId, pipelineSlug: pipeline.slug });
    const otherPipeline = await world.registerPipeline(projectId, (await world.createWorker([projectId])).headers);
    const notRegistered = await world.createJob({ projectId, pipelineSlug: otherPipeline.slug, images: images(1) });
    const listed = dataOf(await gw.gql(AVAILABLE_JOBS, {}, worker.headers)).availableJobs.map((j: { id: string }) => j.id);
    expect(listed).toContain(job.id);
    expect(listed).not.toContain(empty.id);
    expect(listed).not.toContain(notRegistered.id);
    expect(dataOf(await gw.gql(AVAILABLE_JOBS, { slugs: ['no-such-pipeline'] }, worker.headers)).availableJobs).toEqual([]);

    await world.reserve(worker.headers, job.id, 1);
    expect(dataOf(await gw.gql(AVAILABLE_JOBS, { slugs: [pipeline.slug] }, worker.headers)).availableJobs).toEqual([]);

    const push = await world.createWorker([projectId]);
    await world.registerPipeline(projectId, push.headers, pipeline);
    await gw.gql('mutation ($id: ID!) { updateProcessingService(id: $id, input: { endpointUrl: "https://ml.example.org" }) { id } }', { id: push.serviceId }, world.asAdmin);
    const another = await world.createJob({ projectId, pipelineSlug: pipeline.slug, images: images(1) });
    expect(dataOf(await gw.gql(AVAILABLE_JOBS, {}, worker.headers)).availableJobs.map((j: { id: string }) => j.id)).toContain(another.id);
    expect(dataOf(await gw.gql(AVAILABLE_JOBS, {}, push.headers)).availableJobs).toEqual([]);
  });
});

describe('addJobImages', () => {
  it('adds a large job in bounded batches and skips image ids the job already has', async () => {
    const { job } = await world.scenario(0);
    const list = images(2_500);
    const grown = await world.addImages(job.id, list);
    expect(grown.progress.total).toBe(2_500);
    const again = await world.addImages(job.id, list.slice(0, 10));
    expect(again.progress.total).toBe(2_500);
    expect((await jobTableCounts(gw)).tasks).toBeGreaterThanOrEqual(2_500);
  });
});
