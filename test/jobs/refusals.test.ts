import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import {
  AVAILABLE_JOBS,
  CANCEL_JOB,
  CREATE_JOB,
  JOB,
  RESERVE,
  RETRY_FAILED,
  createJobWorld,
  dataOf,
  errorOf,
  images,
  jobTableCounts,
  resultFor,
  sql,
  type JobWorld,
  type LeasedTask,
  type PipelineSetup,
} from './fixtures';

let gw: TestGateway;
let world: JobWorld;
let projectId: string;
let worker: Awaited<ReturnType<JobWorld['createWorker']>>;
let pipeline: PipelineSetup;
let jobId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createJobWorld(gw);
  const scenario = await world.scenario(200);
  ({ projectId, worker, pipeline } = scenario);
  jobId = scenario.job.id;
});
afterAll(() => gw?.close());

/** Runs `work` and checks that it left no row in the job tables. */
async function leavesNoRow(work: () => Promise<void>): Promise<void> {
  const before = await jobTableCounts(gw);
  await work();
  expect(await jobTableCounts(gw)).toEqual(before);
}

describe('submitResults refuses each bad item on its own, with a typed code and path, and stores the others', () => {
  let tasks: LeasedTask[];
  beforeAll(async () => {
    tasks = await world.reserve(worker.headers, jobId, 20);
  });

  const bad: [string, (task: LeasedTask) => Record<string, unknown>, string, string][] = [
    ['neither result nor error', (task) => ({ leaseToken: task.leaseToken }), 'BAD_USER_INPUT', 'results.1'],
    [
      'both result and error',
      (task) => ({ leaseToken: task.leaseToken, result: resultFor(task, pipeline), error: { error: 'x' } }),
      'BAD_USER_INPUT',
      'results.1',
    ],
    ['another pipeline', (task) => ({ leaseToken: task.leaseToken, result: { ...resultFor(task, pipeline), pipeline: 'other' } }), 'BAD_USER_INPUT', 'results.1.result.pipeline'],
    [
      'an algorithm not in the pipeline',
      (task) => {
        const result = resultFor(task, pipeline);
        result.detections[0]!.algorithm = { name: 'rogue', key: 'rogue-detector' };
        return { leaseToken: task.leaseToken, result };
      },
      'BAD_USER_INPUT',
      'results.1.result',
    ],
    [
      'sourceImages not the task image',
      (task) => ({ leaseToken: task.leaseToken, result: { ...resultFor(task, pipeline), sourceImages: [{ id: 'someone-else' }] } }),
      'BAD_USER_INPUT',
      'results.1.result.sourceImages',
    ],
    [
      'a detection of another image',
      (task) => {
        const result = resultFor(task, pipeline);
        result.detections[0]!.sourceImageId = 'someone-else';
        return { leaseToken: task.leaseToken, result };
      },
      'BAD_USER_INPUT',
      'results.1.result.detections',
    ],
    [
      'an inverted bbox',
      (task) => {
        const result = resultFor(task, pipeline);
        result.detections[0]!.bbox = { x1: 10, y1: 0, x2: 5, y2: 8 };
        return { leaseToken: task.leaseToken, result };
      },
      'BAD_USER_INPUT',
      'results.1.result.detections.0.bbox',
    ],
    [
      'scores and labels of different lengths',
      (task) => {
        const result = resultFor(task, pipeline);
        result.detections[0]!.classifications[0]!.scores = [0.5, 0.5];
        return { leaseToken: task.leaseToken, result };
      },
      'BAD_USER_INPUT',
      'results.1.result.detections.0.classifications.0.labels',
    ],
    [
      'logits and scores of different lengths',
      (task) => {
        const result = resultFor(task, pipeline);
        (result.detections[0]!.classifications[0] as Record<string, unknown>).logits = [1];
        return { leaseToken: task.leaseToken, result };
      },
      'BAD_USER_INPUT',
      'results.1.result.detections.0.classifications.0.logits',
    ],
    ['a malformed lease token', () => ({ leaseToken: 'not-a-token', error: { error: 'x' } }), 'BAD_USER_INPUT', 'results.1.leaseToken'],
    ['an unknown lease token', () => ({ leaseToken: `lt_${'A'.repeat(43)}`, error: { error: 'x' } }), 'NOT_FOUND', 'results.1'],
  ];

  it.each(bad.map((entry, index) => [...entry, index] as const))('%s', async (_name, item, code, path, index) => {
    const good = tasks[index]!;
    const badTask = tasks[index + bad.length]!;
    let outcome: any;
    await leavesNoRow(async () => {
      // The good item is stored, so one result row is expected: count without it.
      outcome = dataOf(await world.submitRaw(worker.headers, [{ leaseToken: good.leaseToken, result: resultFor(good, pipeline) }, item(badTask)])).submitResults;
      await sql(gw, 'delete from task_results where task_id = ?', [Number(good.id)]);
    });
    expect(outcome.accepted).toBe(1);
    expect(outcome.refused).toEqual([expect.objectContaining({ code, path })]);
    expect(outcome.refused[0].message).not.toMatch(/select|insert|stack/i);
  });

  it("refuses a lease of another service in the same project with FORBIDDEN", async () => {
    const other = await world.createWorker([projectId]);
    const task = tasks.at(-1)!;
    const outcome = await world.submit(other.headers, [{ leaseToken: task.leaseToken, result: resultFor(task, pipeline) }]);
    expect(outcome).toEqual({ accepted: 0, duplicates: 0, refused: [expect.objectContaining({ code: 'FORBIDDEN', path: 'results.0' })] });
  });

  it('refuses a NUL character for the whole request, with its path, before anything is written', async () => {
    const [good, bad] = tasks.slice(-4, -2);
    await leavesNoRow(async () => {
      const response = await world.submitRaw(worker.headers, [
        { leaseToken: good!.leaseToken, result: resultFor(good!, pipeline) },
        { leaseToken: bad!.leaseToken, error: { error: 'bad\u0000byte' } },
      ]);
      expect(errorOf(response)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'results.1.error.error' });
    });
  });

  it('refuses a non-finite number for the whole request, before anything is written', async () => {
    const task = tasks.at(-2)!;
    const result = resultFor(task, pipeline);
    const body = JSON.stringify({ query: (await import('./fixtures')).SUBMIT, variables: { results: [{ leaseToken: task.leaseToken, result }] } }).replace(
      '"totalTime":0.25',
      '"totalTime":1e999',
    );
    await leavesNoRow(async () => {
      const response = await fetch(`${gw.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...worker.headers }, body });
      expect(response.status).toBe(400);
      const parsed = (await response.json()) as any;
      expect(parsed.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    });
  });

  it('refuses an empty list and more than 100 items', async () => {
    expect(errorOf(await world.submitRaw(worker.headers, []))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'results' });
    const many = Array.from({ length: 101 }, () => ({ leaseToken: tasks[0]!.leaseToken, error: { error: 'x' } }));
    expect(errorOf(await world.submitRaw(worker.headers, many))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'results' });
  });
});

describe('reserveTasks refusals', () => {
  it.each([0, 101, -1])('batchSize %i is bad input', async (batchSize) => {
    await leavesNoRow(async () => {
      expect(errorOf(await gw.gql(RESERVE, { jobId, batchSize }, worker.headers))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'batchSize' });
    });
  });

  it('a worker of another project, a service without the pipeline, and an unknown job get FORBIDDEN', async () => {
    const stranger = await world.createWorker([await world.createProject()]);
    const unregistered = await world.createWorker([projectId]);
    await leavesNoRow(async () => {
      for (const [headers, id] of [
        [stranger.headers, jobId],
        [unregistered.headers, jobId],
        [worker.headers, '999999'],
      ] as const) {
        expect(errorOf(await gw.gql(RESERVE, { jobId: id, batchSize: 1 }, headers)).code).toBe('FORBIDDEN');
      }
    });
    expect(dataOf(await gw.gql(AVAILABLE_JOBS, {}, stranger.headers)).availableJobs).toEqual([]);
  });

  it('a revoked key gets 401, a user token and anonymous callers are refused on every worker operation', async () => {
    const revoked = await world.createWorker([projectId]);
    await world.registerPipeline(projectId, revoked.headers, pipeline);
    const [keyRow] = await sql(gw, 'select id from api_keys where processing_service_id = ?', [Number(revoked.serviceId)]);
    dataOf(await gw.gql('mutation ($id: ID!) { revokeKey(id: $id) { id } }', { id: String(keyRow!.id) }, world.asAdmin));
    const operations: [string, Record<string, unknown>][] = [
      [RESERVE, { jobId, batchSize: 1 }],
      [AVAILABLE_JOBS, {}],
      ['mutation { renewTaskLeases(leaseTokens: ["x"]) { renewed { leaseToken } } }', {}],
      ['mutation { submitResults(results: [{ leaseToken: "x", error: { error: "x" } }]) { accepted } }', {}],
    ];
    await leavesNoRow(async () => {
      for (const [query, variables] of operations) {
        const refusedKey = await gw.gql(query, variables, revoked.headers);
        expect(refusedKey.status).toBe(401);
        expect(errorOf(await gw.gql(query, variables, world.asAdmin)).code).toBe('FORBIDDEN');
        expect(errorOf(await gw.gql(query, variables)).code).toBe('UNAUTHENTICATED');
      }
    });
  });
});

describe('people: roles and bad input', () => {
  it('ML data managers create and control jobs; researchers read; non-members see nothing; keys are refused', async () => {
    const manager = await world.createUser('mldm');
    const researcher = await world.createUser('researcher');
    const outsider = await world.createUser('outsider');
    await world.addMember(projectId, manager.email, 'ML_DATA_MANAGER');
    await world.addMember(projectId, researcher.email, 'RESEARCHER');
    const created = await world.createJob({ projectId, pipelineSlug: pipeline.slug, images: images(2) }, manager.auth);
    expect(created.status).toBe('QUEUED');
    expect(dataOf(await gw.gql(JOB, { id: created.id }, world.as(researcher.auth))).job.id).toBe(created.id);
    expect(dataOf(await gw.gql(JOB, { id: created.id }, world.as(outsider.auth))).job).toBeNull();

    await leavesNoRow(async () => {
      const input = { projectId, pipelineSlug: pipeline.slug, name: 'x' };
      expect(errorOf(await gw.gql(CREATE_JOB, { input }, world.as(researcher.auth))).code).toBe('FORBIDDEN');
      expect(errorOf(await gw.gql(CREATE_JOB, { input }, world.as(outsider.auth))).code).toBe('NOT_FOUND');
      expect(errorOf(await gw.gql(CREATE_JOB, { input }, worker.headers)).code).toBe('FORBIDDEN');
      for (const query of [CANCEL_JOB, RETRY_FAILED]) {
        const variables = query === CANCEL_JOB ? { id: created.id } : { jobId: created.id };
        expect(errorOf(await gw.gql(query, variables, world.as(researcher.auth))).code).toBe('FORBIDDEN');
        expect(errorOf(await gw.gql(query, variables, world.as(outsider.auth))).code).toBe('NOT_FOUND');
      }
      const list = 'query ($projectId: ID!) { jobs(projectId: $projectId) { totalCount } }';
      expect(errorOf(await gw.gql(list, { projectId }, world.as(outsider.auth))).code).toBe('NOT_FOUND');
      expect(dataOf(await gw.gql(list, { projectId }, world.as(researcher.auth))).jobs.totalCount).toBeGreaterThan(0);
    });
    expect(dataOf(await gw.gql(CANCEL_JOB, { id: created.id }, world.as(manager.auth))).cancelJob.status).toBe('CANCELED');
  });

  const badInputs: [string, Record<string, unknown>, string][] = [
    ['an empty name', { name: '  ' }, 'input.name'],
    ['an unknown pipeline', { pipelineSlug: 'no-such-pipeline' }, 'input.pipelineSlug'],
    ['maxAttempts 0', { maxAttempts: 0 }, 'input.maxAttempts'],
    ['leaseSeconds above a day', { leaseSeconds: 86_401 }, 'input.leaseSeconds'],
    ['a repeated image id', { images: [{ id: 'a', url: 'https://x.org/a' }, { id: 'a', url: 'https://x.org/b' }] }, 'input.images.1.id'],
    ['an image URL that is not http(s)', { images: [{ id: 'a', url: 'file:///etc/passwd' }] }, 'input.images.0.url'],
    ['more than 1000 images', { images: images(1001) }, 'input.images'],
  ];

  it.each(badInputs)('createJob with %s is BAD_USER_INPUT and writes nothing', async (_name, override, field) => {
    await leavesNoRow(async () => {
      const input = { projectId, pipelineSlug: pipeline.slug, name: 'job', ...override };
      expect(errorOf(await gw.gql(CREATE_JOB, { input }, world.asAdmin))).toMatchObject({ code: 'BAD_USER_INPUT', field });
    });
  });

  it('a pipeline the project has not enabled is bad input', async () => {
    await sql(gw, 'update project_pipeline_configs set enabled = false where project_id = ?', [Number(projectId)]);
    try {
      await leavesNoRow(async () => {
        const input = { projectId, pipelineSlug: pipeline.slug, name: 'job' };
        expect(errorOf(await gw.gql(CREATE_JOB, { input }, world.asAdmin))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.pipelineSlug' });
      });
    } finally {
      await sql(gw, 'update project_pipeline_configs set enabled = true where project_id = ?', [Number(projectId)]);
    }
  });
});
