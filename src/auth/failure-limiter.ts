import { LRUCache } from 'lru-cache';

/**
 * Counts failed authentications per subject (a client address, a key prefix) in a fixed window.
 * Once a subject's count reaches the limit, its further attempts are refused before any hashing
 * or database work until the window ends, so guessing is slow and cannot starve the CPU.
 */
export class FailureLimiter {
  private readonly failures: LRUCache<string, { count: number; resetAt: number }>;

  constructor(
    private readonly limit: number,
    private readonly windowSeconds: number,
  ) {
    this.failures = new LRUCache({ max: 50_000, ttl: windowSeconds * 1000 });
  }

  /** Seconds until the subject may try again, or 0 when it may try now. */
  retryAfter(subject: string): number {
    // Nothing has failed lately (the usual case on a keyed request's path): nothing to look up.
    if (this.failures.size === 0) return 0;
    const window = this.failures.get(subject);
    const now = Date.now();
    if (!window || window.count < this.limit || window.resetAt <= now) return 0;
    return Math.ceil((window.resetAt - now) / 1000);
  }

  recordFailure(...subjects: readonly string[]): void {
    const now = Date.now();
    for (const subject of subjects) {
      const window = this.failures.get(subject);
      if (window && window.resetAt > now) window.count++;
      else this.failures.set(subject, { count: 1, resetAt: now + this.windowSeconds * 1000 });
    }
  }
}
