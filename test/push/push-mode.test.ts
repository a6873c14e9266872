import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { until } from '../support/until';
import { startPushEndpoint, type AdvertisedPipeline, type PushEndpoint } from '../support/push-endpoint';
import { createWorld, dataOf, errorOf, sql, unique, type World } from '../support/world';

const SERVICE_FIELDS = 'id mode status lastSeen lastSeenLive lastSeenLatency lastSeenReadyPipelines lastCheckError pipelines { slug }';
const CHECK = `mutation ($id: ID!) { checkProcessingService(id: $id) {
  live latency readyPipelines checkedAt error { code message } processingService { ${SERVICE_FIELDS} } } }`;
const SYNC = `mutation ($id: ID!) { syncProcessingServicePipelines(id: $id) {
  success pipelines { slug } pipelinesCreated { slug } algorithmsCreated { key version } } }`;
const SERVICE = `query ($id: ID!) { processingService(id: $id) { ${SERVICE_FIELDS} } }`;
const CREATE_JOB = 'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }';
const JOB = 'query ($id: ID!) { job(id: $id) { status progress { total queued leased done failed } } }';

const MAX_ATTEMPTS = 2;
const RETRIES = 1;

interface ServiceData {
  id: string;
  status: string;
  lastSeenLive: boolean | null;
  lastSeenLatency: number | null;
  lastSeenReadyPipelines: string[] | null;
  lastCheckError: string | null;
  pipelines: { slug: string }[];
}

/** How many times each image was sent to /process. */
function sendsPerImage(endpoint: PushEndpoint): Map<string, number> {
  const sends = new Map<string, number>();
  for (const id of endpoint.processed.flat()) sends.set(id, (sends.get(id) ?? 0) + 1);
  return sends;
}

const pipelineFor = (slug: string): AdvertisedPipeline => ({ slug, algorithms: [{ key: `${slug}-detector`, task_type: 'detection' }] });

describe('push-mode services', () => {
  let gw: TestGateway;
  let world: World;
  const endpoints: PushEndpoint[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({
      ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1',
      PUSH_RUNNER: 'on',
      PUSH_HEALTH_CHECK_INTERVAL_SECONDS: '1',
      PUSH_POLL_INTERVAL_MS: '100',
      PUSH_RETRIES: String(RETRIES),
      PUSH_RETRY_BACKOFF_MS: '20',
      ENDPOINT_PROCESS_TIMEOUT_MS: '400',
      ENDPOINT_CHECK_TIMEOUT_MS: '1000',
      // Far below the endpoint's huge answers, so refusing one takes less than the process timeout even on a busy machine.
      ENDPOINT_MAX_RESPONSE_BYTES: String(1024 * 1024),
      PUSH_BATCH_SIZE: '24',
    });
    world = await createWorld(gw);
  });
  afterAll(async () => {
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
    await gw?.close();
  });

  const admin = () => world.as(world.admin);

  async function endpointWith(slug = unique('push-pipeline')): Promise<{ endpoint: PushEndpoint; slug: string }> {
    const endpoint = await startPushEndpoint([pipelineFor(slug)]);
    endpoints.push(endpoint);
    return { endpoint, slug };
  }

  async function pushService(endpointUrl: string): Promise<{ projectId: string; serviceId: string }> {
    const projectId = await world.createProject('push');
    const serviceId = await world.createService({ projectIds: [projectId], endpointUrl });
    return { projectId, serviceId };
  }

  const readService = async (id: string) => dataOf(await gw.gql<{ processingService: ServiceData }>(SERVICE, { id }, admin())).processingService;
  const pipelineCount = async () => Number((await sql<{ count: string }>(gw, 'select count(*) from pipelines'))[0]!.count);

  describe('health checks', () => {
    it('are scheduled: the service goes ONLINE with a latency and its ready pipelines, then OFFLINE when it stops', async () => {
      const { endpoint, slug } = await endpointWith();
      const { serviceId } = await pushService(endpoint.url);
      const online = await until(() => readService(serviceId), (service) => service.status === 'ONLINE');
      expect(online).toMatchObject({ status: 'ONLINE', lastSeenLive: true, lastSeenReadyPipelines: [slug], lastCheckError: null });
      expect(online.lastSeenLatency).toBeGreaterThan(0);
      expect(endpoint.hits.some((hit) => hit.path === 'livez')).toBe(true);

      await endpoint.close();
      const offline = await until(() => readService(serviceId), (service) => service.status === 'OFFLINE');
      expect(offline).toMatchObject({ status: 'OFFLINE', lastSeenLive: false, lastSeenLatency: null, lastSeenReadyPipelines: [] });
      expect(offline.lastCheckError).toMatch(/Could not reach 127\.0\.0\.1/);
    });

    it('checkProcessingService runs one now and returns what it saw', async () => {
      const { endpoint, slug } = await endpointWith();
      const { serviceId } = await pushService(endpoint.url);
      const { checkProcessingService: check } = dataOf(await gw.gql(CHECK, { id: serviceId }, admin()));
      expect(check).toMatchObject({ live: true, readyPipelines: [slug], error: null });
      expect(check.latency).toBeGreaterThan(0);
      expect(check.processingService).toMatchObject({ status: 'ONLINE', lastSeenLive: true, lastSeenLatency: check.latency });
    });

    it('a service that is live but not ready (/readyz 503) is ONLINE with no ready pipeline', async () => {
      const { endpoint } = await endpointWith();
      endpoint.behaviour.readyz = '503';
      const { serviceId } = await pushService(endpoint.url);
      const { checkProcessingService: check } = dataOf(await gw.gql(CHECK, { id: serviceId }, admin()));
      expect(check).toMatchObject({ live: true, readyPipelines: [], error: null, processingService: { status: 'ONLINE' } });
    });

    it.each([
      ['cloud metadata', 'http://169.254.169.254/', 'ENDPOINT_REFUSED'],
      ['a private address', 'http://10.0.0.7:8000/', 'ENDPOINT_REFUSED'],
    ])('an endpoint at %s is refused and reported in the check, not as an error of the call', async (_label, url, code) => {
      const { serviceId } = await pushService(url);
      const response = await gw.gql(CHECK, { id: serviceId }, admin());
      const { checkProcessingService: check } = dataOf(response);
      expect(check).toMatchObject({ live: false, latency: null, error: { code }, processingService: { status: 'OFFLINE' } });
    });

    it('redirects count as failures, never followed', async () => {
      const { endpoint } = await endpointWith();
      endpoint.behaviour.livez = 'redirect';
      const { serviceId } = await pushService(endpoint.url);
      const { checkProcessingService: check } = dataOf(await gw.gql(CHECK, { id: serviceId }, admin()));
      expect(check).toMatchObject({ live: false, error: { code: 'ENDPOINT_REFUSED' } });
      expect(check.error.message).toMatch(/redirect/);
    });

    it('a pull-mode service has nothing to check: BAD_USER_INPUT, and nothing is written', async () => {
      const projectId = await world.createProject('pull');
      const serviceId = await world.createService({ projectIds: [projectId] });
      expect(errorOf(await gw.gql(CHECK, { id: serviceId }, admin()))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      const [row] = await sql<{ health_check_claimed_at: Date | null }>(gw, 'select health_check_claimed_at from processing_services where id = ?', [
        Number(serviceId),
      ]);
      expect(row!.health_check_claimed_at).toBeNull();
    });
  });

  describe('pipelines from the endpoint', () => {
    it('registers what /info advertises, idempotently', async () => {
      const { endpoint, slug } = await endpointWith();
      const { serviceId } = await pushService(endpoint.url);
      const first = dataOf(await gw.gql(SYNC, { id: serviceId }, admin())).syncProcessingServicePipelines;
      expect(first).toEqual({
        success: true,
        pipelines: [{ slug }],
        pipelinesCreated: [{ slug }],
        algorithmsCreated: [{ key: `${slug}-detector`, version: 1 }],
      });
      const before = await pipelineCount();
      const again = dataOf(await gw.gql(SYNC, { id: serviceId }, admin())).syncProcessingServicePipelines;
      expect(again).toEqual({ success: true, pipelines: [{ slug }], pipelinesCreated: [], algorithmsCreated: [] });
      expect(await pipelineCount()).toBe(before);
      expect((await readService(serviceId)).pipelines).toEqual([{ slug }]);
    });

    it.each([
      ['at 169.254.169.254', 'metadata', 'ENDPOINT_REFUSED'],
      ['that redirects to another host', 'redirect', 'ENDPOINT_REFUSED'],
      ['that answers 50 MB', 'huge', 'ENDPOINT_REFUSED'],
      ['that hangs past the timeout', 'hang', 'ENDPOINT_UNREACHABLE'],
      ['that answers 503', '503', 'ENDPOINT_BAD_ANSWER'],
      ['that answers something else than the contract', 'garbage', 'ENDPOINT_BAD_ANSWER'],
    ] as const)('an endpoint %s is refused with a typed error and nothing stored', async (_label, behaviour, code) => {
      const { endpoint } = await endpointWith();
      if (behaviour !== 'metadata') endpoint.behaviour.info = behaviour;
      const { serviceId } = await pushService(behaviour === 'metadata' ? 'http://169.254.169.254/' : endpoint.url);
      const before = await pipelineCount();
      const response = await gw.gql(SYNC, { id: serviceId }, admin());
      expect(response.status).toBeLessThan(500);
      expect(errorOf(response).code).toBe(code);
      expect(await pipelineCount()).toBe(before);
      expect((await readService(serviceId)).pipelines).toEqual([]);
    }, 20_000);

    it('registers in every project of the service or in none: a failure in the last leaves the first untouched', async () => {
      const { endpoint, slug } = await endpointWith();
      const [first, last] = [await world.createProject('push sync first'), await world.createProject('push sync last')];
      const serviceId = await world.createService({ projectIds: [first, last], endpointUrl: endpoint.url });
      // A failure that only registering in the last project meets, in the database itself.
      await sql(
        gw,
        `create function refuse_last_project() returns trigger language plpgsql as $$
           begin if new.project_id = ${Number(last)} then raise exception 'refused by the test'; end if; return new; end $$`,
      );
      await sql(gw, 'create trigger refuse_last_project before insert on project_pipeline_configs for each row execute function refuse_last_project()');
      const before = await pipelineCount();
      try {
        const response = await gw.gql(SYNC, { id: serviceId }, admin());
        expect(response.body.errors?.length).toBe(1);
      } finally {
        await sql(gw, 'drop trigger refuse_last_project on project_pipeline_configs');
        await sql(gw, 'drop function refuse_last_project()');
      }
      expect(await pipelineCount()).toBe(before);
      expect(await sql(gw, 'select project_id from project_pipeline_configs where project_id in (?, ?)', [Number(first), Number(last)])).toEqual([]);
      expect((await readService(serviceId)).pipelines).toEqual([]);

      const synced = dataOf(await gw.gql(SYNC, { id: serviceId }, admin())).syncProcessingServicePipelines;
      expect(synced).toMatchObject({ success: true, pipelines: [{ slug }], pipelinesCreated: [{ slug }] });
    });

    it('an advertisement the registration refuses gets its typed refusal, naming the path, and nothing stored', async () => {
      const slug = unique('push-bad');
      const endpoint = await startPushEndpoint([{ slug, algorithms: [{ key: `${slug}-x`, task_type: 'telepathy' }] }]);
      endpoints.push(endpoint);
      const { serviceId } = await pushService(endpoint.url);
      const before = await pipelineCount();
      expect(errorOf(await gw.gql(SYNC, { id: serviceId }, admin()))).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'pipelines.0.algorithms.0.taskType',
      });
      expect(await pipelineCount()).toBe(before);
    });
  });

  describe('dispatch', () => {
    async function jobOn(endpoint: PushEndpoint, slug: string, count: number, maxAttempts = MAX_ATTEMPTS) {
      const { projectId, serviceId } = await pushService(endpoint.url);
      dataOf(await gw.gql(SYNC, { id: serviceId }, admin()));
      const images = Array.from({ length: count }, (_, index) => ({ id: `${slug}-img-${index}`, url: `https://images.example.org/${index}.jpg` }));
      const { createJob } = dataOf(
        await gw.gql<{ createJob: { id: string } }>(
          CREATE_JOB,
          { input: { projectId, pipelineSlug: slug, name: 'push job', images, maxAttempts } },
          admin(),
        ),
      );
      return { jobId: createJob.id, images };
    }

    const finished = (jobId: string) =>
      until(
        async () => dataOf(await gw.gql(JOB, { id: jobId }, admin())).job,
        (job: { status: string }) => job.status === 'SUCCESS' || job.status === 'FAILURE',
      );

    const resultsOf = (jobId: string) =>
      sql<{ task_id: number; image_id: string; error: string | null; detections: number | null }>(
        gw,
        `select r.task_id, t.image_id, r.error, jsonb_array_length(r.result -> 'detections') as detections
           from task_results r join tasks t on t.id = r.task_id where r.job_id = ? order by t.id`,
        [Number(jobId)],
      );

    it('works a job of 200 images through /process, every result stored once', async () => {
      const { endpoint, slug } = await endpointWith();
      const { jobId, images } = await jobOn(endpoint, slug, 200);
      const job = await finished(jobId);
      expect(job).toEqual({ status: 'SUCCESS', progress: { total: 200, queued: 0, leased: 0, done: 200, failed: 0 } });
      const results = await resultsOf(jobId);
      expect(results).toHaveLength(200);
      expect(new Set(results.map((result) => result.task_id)).size).toBe(200);
      expect(results.every((result) => result.error === null && result.detections === 1)).toBe(true);
      const sent = endpoint.processed.flat();
      expect(sent.sort()).toEqual(images.map((image) => image.id).sort());
      expect(endpoint.processed.every((batch) => batch.length <= 24)).toBe(true);
    });

    it.each([
      ['answers 503', '503', /HTTP 503/],
      ['hangs', 'hang', /did not answer within 400 ms/],
    ] as const)('an endpoint that %s is retried, then its tasks fail after maxAttempts', async (_label, behaviour, message) => {
      const { endpoint, slug } = await endpointWith();
      endpoint.behaviour.process = behaviour;
      const { jobId, images } = await jobOn(endpoint, slug, 3);
      const job = await finished(jobId);
      expect(job).toEqual({ status: 'FAILURE', progress: { total: 3, queued: 0, leased: 0, done: 0, failed: 3 } });
      const results = await resultsOf(jobId);
      expect(results).toHaveLength(3);
      expect(results.every((result) => message.test(result.error ?? ''))).toBe(true);
      // Concurrent leases may split the three tasks into several batches; each image is still
      // sent (1 + RETRIES) times in each of its MAX_ATTEMPTS leases.
      expect(sendsPerImage(endpoint)).toEqual(new Map(images.map((image) => [image.id, MAX_ATTEMPTS * (1 + RETRIES)])));
    }, 20_000);

    it('a 422 is an error result for its tasks, with the endpoint detail, and is not retried within the lease', async () => {
      const { endpoint, slug } = await endpointWith();
      endpoint.behaviour.process = '422';
      const { jobId, images } = await jobOn(endpoint, slug, 2, 1);
      expect(await finished(jobId)).toMatchObject({ status: 'FAILURE', progress: { failed: 2 } });
      const results = await resultsOf(jobId);
      expect(results.map((result) => result.error)).toEqual([
        'The endpoint refused the batch (HTTP 422): Unknown pipeline',
        'The endpoint refused the batch (HTTP 422): Unknown pipeline',
      ]);
      expect(sendsPerImage(endpoint)).toEqual(new Map(images.map((image) => [image.id, 1])));
    });

    it('an answer of 50 MB is refused: its tasks fail with the refusal, no result of it is stored', async () => {
      const { endpoint, slug } = await endpointWith();
      endpoint.behaviour.process = 'huge';
      const { jobId } = await jobOn(endpoint, slug, 2, 1);
      expect(await finished(jobId)).toMatchObject({ status: 'FAILURE', progress: { failed: 2 } });
      const results = await resultsOf(jobId);
      expect(results).toEqual(results.map(() => expect.objectContaining({ detections: null, error: expect.stringMatching(/more than \d+ bytes/) })));
    });
  });
});
