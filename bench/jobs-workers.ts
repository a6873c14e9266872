import { print } from 'graphql';
import { ReserveTasksDocument, SubmitResultsDocument } from '../examples/worker/generated/graphql';

/**
 * bench:jobs' workers, in a process of their own so the gateway's CPU figures are its own: `workers`
 * loops of reserve (batch `batchSize`) -> build results -> submit, until a batch comes back empty.
 * Reads one JSON job from argv, prints one JSON report.
 */
export interface WorkerJob {
  url: string;
  apiKey: string;
  jobId: string;
  pipelineSlug: string;
  detector: string;
  classifier: string;
  workers: number;
  batchSize: number;
  /** Stop after this many seconds even if tasks remain. */
  maxSeconds: number;
}

export interface WorkerReport {
  tasks: number;
  seconds: number;
  reserveCalls: number;
  submitCalls: number;
  duplicates: number;
  refused: number;
}

const reserveQuery = print(ReserveTasksDocument);
const submitQuery = print(SubmitResultsDocument);

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as WorkerJob;
  const headers = { 'content-type': 'application/json', authorization: `Api-Key ${job.apiKey}`, 'user-agent': 'bench-jobs-worker/1.0' };
  const labels = Array.from({ length: 10 }, (_, index) => `taxon-${index}`);
  const clientInfo = { hostname: 'bench-worker', software: 'bench' };
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(job.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: any; errors?: unknown[] };
    if (!response.ok || body.errors) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const resultFor = (task: { imageId: string; imageUrl: string }) => {
    const timestamp = new Date().toISOString();
    return {
      pipeline: job.pipelineSlug,
      algorithms: [
        { name: 'detector', key: job.detector },
        { name: 'classifier', key: job.classifier },
      ],
      totalTime: 0.5,
      sourceImages: [{ id: task.imageId, url: task.imageUrl }],
      detections: Array.from({ length: 5 }, (_, d) => ({
        sourceImageId: task.imageId,
        bbox: { x1: d * 10, y1: d * 10, x2: d * 10 + 50, y2: d * 10 + 40 },
        algorithm: { name: 'detector', key: job.detector },
        timestamp,
        classifications: Array.from({ length: 2 }, (_, c) => ({
          classification: labels[c],
          labels,
          scores: labels.map((_, i) => (i === c ? 0.91 : 0.01)),
          algorithm: { name: 'classifier', key: job.classifier },
          terminal: c === 1,
          timestamp,
        })),
      })),
    };
  };
  const report: WorkerReport = { tasks: 0, seconds: 0, reserveCalls: 0, submitCalls: 0, duplicates: 0, refused: 0 };
  const started = performance.now();
  const deadline = started + job.maxSeconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const { reserveTasks } = await post(reserveQuery, { jobId: job.jobId, batchSize: job.batchSize, clientInfo });
      report.reserveCalls += 1;
      const tasks = reserveTasks.tasks as { imageId: string; imageUrl: string; leaseToken: string }[];
      if (tasks.length === 0) return;
      const { submitResults } = await post(submitQuery, { results: tasks.map((task) => ({ leaseToken: task.leaseToken, result: resultFor(task) })), clientInfo });
      report.submitCalls += 1;
      report.tasks += submitResults.accepted;
      report.duplicates += submitResults.duplicates;
      report.refused += submitResults.refused.length;
    }
  };
  await Promise.all(Array.from({ length: job.workers }, loop));
  report.seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
