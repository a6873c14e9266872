import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import {
  classifier,
  createWorld,
  dataOf,
  detector,
  pipeline,
  REGISTER,
  rowCounts,
  rowVersions,
  sql,
  unique,
  type RegisterResult,
} from './fixtures';

let gw: TestGateway;
let world: Awaited<ReturnType<typeof createWorld>>;
beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
});
afterAll(() => gw?.close());

const SERVICE = `query ($id: ID!) {
  processingService(id: $id) {
    lastSeen lastSeenLive
    lastSeenClientInfo { hostname software ip userAgent }
    pipelines { slug algorithms { key version categoryMap { labels } } }
  }
}`;

describe('a first registration creates and links everything', () => {
  let projectId: string;
  let worker: Awaited<ReturnType<typeof world.createWorker>>;
  let result: RegisterResult['registerPipelines'];
  const slugA = unique('moths');
  const slugB = unique('beetles');
  const detectorKey = unique('detector');
  const mothKey = unique('moth-classifier');
  const beetleKey = unique('beetle-classifier');

  beforeAll(async () => {
    projectId = await world.createProject();
    worker = await world.createWorker([projectId]);
    const response = await gw.gql<RegisterResult>(
      REGISTER,
      {
        projectId,
        pipelines: [
          pipeline(slugA, [detector(detectorKey), classifier(mothKey)], {
            description: 'Moths of Quebec',
            stages: [{ key: 'detect', name: 'Detect', params: [{ name: 'Threshold', key: 'threshold', category: 'float' }] }],
          }),
          pipeline(slugB, [classifier(beetleKey, 2, ['beetle', 'other']), detector(detectorKey)]),
        ],
        clientInfo: { hostname: 'worker-1', software: 'ami-data-companion', version: '0.9.1', platform: 'linux' },
      },
      worker.headers,
    );
    result = dataOf(response).registerPipelines;
  });

  it('reports every pipeline, in payload order, as created, and each distinct algorithm once', () => {
    expect(result.success).toBe(true);
    expect(Date.parse(result.timestamp)).not.toBeNaN();
    expect(result.pipelines.map((p) => p.slug)).toEqual([slugA, slugB]);
    expect(result.pipelinesCreated.map((p) => p.slug)).toEqual([slugA, slugB]);
    expect(result.algorithmsCreated.map((a) => `${a.key}@${a.version}`).sort()).toEqual(
      [`${detectorKey}@1`, `${mothKey}@1`, `${beetleKey}@2`].sort(),
    );
  });

  it('keeps the algorithms in pipeline order, with their category maps and stages', () => {
    const [moths, beetles] = result.pipelines;
    expect(moths!.algorithms.map((a) => [a.key, a.taskType])).toEqual([
      [detectorKey, 'DETECTION'],
      [mothKey, 'CLASSIFICATION'],
    ]);
    expect(beetles!.algorithms.map((a) => a.key)).toEqual([beetleKey, detectorKey]);
    expect(moths!.algorithms[0]!.id).toBe(beetles!.algorithms[1]!.id);
    expect(moths!.algorithms[1]!.categoryMap).toEqual({
      labels: ['moth', 'nonmoth'],
      data: [
        { index: 0, label: 'moth' },
        { index: 1, label: 'nonmoth' },
      ],
      version: 'v1',
    });
    expect(moths!.algorithms[0]!.categoryMap).toBeNull();
    expect(moths!.description).toBe('Moths of Quebec');
    expect(moths!.stages).toEqual([
      { key: 'detect', name: 'Detect', description: null, params: [{ name: 'Threshold', key: 'threshold', category: 'float' }] },
    ]);
  });

  it('enables the pipelines in the project and links them to the service', async () => {
    const configs = await sql<{ slug: string; enabled: boolean }>(
      gw,
      `select p.slug, c.enabled from project_pipeline_configs c join pipelines p on p.id = c.pipeline_id
       where c.project_id = ? order by p.slug`,
      [Number(projectId)],
    );
    expect(configs).toEqual([slugA, slugB].sort().map((slug) => ({ slug, enabled: true })));
    const service = dataOf(await gw.gql(SERVICE, { id: worker.serviceId }, world.asAdmin)).processingService;
    expect(service.pipelines.map((p: { slug: string }) => p.slug)).toEqual([slugA, slugB].sort());
  });

  it('records the heartbeat with what the worker reported and what the server observed', async () => {
    const service = dataOf(await gw.gql(SERVICE, { id: worker.serviceId }, world.asAdmin)).processingService;
    expect(service.lastSeenLive).toBe(true);
    expect(service.lastSeen).not.toBeNull();
    expect(service.lastSeenClientInfo).toEqual({
      hostname: 'worker-1',
      software: 'ami-data-companion',
      ip: '127.0.0.1',
      userAgent: 'pipelines-test/1.0',
    });
  });
});

describe('re-sending the same payload writes no registration row', () => {
  it('leaves every row version (xmin) unchanged and reports nothing created', async () => {
    const projectId = await world.createProject();
    const worker = await world.createWorker([projectId]);
    const payload = {
      projectId,
      pipelines: [
        pipeline(unique('p1'), [detector(unique('d')), classifier(unique('c'))], {
          stages: [{ key: 's', name: 'S', description: 'stage', params: [] }],
        }),
        pipeline(unique('p2'), []),
      ],
      clientInfo: { hostname: 'worker-1' },
    };
    const first = dataOf(await gw.gql<RegisterResult>(REGISTER, payload, worker.headers)).registerPipelines;
    expect(first.pipelinesCreated).toHaveLength(2);
    const before = await rowVersions(gw);
    const counts = await rowCounts(gw);

    const again = dataOf(await gw.gql<RegisterResult>(REGISTER, payload, worker.headers)).registerPipelines;

    expect(again.pipelinesCreated).toEqual([]);
    expect(again.algorithmsCreated).toEqual([]);
    expect(again.pipelines.map((p) => p.id)).toEqual(first.pipelines.map((p) => p.id));
    expect(await rowVersions(gw)).toEqual(before);
    expect(await rowCounts(gw)).toEqual(counts);
  });
});

describe('a changed payload for a known slug updates the pipeline but never a stored algorithm', () => {
  it('takes the new fields and algorithm order, keeps the stored algorithm, and creates only what is new', async () => {
    const projectId = await world.createProject();
    const worker = await world.createWorker([projectId]);
    const slug = unique('changing');
    const [a, b, c] = [unique('a'), unique('b'), unique('c')];
    const first = dataOf(
      await gw.gql<RegisterResult>(REGISTER, { projectId, pipelines: [pipeline(slug, [detector(a), classifier(b)])] }, worker.headers),
    ).registerPipelines;
    const [{ updated_at: updatedBefore }] = await sql(gw, 'select updated_at from pipelines where slug = ?', [slug]);

    const second = dataOf(
      await gw.gql<RegisterResult>(
        REGISTER,
        {
          projectId,
          pipelines: [
            pipeline(slug, [classifier(b, 1, ['other', 'labels']), detector(c), { ...detector(a), name: 'renamed detector' }], {
              name: 'Renamed',
              version: 2,
              description: 'now with c',
              stages: [{ key: 'k', name: 'K' }],
            }),
          ],
        },
        worker.headers,
      ),
    ).registerPipelines;

    expect(second.pipelinesCreated).toEqual([]);
    expect(second.algorithmsCreated).toEqual([{ key: c, version: 1 }]);
    const [updated] = second.pipelines;
    expect(updated!.id).toBe(first.pipelines[0]!.id);
    expect(updated).toMatchObject({ name: 'Renamed', version: 2, description: 'now with c' });
    expect(updated!.stages).toEqual([{ key: 'k', name: 'K', description: null, params: [] }]);
    expect(updated!.algorithms.map((algorithm) => algorithm.key)).toEqual([b, c, a]);
    // (key, version) already stored: the stored definition stays.
    expect(updated!.algorithms[0]!.categoryMap!.labels).toEqual(['moth', 'nonmoth']);
    expect(updated!.algorithms[2]!.name).toBe(`${a} detector`);
    const [{ updated_at: updatedAfter }] = await sql(gw, 'select updated_at from pipelines where slug = ?', [slug]);
    expect(new Date(updatedAfter).getTime()).toBeGreaterThan(new Date(updatedBefore).getTime());
  });

  it('leaves an existing project config alone, even a disabled one', async () => {
    const projectId = await world.createProject();
    const worker = await world.createWorker([projectId]);
    const payload = { projectId, pipelines: [pipeline(unique('disabled'), [detector(unique('d'))])] };
    dataOf(await gw.gql(REGISTER, payload, worker.headers));
    await sql(gw, 'update project_pipeline_configs set enabled = false where project_id = ?', [Number(projectId)]);
    const [before] = await sql(gw, 'select xmin::text as xmin, enabled from project_pipeline_configs where project_id = ?', [Number(projectId)]);

    dataOf(await gw.gql(REGISTER, payload, worker.headers));

    const [after] = await sql(gw, 'select xmin::text as xmin, enabled from project_pipeline_configs where project_id = ?', [Number(projectId)]);
    expect(after).toEqual(before);
    expect(after!.enabled).toBe(false);
  });

  it('links a pipeline another service registered to this service and project without creating it again', async () => {
    const [firstProject, secondProject] = [await world.createProject(), await world.createProject()];
    const firstWorker = await world.createWorker([firstProject]);
    const secondWorker = await world.createWorker([secondProject]);
    const payload = [pipeline(unique('shared'), [detector(unique('d'))])];
    dataOf(await gw.gql(REGISTER, { projectId: firstProject, pipelines: payload }, firstWorker.headers));

    const second = dataOf(await gw.gql<RegisterResult>(REGISTER, { projectId: secondProject, pipelines: payload }, secondWorker.headers));

    expect(second.registerPipelines.pipelinesCreated).toEqual([]);
    expect(second.registerPipelines.algorithmsCreated).toEqual([]);
    const links = await sql(
      gw,
      `select (select count(*) from project_pipeline_configs where pipeline_id = p.id)::int as projects,
              (select count(*) from processing_service_pipelines where pipeline_id = p.id)::int as services
       from pipelines p where p.slug = ?`,
      [payload[0]!.slug],
    );
    expect(links).toEqual([{ projects: 2, services: 2 }]);
  });
});

describe('an empty pipeline list is a pure heartbeat', () => {
  it('writes no registration row and records the client info', async () => {
    const projectId = await world.createProject();
    const worker = await world.createWorker([projectId]);
    const before = await rowVersions(gw);

    const result = dataOf(
      await gw.gql<RegisterResult>(REGISTER, { projectId, pipelines: [], clientInfo: { hostname: 'idle-worker', podName: 'pod-7' } }, worker.headers),
    ).registerPipelines;

    expect(result).toMatchObject({ success: true, pipelines: [], pipelinesCreated: [], algorithmsCreated: [] });
    expect(await rowVersions(gw)).toEqual(before);
    const service = dataOf(await gw.gql(SERVICE, { id: worker.serviceId }, world.asAdmin)).processingService;
    expect(service.lastSeenClientInfo.hostname).toBe('idle-worker');
    expect(service.lastSeenLive).toBe(true);
  });
});
