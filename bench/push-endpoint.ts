import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * bench:jobs' push-mode endpoint, in a process of its own so the gateway's CPU figures are its
 * own: the contract of the original's template service, answering /process at once with the
 * pull drain's result for each image. Reads one JSON `PushEndpointJob` from argv, prints
 * `{ "port": N }` once it listens.
 */
export interface PushEndpointJob {
  pipelineSlug: string;
  detector: string;
  classifier: string;
}

function main(): void {
  const job = JSON.parse(process.argv[2] ?? '') as PushEndpointJob;
  const labels = Array.from({ length: 10 }, (_, index) => `taxon-${index}`);
  const detector = { name: 'detector', key: job.detector };
  const classifier = { name: 'classifier', key: job.classifier };
  const info = {
    name: 'bench endpoint',
    pipelines: [
      {
        name: job.pipelineSlug,
        slug: job.pipelineSlug,
        version: 1,
        algorithms: [
          { ...detector, task_type: 'detection' },
          { ...classifier, task_type: 'classification', category_map: { labels, data: labels.map((label, index) => ({ index, label })) } },
        ],
      },
    ],
  };
  const results = (images: { id: string; url: string }[]) => {
    const timestamp = new Date().toISOString();
    return {
      pipeline: job.pipelineSlug,
      algorithms: { [detector.key]: detector, [classifier.key]: classifier },
      total_time: 0.5,
      source_images: images,
      detections: images.flatMap((image) =>
        Array.from({ length: 5 }, (_, d) => ({
          source_image_id: image.id,
          bbox: { x1: d * 10, y1: d * 10, x2: d * 10 + 50, y2: d * 10 + 40 },
          algorithm: detector,
          timestamp,
          classifications: Array.from({ length: 2 }, (_, c) => ({
            classification: labels[c],
            labels,
            scores: labels.map((_, i) => (i === c ? 0.91 : 0.01)),
            algorithm: classifier,
            terminal: c === 1,
            timestamp,
          })),
        })),
      ),
    };
  };
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://endpoint').pathname;
      const answer =
        path === '/livez'
          ? { status: true }
          : path === '/readyz'
            ? { status: [job.pipelineSlug] }
            : path === '/info'
              ? info
              : path === '/process'
                ? results((JSON.parse(body) as { source_images: { id: string; url: string }[] }).source_images)
                : null;
      const text = JSON.stringify(answer ?? { detail: 'not found' });
      response.writeHead(answer ? 200 : 404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
