import { setTimeout as sleep } from 'node:timers/promises';
import type { TestGateway } from './gateway';
import { startPushEndpoint, type PushEndpoint } from './push-endpoint';
import { until } from './until';
import { dataOf, unique, type World } from './world';

const SYNC = 'mutation ($id: ID!) { syncProcessingServicePipelines(id: $id) { success } }';
const CREATE_JOB = 'mutation ($input: CreateJobInput!) { createJob(input: $input) { id } }';
const JOB = 'query ($id: ID!) { job(id: $id) { status progress { total done } } }';

/**
 * A push service with a synced pipeline, left idle for `idleMs` so the runner's pause has grown,
 * then a job of `images` images for it: the job once done, and how long after its creation that
 * was. The endpoint goes into `endpoints` for the caller to close.
 */
export async function pushJobDoneAfterIdle(
  gw: TestGateway,
  world: World,
  { idleMs, images: count, endpoints }: { idleMs: number; images: number; endpoints: PushEndpoint[] },
): Promise<{ job: unknown; ms: number }> {
  const slug = unique('idle-pipeline');
  const endpoint = await startPushEndpoint([{ slug, algorithms: [{ key: `${slug}-detector`, task_type: 'detection' }] }]);
  endpoints.push(endpoint);
  const admin = world.as(world.admin);
  const projectId = await world.createProject('push idle');
  const serviceId = await world.createService({ projectIds: [projectId], endpointUrl: endpoint.url });
  dataOf(await gw.gql(SYNC, { id: serviceId }, admin));
  await sleep(idleMs);
  const images = Array.from({ length: count }, (_, index) => ({ id: `${slug}-img-${index}`, url: `https://images.example.org/${index}.jpg` }));
  const { createJob } = dataOf(
    await gw.gql<{ createJob: { id: string } }>(CREATE_JOB, { input: { projectId, pipelineSlug: slug, name: 'wake', images } }, admin),
  );
  const created = Date.now();
  const job = await until(
    async () => dataOf(await gw.gql(JOB, { id: createJob.id }, admin)).job,
    (current: { status: string }) => current.status === 'SUCCESS',
    15_000,
    50,
  );
  return { job, ms: Date.now() - created };
}
