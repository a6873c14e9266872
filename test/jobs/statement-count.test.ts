import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countStatements, executionModes, servedBy, startTestGateway, type TestGateway } from '../support/gateway';
import { RESERVE, SUBMIT, createJobWorld, dataOf, images, resultFor, type JobWorld, type LeasedTask } from './fixtures';

describe.each(executionModes)('on %s', (mode) => {
  let gw: TestGateway;
  let world: JobWorld;

  beforeAll(async () => {
    gw = await startTestGateway({ GRAPHQL_EXECUTION: mode });
    world = await createJobWorld(gw);
  });
  afterAll(() => gw?.close());

  const clientInfo = { hostname: 'count-host', software: 'jobs-test' };

  describe('worker calls cost the same SQL whatever the batch size (1, 24, 100)', () => {
    it('reserveTasks and submitResults', async () => {
      const { worker, pipeline, job } = await world.scenario(300);
      // The first call of a worker writes its heartbeat; later ones within the interval do not.
      await world.reserve(worker.headers, job.id, 1, clientInfo);
      const reserveCounts: Record<number, number> = {};
      const submitCounts: Record<number, number> = {};
      const samples: Record<string, string[]> = {};
      for (const size of [1, 24, 100]) {
        const reserved = await countStatements(gw, () =>
          servedBy(gw, mode, () => gw.gql(RESERVE, { jobId: job.id, batchSize: size, clientInfo }, worker.headers)),
        );
        const tasks: LeasedTask[] = dataOf(reserved.result).reserveTasks.tasks;
        expect(tasks).toHaveLength(size);
        const results = tasks.map((task) => ({ leaseToken: task.leaseToken, result: resultFor(task, pipeline, { detections: 5, classifications: 2, scores: 10 }) }));
        const submitted = await countStatements(gw, () => servedBy(gw, mode, () => gw.gql(SUBMIT, { results, clientInfo }, worker.headers)));
        expect(dataOf(submitted.result).submitResults).toEqual({ accepted: size, duplicates: 0, refused: [] });
        reserveCounts[size] = reserved.statements.length;
        submitCounts[size] = submitted.statements.length;
        samples[`reserve ${size}`] = reserved.statements;
        samples[`submit ${size}`] = submitted.statements;
      }
      console.log(`[statement count] reserveTasks: ${JSON.stringify(reserveCounts)}, submitResults: ${JSON.stringify(submitCounts)}`);
      expect(reserveCounts[24], samples['reserve 24']!.join('\n')).toBe(reserveCounts[1]);
      expect(reserveCounts[100], samples['reserve 100']!.join('\n')).toBe(reserveCounts[1]);
      expect(submitCounts[24], samples['submit 24']!.join('\n')).toBe(submitCounts[1]);
      expect(submitCounts[100], samples['submit 100']!.join('\n')).toBe(submitCounts[1]);
    });
  });

  const JOBS_PAGE = `query ($projectId: ID!, $first: Int!) { jobs(projectId: $projectId, first: $first) { totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name pipelineSlug status startedAt finishedAt progress { total queued leased done failed canceled }
      project { id name } createdBy { id email }
      processingServices { id name } workers { leases clientInfo { hostname } processingService { id } }
      results(first: 2) { totalCount edges { node { imageId processingService { id } } } } } } } }`;

  describe('the jobs list costs the same SQL for 1, 10 and 50 jobs', () => {
    it.each([
      ['an ML data manager', 'ML_DATA_MANAGER'],
      ['a superuser', null],
    ] as const)('as %s', async (_who, role) => {
      const counts: Record<number, number> = {};
      const samples: Record<number, string[]> = {};
      for (const size of [1, 10, 50]) {
        const projectId = await world.createProject();
        const worker = await world.createWorker([projectId]);
        const pipeline = await world.registerPipeline(projectId, worker.headers);
        let auth = world.admin;
        if (role) {
          const user = await world.createUser('reader');
          await world.addMember(projectId, user.email, role);
          auth = user.auth;
        }
        for (let index = 0; index < size; index++) {
          const created = await world.createJob({ projectId, pipelineSlug: pipeline.slug, images: images(3) });
          const tasks = await world.reserve(worker.headers, created.id, 2, { hostname: `host-${index}` });
          await world.submit(worker.headers, [{ leaseToken: tasks[0]!.leaseToken, result: resultFor(tasks[0]!, pipeline) }]);
        }
        const { result, statements } = await countStatements(gw, () =>
          servedBy(gw, mode, () => gw.gql(JOBS_PAGE, { projectId, first: 100 }, world.as(auth))),
        );
        const { jobs } = dataOf(result);
        expect(jobs.totalCount).toBe(size);
        expect(jobs.edges).toHaveLength(size);
        for (const { node } of jobs.edges) {
          expect(node.progress).toEqual({ total: 3, queued: 1, leased: 1, done: 1, failed: 0, canceled: 0 });
          expect(node.status).toBe('RUNNING');
          expect(node.processingServices).toEqual([{ id: worker.serviceId, name: expect.any(String) }]);
          expect(node.workers).toHaveLength(1);
          expect(node.results.totalCount).toBe(1);
          expect(node.results.edges).toHaveLength(1);
        }
        counts[size] = statements.length;
        samples[size] = statements;
      }
      console.log(`[statement count] jobs list as ${_who}: ${JSON.stringify(counts)}`);
      expect(counts[10], samples[10]!.join('\n')).toBe(counts[1]);
      expect(counts[50], samples[50]!.join('\n')).toBe(counts[1]);
    });
  });
});
