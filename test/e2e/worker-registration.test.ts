import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../../package.json';
import { SOFTWARE, userAgent } from '../../examples/worker/client-info';
import { examplePipelines } from '../../examples/worker/pipelines';
import { loadWorkerSettings } from '../../examples/worker/settings';
import { runWorker, type Registration } from '../../examples/worker/worker';
import { ADMIN, startTestGateway, type TestGateway } from '../support/gateway';

/** The fields the UI shows for a processing service, as its pages query them. */
const serviceFields = `
  id name mode status apiKeyPrefix lastSeen lastSeenLive
  lastSeenClientInfo { hostname software version platform podName ip userAgent extra }
  projects { id }
  pipelines {
    slug name version
    algorithms { key name version taskType categoryMap { labels } }
  }
`;

let gw: TestGateway;
let adminAuth: string;
let projectId: string;
let serviceId: string;
let key: string;
let prefix: string;

/** Runs the example worker with this environment until its pipelines are registered everywhere. */
async function registerWithWorker(): Promise<{ registrations: Registration[]; lines: string[] }> {
  const settings = loadWorkerSettings(
    { GATEWAY_URL: gw.url, PROJECT_IDS: projectId, PS_API_KEY: key, REQUEST_MAX_ATTEMPTS: '2' },
    os.hostname(),
  );
  const stop = new AbortController();
  const lines: string[] = [];
  let registrations: Registration[] = [];
  await runWorker(settings, {
    signal: stop.signal,
    log: { info: (line) => lines.push(line), warn: (line) => lines.push(line) },
    onRegistered: (done) => {
      registrations = done;
      stop.abort();
    },
  });
  return { registrations, lines };
}

beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw?.close());

describe('an admin sets up a worker over HTTP, the worker registers, the UI shows it', () => {
  it('admin logs in, creates a project and a pull-mode service, and generates its key', async () => {
    adminAuth = await gw.loginAs(ADMIN.email, ADMIN.password);
    const project = await gw.gql('mutation { createProject(input: { name: "Moth survey" }) { id } }', {}, { authorization: adminAuth });
    projectId = project.body.data.createProject.id;
    const service = await gw.gql(
      'mutation ($projectId: ID!) { createProcessingService(input: { name: "Field station GPU", projectIds: [$projectId] }) { id mode status } }',
      { projectId },
      { authorization: adminAuth },
    );
    expect(service.body.data.createProcessingService).toMatchObject({ mode: 'PULL', status: 'UNKNOWN' });
    serviceId = service.body.data.createProcessingService.id;
    const generated = await gw.gql(
      'mutation ($id: ID!) { generateKey(processingServiceId: $id) { key apiKey { prefix } } }',
      { id: serviceId },
      { authorization: adminAuth },
    );
    ({ key } = generated.body.data.generateKey);
    prefix = generated.body.data.generateKey.apiKey.prefix;
    expect(key.startsWith(`${prefix}.`)).toBe(true);
  });

  it('the worker client registers its three pipelines', async () => {
    const { registrations } = await registerWithWorker();
    expect(registrations).toHaveLength(1);
    const [registration] = registrations;
    expect(registration!.success).toBe(true);
    expect(registration!.pipelines.map((p) => p.slug)).toEqual(examplePipelines.map((p) => p.slug));
    expect(registration!.pipelinesCreated.map((p) => p.slug).sort()).toEqual(examplePipelines.map((p) => p.slug).sort());
    const distinctAlgorithms = new Set(examplePipelines.flatMap((p) => (p.algorithms ?? []).map((a) => `${a.key}@${a.version}`)));
    expect(registration!.algorithmsCreated).toHaveLength(distinctAlgorithms.size);
  });

  it('the UI list shows the key prefix, the last known worker as the server saw it, ONLINE, PULL and the pipelines in order', async () => {
    const res = await gw.gql(
      `query ($projectId: ID!) { processingServices(projectId: $projectId) { totalCount edges { node { ${serviceFields} } } } }`,
      { projectId },
      { authorization: adminAuth },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.processingServices.totalCount).toBe(1);
    const listed = res.body.data.processingServices.edges[0].node;
    expectWorkerShown(listed);

    const single = await gw.gql(`query ($id: ID!) { processingService(id: $id) { ${serviceFields} } }`, { id: serviceId }, { authorization: adminAuth });
    expect(single.body.errors).toBeUndefined();
    expect(single.body.data.processingService).toEqual(listed);
  });

  it('a second start of the worker creates nothing and keeps what the UI shows', async () => {
    const { registrations } = await registerWithWorker();
    expect(registrations[0]!.pipelinesCreated).toEqual([]);
    expect(registrations[0]!.algorithmsCreated).toEqual([]);
    const res = await gw.gql(`query ($id: ID!) { processingService(id: $id) { ${serviceFields} } }`, { id: serviceId }, { authorization: adminAuth });
    expectWorkerShown(res.body.data.processingService);
  });

  it('never wrote the key to the gateway logs', () => {
    expect(gw.logs.join('')).not.toContain(key.split('.')[1]);
  });
});

function expectWorkerShown(service: any) {
  expect(service).toMatchObject({
    id: serviceId,
    name: 'Field station GPU',
    mode: 'PULL',
    status: 'ONLINE',
    apiKeyPrefix: prefix,
    lastSeenLive: true,
    projects: [{ id: projectId }],
  });
  expect(Date.parse(service.lastSeen)).not.toBeNaN();
  expect(service.lastSeenClientInfo).toMatchObject({
    // Server-observed: the socket address and the User-Agent header the worker sent.
    ip: '127.0.0.1',
    userAgent: userAgent(),
    // Worker-reported.
    hostname: os.hostname(),
    software: SOFTWARE,
    version,
  });
  expect(service.lastSeenClientInfo.platform).toContain(os.arch());

  const bySlug = new Map<string, any>(service.pipelines.map((pipeline: any) => [pipeline.slug, pipeline]));
  expect([...bySlug.keys()].sort()).toEqual(examplePipelines.map((p) => p.slug).sort());
  for (const expected of examplePipelines) {
    const shown = bySlug.get(expected.slug)!;
    expect(shown).toMatchObject({ name: expected.name, version: expected.version });
    expect(shown.algorithms.map((a: any) => ({ key: a.key, version: a.version, taskType: a.taskType }))).toEqual(
      (expected.algorithms ?? []).map((a) => ({ key: a.key, version: a.version ?? 1, taskType: a.taskType })),
    );
    shown.algorithms.forEach((algorithm: any, index: number) => {
      const labels = expected.algorithms![index]!.categoryMap?.labels ?? null;
      expect(algorithm.categoryMap?.labels ?? null).toEqual(labels);
    });
  }
}
