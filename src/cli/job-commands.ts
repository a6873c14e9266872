import { readFile } from 'node:fs/promises';
import { ProjectAccess } from '../auth/project-access';
import { system } from '../auth/principal';
import { NotFoundError } from '../core/errors';
import { parseId } from '../core/ids';
import { JOB_LIMITS, loadJobs, type JobImage, type JobView } from '../jobs/job.service';
import { UsageError, type Command } from './command';
import { formatTime } from './format';

/**
 * Images from a file of lines `id,url` (CSV; a first line `id,url` is a header) or JSON lines
 * `{"id": ..., "url": ...}`. Blank lines are skipped; a bad line is named by its number.
 */
export function parseImages(text: string, file: string): JobImage[] {
  const images: JobImage[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const where = `--images ${file} line ${index + 1}`;
    if (line === '' || (index === 0 && /^id\s*,\s*url$/i.test(line))) return;
    if (line.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new UsageError(`${where}: not valid JSON`);
      }
      const { id, url } = (parsed ?? {}) as { id?: unknown; url?: unknown };
      if (typeof id !== 'string' && typeof id !== 'number') throw new UsageError(`${where}: "id" must be a string`);
      if (typeof url !== 'string') throw new UsageError(`${where}: "url" must be a string`);
      images.push({ id: String(id), url });
      return;
    }
    const comma = line.indexOf(',');
    if (comma < 1 || comma === line.length - 1) throw new UsageError(`${where}: expected id,url`);
    images.push({ id: line.slice(0, comma).trim(), url: line.slice(comma + 1).trim() });
  });
  if (images.length === 0) throw new UsageError(`--images ${file}: no images`);
  return images;
}

function describeJob(job: JobView): string[] {
  const { total, queued, leased, done, failed, canceled } = job.progress;
  return [
    `Job ${job.id} "${job.name}" (pipeline ${job.pipelineSlug}, project ${job.projectId}): ${job.status}`,
    `  tasks:    ${total} total, ${queued} queued, ${leased} leased, ${done} done, ${failed} failed, ${canceled} canceled`,
    `  attempts: at most ${job.maxAttempts}; leases of ${job.leaseSeconds} s`,
    `  created:  ${formatTime(job.createdAt)}  started: ${formatTime(job.startedAt)}  finished: ${formatTime(job.finishedAt)}  canceled: ${formatTime(job.canceledAt)}`,
  ];
}

function optionalCount(value: string | boolean | undefined, flag: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${flag}: expected a whole number`);
  return Number(value);
}

const jobsCreate: Command = {
  name: 'jobs create',
  positionals: [],
  options: {
    project: { type: 'string', value: '<id>', required: true, help: 'the project whose images these are' },
    pipeline: { type: 'string', value: '<slug>', required: true, help: 'a pipeline enabled for the project' },
    images: { type: 'string', value: '<file>', required: true, help: 'lines of id,url (CSV) or JSON lines {"id": ..., "url": ...}' },
    name: { type: 'string', value: '<name>', help: 'a label for the job (default: the file name)' },
    'max-attempts': { type: 'string', value: '<N>', help: 'leases of a task before it fails for good (default 3)' },
    'lease-seconds': { type: 'string', value: '<N>', help: 'how long a lease lasts unless renewed (default 300)' },
  },
  summary: 'Create a job that runs a pipeline over a list of images.',
  fieldNames: {
    'input.name': '--name',
    'input.pipelineSlug': '--pipeline',
    'input.maxAttempts': '--max-attempts',
    'input.leaseSeconds': '--lease-seconds',
  },
  details: [
    `Images go in ${JOB_LIMITS.imagesPerCall} at a time. If a run stops midway, the job keeps what was added;`,
    'image ids already in a job are skipped, so adding the same images again is safe.',
  ],
  async prepare({ values }) {
    if (typeof values.project !== 'string') throw new UsageError('missing --project <id>');
    if (typeof values.pipeline !== 'string') throw new UsageError('missing --pipeline <slug>');
    if (typeof values.images !== 'string') throw new UsageError('missing --images <file>');
    const projectId = parseId(values.project, '--project');
    const pipelineSlug = values.pipeline;
    const file = values.images;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`--images ${file}: cannot read the file`);
    }
    const images = parseImages(text, file);
    const name = typeof values.name === 'string' ? values.name : file.split('/').at(-1)!;
    const maxAttempts = optionalCount(values['max-attempts'], 'max-attempts');
    const leaseSeconds = optionalCount(values['lease-seconds'], 'lease-seconds');
    return async ({ em, services, out }) => {
      const batches: JobImage[][] = [];
      for (let start = 0; start < images.length; start += JOB_LIMITS.imagesPerCall) batches.push(images.slice(start, start + JOB_LIMITS.imagesPerCall));
      let job = await services.jobs.create(em, new ProjectAccess(em, system), null, {
        projectId,
        pipelineSlug,
        name,
        images: batches[0],
        maxAttempts,
        leaseSeconds,
      });
      for (const batch of batches.slice(1)) job = await services.jobs.addImages(em, job.id, batch);
      for (const line of describeJob(job)) out(line);
    };
  },
};

const jobsShow: Command = {
  name: 'jobs show',
  positionals: ['<id>'],
  options: {},
  summary: "Show a job's status and progress.",
  async prepare({ positionals }) {
    const jobId = parseId(positionals[0]!, '<id>');
    return async ({ em, out }) => {
      const [job] = await loadJobs(em, [jobId]);
      if (!job) throw new NotFoundError(`Job ${jobId} not found`);
      for (const line of describeJob(job)) out(line);
    };
  },
};

const jobsCancel: Command = {
  name: 'jobs cancel',
  positionals: ['<id>'],
  options: {},
  summary: 'Cancel a job: it hands out no more tasks (results of tasks already leased are still kept).',
  async prepare({ positionals }) {
    const jobId = parseId(positionals[0]!, '<id>');
    return async ({ em, services, out }) => {
      const job = await services.jobs.cancel(em, jobId);
      for (const line of describeJob(job)) out(line);
    };
  },
};

export const jobCommands: Command[] = [jobsCreate, jobsShow, jobsCancel];
