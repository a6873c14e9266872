import { DomainError } from '../core/errors';
import { EndpointUnreachableError, type OutboundHttp, type OutboundResponse } from '../core/outbound-http';
import { parseInfo, parseReadyz, parseResults, rejectionDetail, type BatchResults, type EndpointInfo } from './endpoint-contract';

/** The endpoint answered, but not as the contract says: an unexpected status or body. */
export class EndpointAnswerError extends DomainError {
  readonly code = 'ENDPOINT_BAD_ANSWER';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Worth sending again later: the endpoint was unreachable, too slow, or failed on its side (5xx). */
export function isRetryable(error: unknown): boolean {
  return error instanceof EndpointUnreachableError || (error instanceof EndpointAnswerError && error.status >= 500);
}

export interface EndpointLimits {
  checkTimeoutMs: number;
  processTimeoutMs: number;
  maxResponseBytes: number;
}

/** What one health check saw. `error` is set when the service is not live or its answer was unusable. */
export interface HealthObservation {
  live: boolean;
  latencySeconds: number | null;
  readyPipelines: string[];
  error: { code: string; message: string } | null;
}

export interface ProcessRequest {
  pipeline: string;
  source_images: { id: string; url: string }[];
  config?: Record<string, unknown>;
}

export type ProcessOutcome = { kind: 'results'; results: BatchResults } | { kind: 'rejected'; detail: string };

/** Health answers are a few bytes; a larger one is not a health answer. */
const HEALTH_ANSWER_BYTES = 64 * 1024;

function endpointPath(endpointUrl: string, path: string): string {
  const base = new URL(endpointUrl);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL(path, base).toString();
}

function errorView(error: unknown): { code: string; message: string } {
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  throw error;
}

/**
 * The push-mode contract, as the original's template service serves it: GET /livez, GET /readyz,
 * GET /info, POST /process. Every call goes through the SSRF-safe client.
 */
export class PushEndpointClient {
  constructor(
    private readonly http: OutboundHttp,
    private readonly limits: EndpointLimits,
  ) {}

  private get(endpointUrl: string, path: string, maxResponseBytes: number, signal?: AbortSignal): Promise<OutboundResponse> {
    return this.http.send(endpointPath(endpointUrl, path), { method: 'GET', timeoutMs: this.limits.checkTimeoutMs, maxResponseBytes, signal });
  }

  /**
   * /livez says whether it is up (its round trip is the latency), /readyz which pipelines are
   * ready (a 503 means none). Endpoint problems are reported in the observation, never thrown.
   * `signal` cancels the calls; what is observed then says nothing of the endpoint.
   */
  async check(endpointUrl: string, signal?: AbortSignal): Promise<HealthObservation> {
    const [livez, readyz] = await Promise.allSettled([
      this.get(endpointUrl, 'livez', HEALTH_ANSWER_BYTES, signal),
      this.get(endpointUrl, 'readyz', HEALTH_ANSWER_BYTES, signal),
    ]);
    if (livez.status === 'rejected') return { live: false, latencySeconds: null, readyPipelines: [], error: errorView(livez.reason) };
    if (livez.value.status !== 200) {
      return {
        live: false,
        latencySeconds: null,
        readyPipelines: [],
        error: { code: 'ENDPOINT_BAD_ANSWER', message: `/livez answered HTTP ${livez.value.status}` },
      };
    }
    const latencySeconds = livez.value.elapsedMs / 1000;
    if (readyz.status === 'rejected') return { live: true, latencySeconds, readyPipelines: [], error: errorView(readyz.reason) };
    if (readyz.value.status === 503) return { live: true, latencySeconds, readyPipelines: [], error: null };
    const ready = readyz.value.status === 200 ? parseReadyz(readyz.value.body) : null;
    if (!ready?.ok) {
      const message = ready ? `/readyz answered unexpectedly: ${ready.problem}` : `/readyz answered HTTP ${readyz.value.status}`;
      return { live: true, latencySeconds, readyPipelines: [], error: { code: 'ENDPOINT_BAD_ANSWER', message } };
    }
    return { live: true, latencySeconds, readyPipelines: [...new Set(ready.value)].slice(0, 1_000), error: null };
  }

  /** GET /info: the pipelines it advertises. Throws the endpoint errors. */
  async info(endpointUrl: string): Promise<EndpointInfo> {
    const response = await this.get(endpointUrl, 'info', this.limits.maxResponseBytes);
    if (response.status !== 200) throw new EndpointAnswerError(`/info answered HTTP ${response.status}`, response.status);
    const parsed = parseInfo(response.body);
    if (!parsed.ok) throw new EndpointAnswerError(`/info answered unexpectedly: ${parsed.problem}`, response.status);
    return parsed.value;
  }

  /**
   * POST /process. A 422 is the endpoint refusing the batch (its detail is returned); any other
   * answer that is not results throws: EndpointAnswerError (retryable when 5xx), or the
   * outbound client's errors. `signal` cancels the call.
   */
  async process(endpointUrl: string, body: ProcessRequest, signal?: AbortSignal): Promise<ProcessOutcome> {
    const response = await this.http.send(endpointPath(endpointUrl, 'process'), {
      method: 'POST',
      json: body,
      signal,
      timeoutMs: this.limits.processTimeoutMs,
      maxResponseBytes: this.limits.maxResponseBytes,
    });
    if (response.status === 422) return { kind: 'rejected', detail: rejectionDetail(response.body) };
    if (response.status !== 200) throw new EndpointAnswerError(`/process answered HTTP ${response.status}`, response.status);
    const parsed = parseResults(response.body);
    if (!parsed.ok) throw new EndpointAnswerError(`/process answered unexpectedly: ${parsed.problem}`, response.status);
    return { kind: 'results', results: parsed.value };
  }
}
