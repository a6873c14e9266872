import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import type { PushEndpoint } from '../support/push-endpoint';
import { pushJobDoneAfterIdle } from '../support/push-wake';
import { concurrencySkipReason } from '../support/test-database';
import { until } from '../support/until';
import { PUSH_WORK_CHANNEL } from '../../src/push/push-runner';
import { createWorld, sql, unique, type World } from '../support/world';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[push idle] skipped (LISTEN/NOTIFY wakes only on a PostgreSQL server): ${skipReason}`);

const POLL_INTERVAL_MS = 50;

let gw: TestGateway;
let world: World;
const endpoints: PushEndpoint[] = [];
/** Dispatch rounds so far: each asks PostgreSQL for push work once. */
let rounds = 0;

beforeAll(async () => {
  if (skipReason) return;
  gw = await startTestGateway({
    ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1',
    PUSH_RUNNER: 'on',
    PUSH_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    // Far beyond any wait below: only a wake can start the job's round in time.
    PUSH_IDLE_POLL_INTERVAL_MS: '600000',
  });
  const dispatch = gw.services.pushDispatch;
  const findWork = dispatch.findWork.bind(dispatch);
  dispatch.findWork = (...args) => {
    rounds += 1;
    return findWork(...args);
  };
  world = await createWorld(gw);
});
afterAll(async () => {
  await gw?.close();
  await Promise.all(endpoints.map((endpoint) => endpoint.close()));
});

describe.skipIf(skipReason)('push dispatch while there is no push work', () => {
  it('asks for work ever more rarely instead of every poll interval', async () => {
    const windowMs = 2_000;
    const before = rounds;
    await sleep(windowMs);
    const asked = rounds - before;
    console.log(`[push idle] ${asked} dispatch rounds in ${windowMs} ms with no push work (one per poll interval would be ${windowMs / POLL_INTERVAL_MS})`);
    expect(asked).toBeLessThan(windowMs / POLL_INTERVAL_MS / 4);
  });

  // Idle again after the setup, with a pause that would now outlast the test, before the job comes.
  const pushJobDoneAfterCreation = () => pushJobDoneAfterIdle(gw, world, { idleMs: 1_000, images: 5, endpoints });

  it('wakes when a push-mode job is created, instead of waiting out its idle pause', async () => {
    const { job, ms } = await pushJobDoneAfterCreation();
    console.log(`[push idle] job done ${ms} ms after it was created`);
    expect(job).toEqual({ status: 'SUCCESS', progress: { total: 5, done: 5 } });
  });

  it('still wakes after its listening connection was cut: it listens again', async () => {
    const listeners = () =>
      sql<{ pid: number }>(gw, `select pid from pg_stat_activity where datname = current_database() and query like 'listen %'`);
    const [cut] = await listeners();
    expect(cut).toBeDefined();
    await sql(gw, 'select pg_terminate_backend(?)', [cut!.pid]);
    const again = await until(listeners, (rows) => rows.length === 1 && rows[0]!.pid !== cut!.pid);
    expect(again).toHaveLength(1);
    const { job } = await pushJobDoneAfterCreation();
    expect(job).toEqual({ status: 'SUCCESS', progress: { total: 5, done: 5 } });
  });
});

describe.skipIf(skipReason)('changes that give push dispatch work without an insert', () => {
  let listener: Client;
  let heard = 0;
  beforeAll(async () => {
    if (skipReason) return;
    listener = new Client({ connectionString: gw.db.url });
    await listener.connect();
    listener.on('notification', (message) => {
      if (message.channel === PUSH_WORK_CHANNEL) heard += 1;
    });
    await listener.query(`listen ${PUSH_WORK_CHANNEL}`);
  });
  afterAll(async () => {
    await listener?.end();
  });

  /** Whether `change` announced push work: a notification within a short wait after its commit. */
  async function announces(change: () => Promise<unknown>): Promise<boolean> {
    await sleep(100);
    const before = heard;
    await change();
    await sleep(300);
    return heard > before;
  }

  /** A task of a job on a pipeline no service serves, so no dispatch round touches it. */
  async function taskOfNewJob(): Promise<number> {
    const projectId = await world.createProject('push requeue');
    const slug = unique('unserved');
    const [pipeline] = await sql<{ id: number }>(gw, `insert into pipelines (name, slug, version) values (?, ?, 1) returning id`, [slug, slug]);
    const [job] = await sql<{ id: number }>(
      gw,
      `insert into jobs (project_id, pipeline_id, name, tasks_total) values (?, ?, 'requeue', 1) returning id`,
      [Number(projectId), pipeline!.id],
    );
    const [task] = await sql<{ id: number }>(
      gw,
      `insert into tasks (job_id, image_id, image_url) values (?, 'img', 'https://images.example.org/a.jpg') returning id`,
      [job!.id],
    );
    return task!.id;
  }

  it('announces a task that goes back to the queue, not one that is leased or done', async () => {
    const taskId = await taskOfNewJob();
    expect(await announces(() => sql(gw, `update tasks set state = 'LEASED' where id = ?`, [taskId]))).toBe(false);
    expect(await announces(() => sql(gw, `update tasks set state = 'FAILED' where id = ?`, [taskId]))).toBe(false);
    expect(await announces(() => sql(gw, `update tasks set state = 'QUEUED' where id = ?`, [taskId]))).toBe(true);
    expect(await announces(() => sql(gw, `update tasks set attempts = attempts + 1 where id = ?`, [taskId]))).toBe(false);
  });

  it('announces a service that is live again, not one that stays live or goes down', async () => {
    const serviceId = Number(await world.createService({ projectIds: [await world.createProject('push live')] }));
    const setLive = (live: boolean | null) => () => sql(gw, 'update processing_services set last_seen_live = ? where id = ?', [live, serviceId]);
    expect(await announces(setLive(false))).toBe(false);
    expect(await announces(setLive(true))).toBe(true);
    expect(await announces(setLive(true))).toBe(false);
    expect(await announces(setLive(null))).toBe(false);
    expect(await announces(setLive(true))).toBe(true);
  });
});
