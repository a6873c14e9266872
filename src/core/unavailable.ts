/** How long a client is asked to wait before retrying while the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs that mean "not now" rather than "wrong": connection exceptions (class 08), too many
 * connections, statement timeout or cancellation, and a server shutting down or starting up.
 */
function isTransientSqlState(code: string): boolean {
  return code.startsWith('08') || ['53300', '57014', '57P01', '57P02', '57P03'].includes(code);
}

const transientMessages = [/Connection terminated/i, /Timeout acquiring a connection/i, /connection timeout/i, /Client has encountered a connection error/i];

/**
 * True when `error` (or what it wraps: MikroORM's `previous`, `cause`, an AggregateError's errors)
 * says the database could not be reached or timed out, as opposed to a query that is wrong.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const { code, name, message, previous, cause, errors } = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    previous?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (networkCodes.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isTransientSqlState(code)))) return true;
  if (name === 'KnexTimeoutError' || name === 'ConnectionException') return true;
  if (typeof message === 'string' && transientMessages.some((pattern) => pattern.test(message))) return true;
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(previous, depth + 1) || isDatabaseUnavailable(cause, depth + 1);
}
