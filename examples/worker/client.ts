import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type DocumentNode } from 'graphql';
import {
  GatewayGraphQLError,
  GatewayHttpError,
  GatewayProtocolError,
  GatewayUnreachableError,
  parseRetryAfter,
  type GatewayErrorEntry,
  type GatewayRequestError,
} from './errors';
import { defaultRetryPolicy, withRetries, type RetryPolicy } from './retry';

/** How the worker proves who it is: its processing service's key, or (provisioning) a user session. */
export type Credentials = { scheme: 'Api-Key'; key: string } | { scheme: 'Token'; token: string };

export interface GatewayClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  endpoint: string;
  credentials?: Credentials;
  timeoutMs: number;
  retry?: RetryPolicy;
  userAgent: string;
  onRetry?: (error: GatewayRequestError, attempt: number, delayMs: number) => void;
}

export interface RequestOptions {
  /**
   * Safe to send twice (default true: registerPipelines and heartbeat are idempotent on the
   * server). False for operations that create something: they are resent only when the request
   * certainly never reached the gateway.
   */
  idempotent?: boolean;
  /** Stops waiting, retrying and the request in flight (e.g. on SIGTERM). */
  signal?: AbortSignal;
}

interface GraphQLBody<TData> {
  data?: TData | null;
  errors?: GatewayErrorEntry[];
}

/** Error codes of the connection layer that prove the request was never sent. */
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

const printed = new WeakMap<DocumentNode, string>();

function queryText(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

function authorization(credentials: Credentials): string {
  return credentials.scheme === 'Api-Key' ? `Api-Key ${credentials.key}` : `Token ${credentials.token}`;
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

async function readBody<TData>(response: Response): Promise<GraphQLBody<TData> | undefined> {
  try {
    return (await response.json()) as GraphQLBody<TData>;
  } catch {
    return undefined;
  }
}

/**
 * A small GraphQL-over-HTTP client for the gateway: typed documents in, typed data out. Each
 * attempt has its own timeout; connection errors, timeouts, HTTP 5xx, 429 and internal server
 * errors are retried with backoff (no sooner than the server's `Retry-After`), anything the caller
 * must fix (other 4xx, client error codes) is not.
 */
export class GatewayClient {
  constructor(private readonly options: GatewayClientOptions) {}

  /** The same client presenting other credentials. */
  withCredentials(credentials: Credentials): GatewayClient {
    return new GatewayClient({ ...this.options, credentials });
  }

  /** Sends one operation and returns its data, or throws a GatewayRequestError. */
  request<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    { idempotent = true, signal }: RequestOptions = {},
  ): Promise<TData> {
    const body = JSON.stringify({ query: queryText(document), variables });
    return withRetries(
      this.options.retry ?? defaultRetryPolicy,
      idempotent,
      () => this.attempt<TData>(body, signal),
      signal,
      this.options.onRetry,
    );
  }

  private async attempt<TData>(body: string, stop: AbortSignal | undefined): Promise<TData> {
    const { endpoint, credentials, timeoutMs, userAgent } = this.options;
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    let parsed: GraphQLBody<TData> | undefined;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          'user-agent': userAgent,
          ...(credentials ? { authorization: authorization(credentials) } : {}),
        },
        body,
        signal: stop ? AbortSignal.any([stop, timeout]) : timeout,
      });
      parsed = await readBody<TData>(response);
    } catch (error) {
      if (stop?.aborted) throw stop.reason;
      if (timeout.aborted) {
        throw new GatewayUnreachableError(`no answer from ${endpoint} within ${timeoutMs} ms`, false, { cause: error });
      }
      const code = causeCode(error);
      throw new GatewayUnreachableError(`cannot reach ${endpoint}${code ? ` (${code})` : ''}`, code !== undefined && notSentCodes.has(code), {
        cause: error,
      });
    }
    if (stop?.aborted) throw stop.reason;
    // A body read that timed out surfaces here as an unparsed body.
    if (parsed === undefined && timeout.aborted) {
      throw new GatewayUnreachableError(`no complete answer from ${endpoint} within ${timeoutMs} ms`, false);
    }
    if (!response.ok) {
      const first = parsed?.errors?.[0];
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new GatewayHttpError(response.status, first?.extensions?.code, first?.message ?? response.statusText, retryAfterMs);
    }
    if (parsed?.errors?.length) throw new GatewayGraphQLError(parsed.errors);
    if (!parsed?.data) throw new GatewayProtocolError(`HTTP ${response.status} without GraphQL data from ${endpoint}`);
    return parsed.data;
  }
}
