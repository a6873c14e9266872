/** A GraphQL error as the gateway sends it. */
export interface GatewayErrorEntry {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

/**
 * Why a request to the gateway failed. `retryable` says whether another attempt could succeed;
 * `attempts` is how many were made before giving up.
 */
export abstract class GatewayRequestError extends Error {
  abstract readonly retryable: boolean;
  attempts = 1;
}

/** The gateway was not reached, or did not answer in time. */
export class GatewayUnreachableError extends GatewayRequestError {
  readonly retryable = true;
  constructor(
    message: string,
    /** True when the request certainly never reached the server (connection refused, unknown host). */
    readonly notDelivered: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A non-2xx HTTP answer. 5xx may pass with time, and so may 429 (too many requests); other 4xx
 * will not. `retryAfterMs` is the server's `Retry-After`, when it sent one.
 */
export class GatewayHttpError extends GatewayRequestError {
  readonly retryable: boolean;
  constructor(
    readonly status: number,
    /** The GraphQL error code of the body, when the body carries one (e.g. UNAUTHENTICATED). */
    readonly code: string | undefined,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}${code ? ` ${code}` : ''}: ${message}`);
    this.retryable = status >= 500 || status === 429;
  }
}

/** A `Retry-After` header (seconds, or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date is in GMT; the lenient Date.parse would also take "1.5" for a date.
  const at = value.endsWith(' GMT') ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The operation ran and the gateway answered with GraphQL errors. */
export class GatewayGraphQLError extends GatewayRequestError {
  readonly retryable: boolean;
  readonly codes: readonly string[];
  constructor(readonly errors: readonly GatewayErrorEntry[]) {
    const codes = errors.map((error) => error.extensions?.code ?? 'UNKNOWN');
    super(errors.map((error, index) => `${codes[index]}: ${error.message}`).join('; '));
    this.codes = codes;
    // Only a server-side failure may pass with time; a client code (BAD_USER_INPUT, FORBIDDEN...)
    // means this exact request will always fail.
    this.retryable = codes.every((code) => code === 'INTERNAL_SERVER_ERROR');
  }
}

/** The answer was not a GraphQL response (a proxy page, a truncated body...). */
export class GatewayProtocolError extends GatewayRequestError {
  readonly retryable = false;
}

/** The code of a failure the caller must act on (credentials, permissions, input), if any. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof GatewayHttpError) return error.code;
  if (error instanceof GatewayGraphQLError) return error.codes[0];
  return undefined;
}
