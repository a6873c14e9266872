import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How one path answers. `redirect` points at another host; `huge` sends 50 MB. */
export type Behaviour = 'ok' | '503' | '500' | '422' | 'hang' | 'redirect' | 'huge' | 'garbage';

export interface AdvertisedPipeline {
  slug: string;
  name?: string;
  version?: number;
  algorithms?: { key: string; name?: string; version?: number; task_type?: string; category_map?: { data: unknown[]; labels: string[] } }[];
}

interface ProcessRequest {
  pipeline: string;
  /** Absent when a test posts a body that is not a batch. */
  source_images?: { id: string; url: string }[];
}

export interface PushEndpoint {
  url: string;
  port: number;
  /** How each path answers; unset paths answer as the contract says. */
  behaviour: Partial<Record<'livez' | 'readyz' | 'info' | 'process', Behaviour>>;
  pipelines: AdvertisedPipeline[];
  /** What /readyz reports ready; defaults to every advertised slug. */
  ready?: string[];
  /** Every request, by path, with the time it arrived. */
  hits: { path: string; at: number }[];
  /** The image ids of every /process request, in order, whatever the endpoint answered. */
  processed: string[][];
  /** How long /process takes before it answers. */
  processDelayMs: number;
  /** The most /process requests it was answering at once. */
  maxConcurrentProcess: number;
  /** /process requests whose caller went away before the answer. */
  abandoned: number;
  /** Stops answering: the server closes and its port refuses connections. */
  close(): Promise<void>;
  /** Lets the test process exit while it still listens. */
  unref(): void;
}

const HUGE_BYTES = 50 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function json(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** One detection per image, by the first algorithm of the pipeline, as the template service answers. */
function results(pipeline: AdvertisedPipeline | undefined, slug: string, images: { id: string; url: string }[]) {
  const algorithm = pipeline?.algorithms?.[0] ?? { key: 'missing', name: 'missing' };
  const now = new Date().toISOString();
  return {
    pipeline: slug,
    algorithms: { [algorithm.key]: { name: algorithm.name ?? algorithm.key, key: algorithm.key } },
    total_time: 0.01,
    source_images: images.map((image) => ({ id: image.id, url: image.url })),
    detections: images.map((image) => ({
      source_image_id: image.id,
      bbox: { x1: 1, y1: 2, x2: 30, y2: 40 },
      inference_time: 0.001,
      algorithm: { name: algorithm.name ?? algorithm.key, key: algorithm.key },
      timestamp: now,
      classifications: [],
    })),
    errors: null,
  };
}

/**
 * A real HTTP server on loopback that serves the push-mode contract (GET /livez, /readyz, /info,
 * POST /process), with a switch per path to answer 503, 500, 422, hang, redirect to another
 * host, 50 MB, or a body that is not the contract's.
 */
export async function startPushEndpoint(pipelines: AdvertisedPipeline[] = []): Promise<PushEndpoint> {
  const hanging = new Set<ServerResponse>();
  const endpoint: Omit<PushEndpoint, 'url' | 'port' | 'close' | 'unref'> = {
    behaviour: {},
    pipelines,
    hits: [],
    processed: [],
    processDelayMs: 0,
    maxConcurrentProcess: 0,
    abandoned: 0,
  };
  let processing = 0;
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname.replace(/^\//, '') as keyof PushEndpoint['behaviour'];
    endpoint.hits.push({ path, at: Date.now() });
    const body = await readBody(request);
    const requested = path === 'process' && request.method === 'POST' ? (JSON.parse(body) as ProcessRequest) : undefined;
    if (requested) {
      endpoint.processed.push((requested.source_images ?? []).map((image) => image.id));
      endpoint.maxConcurrentProcess = Math.max(endpoint.maxConcurrentProcess, ++processing);
      response.on('close', () => {
        processing -= 1;
        if (!response.writableFinished) endpoint.abandoned += 1;
      });
      if (endpoint.processDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, endpoint.processDelayMs));
    }
    const behaviour = endpoint.behaviour[path] ?? 'ok';
    switch (behaviour) {
      case 'hang':
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        return;
      case 'redirect':
        response.writeHead(302, { location: `http://169.254.169.254/latest/meta-data/${path}` });
        return void response.end();
      case 'huge': {
        response.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(1024 * 1024, 'x');
        let sent = 0;
        const pump = () => {
          while (sent < HUGE_BYTES) {
            sent += chunk.length;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
          response.end();
        };
        response.on('error', () => undefined);
        return pump();
      }
      case 'garbage':
        return json(response, 200, { unexpected: true });
      case '503':
        return json(response, 503, path === 'readyz' ? { status: [] } : { detail: 'unavailable' });
      case '500':
        return json(response, 500, { detail: 'internal error' });
      case '422':
        return json(response, 422, { detail: 'Unknown pipeline' });
      case 'ok':
        break;
    }
    if (path === 'livez') return json(response, 200, { status: true });
    if (path === 'readyz') return json(response, 200, { status: endpoint.ready ?? endpoint.pipelines.map((pipeline) => pipeline.slug) });
    if (path === 'info') {
      return json(response, 200, {
        name: 'test endpoint',
        description: 'started by a test',
        pipelines: endpoint.pipelines.map((pipeline) => ({
          name: pipeline.name ?? pipeline.slug,
          slug: pipeline.slug,
          version: pipeline.version ?? 1,
          description: '',
          algorithms: (pipeline.algorithms ?? []).map((algorithm) => ({
            name: algorithm.name ?? algorithm.key,
            key: algorithm.key,
            version: algorithm.version ?? 1,
            task_type: algorithm.task_type ?? 'detection',
            category_map: algorithm.category_map ?? null,
          })),
          stages: [],
        })),
      });
    }
    if (requested) {
      const pipeline = endpoint.pipelines.find((candidate) => candidate.slug === requested.pipeline);
      if (!pipeline) return json(response, 422, { detail: `Unknown pipeline ${requested.pipeline}` });
      return json(response, 200, results(pipeline, requested.pipeline, requested.source_images ?? []));
    }
    json(response, 404, { detail: 'not found' });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(endpoint, {
    url: `http://127.0.0.1:${port}`,
    port,
    unref: () => void server.unref(),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
