import { createWorld as createBaseWorld, dataOf, sql, unique } from '../support/world';
import type { GraphQLResponse, TestGateway } from '../support/gateway';

export { dataOf, errorOf, sql, unique } from '../support/world';

export const JOB_FIELDS = `id name pipelineSlug status maxAttempts leaseSeconds createdAt startedAt finishedAt canceledAt
  progress { total queued leased done failed canceled }`;

export const CREATE_JOB = `mutation ($input: CreateJobInput!) { createJob(input: $input) { ${JOB_FIELDS} } }`;
export const ADD_IMAGES = `mutation ($jobId: ID!, $images: [JobImageInput!]!) { addJobImages(jobId: $jobId, images: $images) { ${JOB_FIELDS} } }`;
export const CANCEL_JOB = `mutation ($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`;
export const RETRY_FAILED = `mutation ($jobId: ID!) { retryFailedTasks(jobId: $jobId) { ${JOB_FIELDS} } }`;
export const JOB = `query ($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;
export const AVAILABLE_JOBS = `query ($slugs: [String!]) { availableJobs(pipelineSlugs: $slugs) { id pipelineSlug status } }`;
export const RESERVE = `mutation ($jobId: ID!, $batchSize: Int!, $clientInfo: ClientInfoInput) {
  reserveTasks(jobId: $jobId, batchSize: $batchSize, clientInfo: $clientInfo) { jobId tasks { id imageId imageUrl leaseToken leaseExpiresAt attempt } } }`;
export const RENEW = `mutation ($leaseTokens: [String!]!) {
  renewTaskLeases(leaseTokens: $leaseTokens) { renewed { leaseToken leaseExpiresAt } refused { leaseToken code path message } } }`;
export const SUBMIT = `mutation ($results: [TaskResultInput!]!, $clientInfo: ClientInfoInput) {
  submitResults(results: $results, clientInfo: $clientInfo) { accepted duplicates refused { leaseToken code path message } } }`;

export interface JobData {
  id: string;
  name: string;
  pipelineSlug: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  canceledAt: string | null;
  progress: { total: number; queued: number; leased: number; done: number; failed: number; canceled: number };
}

export interface LeasedTask {
  id: string;
  imageId: string;
  imageUrl: string;
  leaseToken: string;
  leaseExpiresAt: string;
  attempt: number;
}

export interface SubmitData {
  accepted: number;
  duplicates: number;
  refused: { leaseToken: string; code: string; path: string; message: string }[];
}

export interface PipelineSetup {
  slug: string;
  detector: string;
  classifier: string;
}

/** `count` images with ids img-<prefix>-<n>. */
export function images(count: number, prefix = unique('img')): { id: string; url: string }[] {
  return Array.from({ length: count }, (_, index) => ({ id: `${prefix}-${index}`, url: `https://images.example.org/${prefix}/${index}.jpg` }));
}

/**
 * A well-formed result for a task: `detections` boxes, each with `classifications` of `scores`
 * scores (with labels), by the pipeline's detector and classifier.
 */
export function resultFor(task: Pick<LeasedTask, 'imageId' | 'imageUrl'>, pipeline: PipelineSetup, shape = { detections: 1, classifications: 1, scores: 3 }) {
  const timestamp = new Date().toISOString();
  const labels = Array.from({ length: shape.scores }, (_, index) => `taxon-${index}`);
  return {
    pipeline: pipeline.slug,
    algorithms: [
      { name: 'detector', key: pipeline.detector },
      { name: 'classifier', key: pipeline.classifier },
    ],
    totalTime: 0.25,
    sourceImages: [{ id: task.imageId, url: task.imageUrl }],
    detections: Array.from({ length: shape.detections }, (_, index) => ({
      sourceImageId: task.imageId,
      bbox: { x1: index, y1: index, x2: index + 10.5, y2: index + 20.25 },
      inferenceTime: 0.01,
      algorithm: { name: 'detector', key: pipeline.detector },
      timestamp,
      classifications: Array.from({ length: shape.classifications }, () => ({
        classification: labels[0],
        labels,
        scores: labels.map((_, i) => (i === 0 ? 0.9 : 0.1 / Math.max(1, labels.length - 1))),
        algorithm: { name: 'classifier', key: pipeline.classifier },
        terminal: true,
        timestamp,
      })),
    })),
  };
}

/** The jobs world: the base world, keyed pull-mode workers, pipelines they register, jobs. */
export async function createJobWorld(gw: TestGateway) {
  const world = await createBaseWorld(gw);
  const asAdmin = world.as(world.admin);

  /** A pull-mode service linked to the projects, with an API key. */
  async function createWorker(projectIds: string[], label = 'worker'): Promise<{ serviceId: string; key: string; headers: Record<string, string> }> {
    const serviceId = await world.createService({ projectIds, name: unique(label) });
    const { key } = await world.generateKey(serviceId);
    return { serviceId, key, headers: { authorization: `Api-Key ${key}`, 'user-agent': 'jobs-test/1.0' } };
  }

  /** Registers a detector + classifier pipeline in the project, as the worker; returns its slug and algorithm keys. */
  async function registerPipeline(projectId: string, headers: Record<string, string>, setup?: PipelineSetup): Promise<PipelineSetup> {
    const pipeline = setup ?? { slug: unique('moths'), detector: unique('det'), classifier: unique('cls') };
    dataOf(
      await gw.gql(
        `mutation ($projectId: ID!, $pipelines: [PipelineConfigInput!]!) { registerPipelines(projectId: $projectId, pipelines: $pipelines) { success } }`,
        {
          projectId,
          pipelines: [
            {
              name: pipeline.slug,
              slug: pipeline.slug,
              version: 1,
              algorithms: [
                { name: 'detector', key: pipeline.detector, taskType: 'DETECTION' },
                {
                  name: 'classifier',
                  key: pipeline.classifier,
                  taskType: 'CLASSIFICATION',
                  categoryMap: { labels: ['taxon-0', 'taxon-1'], data: [{ index: 0 }, { index: 1 }] },
                },
              ],
            },
          ],
        },
        headers,
      ),
    );
    return pipeline;
  }

  async function createJob(
    input: { projectId: string; pipelineSlug: string; images?: { id: string; url: string }[]; maxAttempts?: number; leaseSeconds?: number; name?: string },
    auth = world.admin,
  ): Promise<JobData> {
    return dataOf(await gw.gql<{ createJob: JobData }>(CREATE_JOB, { input: { name: unique('job'), ...input } }, world.as(auth))).createJob;
  }

  /** Adds images in batches of 1000, as a client must. */
  async function addImages(jobId: string, list: { id: string; url: string }[], auth = world.admin): Promise<JobData> {
    let job: JobData | undefined;
    for (let start = 0; start < list.length; start += 1000) {
      job = dataOf(await gw.gql<{ addJobImages: JobData }>(ADD_IMAGES, { jobId, images: list.slice(start, start + 1000) }, world.as(auth))).addJobImages;
    }
    return job!;
  }

  async function job(jobId: string, auth = world.admin): Promise<JobData> {
    return dataOf(await gw.gql<{ job: JobData }>(JOB, { id: jobId }, world.as(auth))).job;
  }

  async function reserve(headers: Record<string, string>, jobId: string, batchSize: number, clientInfo?: Record<string, unknown>): Promise<LeasedTask[]> {
    return dataOf(await gw.gql<{ reserveTasks: { tasks: LeasedTask[] } }>(RESERVE, { jobId, batchSize, clientInfo }, headers)).reserveTasks.tasks;
  }

  function submitRaw(headers: Record<string, string>, results: unknown[], clientInfo?: Record<string, unknown>): Promise<GraphQLResponse<{ submitResults: SubmitData }>> {
    return gw.gql<{ submitResults: SubmitData }>(SUBMIT, { results, clientInfo }, headers);
  }

  async function submit(headers: Record<string, string>, results: unknown[]): Promise<SubmitData> {
    return dataOf(await submitRaw(headers, results)).submitResults;
  }

  /** A project, a worker of it with a registered pipeline, and a job of `count` images. */
  async function scenario(count: number, jobOptions: { maxAttempts?: number; leaseSeconds?: number } = {}) {
    const projectId = await world.createProject();
    const worker = await createWorker([projectId]);
    const pipeline = await registerPipeline(projectId, worker.headers);
    const created = await createJob({ projectId, pipelineSlug: pipeline.slug, images: images(count), ...jobOptions });
    return { projectId, worker, pipeline, job: created };
  }

  return { ...world, asAdmin, createWorker, registerPipeline, createJob, addImages, job, reserve, submit, submitRaw, scenario };
}

export type JobWorld = Awaited<ReturnType<typeof createJobWorld>>;

/** Row counts of the job tables. */
export async function jobTableCounts(gw: TestGateway): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, string>>(
    gw,
    `select (select count(*) from jobs) as jobs, (select count(*) from tasks) as tasks,
            (select count(*) from task_leases) as leases, (select count(*) from task_results) as results`,
  );
  return Object.fromEntries(Object.entries(row!).map(([table, count]) => [table, Number(count)]));
}
