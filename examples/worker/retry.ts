import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayHttpError, GatewayRequestError, GatewayUnreachableError } from './errors';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Delay before the second attempt; doubles after each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 15_000 };

/** The longest `Retry-After` honoured, so a wrong header cannot park a worker for hours. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Exponential backoff with "equal jitter": half the capped exponential delay, plus a random
 * share of the other half. Workers restarted together spread out instead of retrying in step,
 * and no wait is ever close to zero.
 */
export function backoffDelay(policy: RetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** The wait before the next attempt: the backoff, or longer when the server asked for it with `Retry-After`. */
export function retryDelay(policy: RetryPolicy, failedAttempts: number, error: unknown, random: () => number = Math.random): number {
  const backoff = backoffDelay(policy, failedAttempts, random);
  const asked = error instanceof GatewayHttpError ? error.retryAfterMs : undefined;
  return asked === undefined ? backoff : Math.max(backoff, Math.min(asked, MAX_RETRY_AFTER_MS));
}

/**
 * Whether a failed attempt may be sent again. A request that is not idempotent is resent only
 * when it certainly never ran: it never reached the server, or the server refused it for now (429).
 */
export function mayRetry(error: unknown, idempotent: boolean): boolean {
  if (!(error instanceof GatewayRequestError) || !error.retryable) return false;
  if (idempotent) return true;
  return (error instanceof GatewayUnreachableError && error.notDelivered) || (error instanceof GatewayHttpError && error.status === 429);
}

/**
 * Runs `attempt` until it succeeds, fails for good, or `policy.maxAttempts` is reached; the
 * thrown error carries the number of attempts made. `signal` cuts a backoff wait short.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  idempotent: boolean,
  attempt: () => Promise<T>,
  signal?: AbortSignal,
  onRetry?: (error: GatewayRequestError, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof GatewayRequestError) error.attempts = attempts;
      if (attempts >= policy.maxAttempts || !mayRetry(error, idempotent) || signal?.aborted) throw error;
      const delayMs = retryDelay(policy, attempts, error);
      onRetry?.(error as GatewayRequestError, attempts, delayMs);
      await sleep(delayMs, undefined, { signal });
    }
  }
}
