import { LRUCache } from 'lru-cache';

/**
 * Counts failed authentications per subject (a client address, a key prefix) in a fixed window.
 * Once a subject's count reaches the limit, its further attempts are refused before any hashing
 * or database work until the window ends, so guessing is slow and cannot starve the CPU.
 */
export class FailureLimiter {
  private readonly failures: LRUCache<string, { count: number; resetAt: number }>;
  /** Subjects at their limit, with the end of their window: empty unless someone is guessing, so most checks read nothing. */
  private readonly blocked: LRUCache<string, number>;

  constructor(
    private readonly limit: number,
    private readonly windowSeconds: number,
  ) {
    const bounds = { max: 50_000, ttl: windowSeconds * 1000 };
    this.failures = new LRUCache(bounds);
    this.blocked = new LRUCache(bounds);
  }

  /** Seconds until any of the subjects may try again, or 0 when all may try now. */
  retryAfter(...subjects: readonly string[]): number {
    if (this.blocked.size === 0) return 0;
    const now = Date.now();
    let wait = 0;
    for (const subject of subjects) {
      const resetAt = this.blocked.get(subject);
      if (resetAt !== undefined && resetAt > now) wait = Math.max(wait, Math.ceil((resetAt - now) / 1000));
    }
    return wait;
  }

  recordFailure(...subjects: readonly string[]): void {
    const now = Date.now();
    for (const subject of subjects) {
      let window = this.failures.get(subject);
      if (window && window.resetAt > now) window.count++;
      else this.failures.set(subject, (window = { count: 1, resetAt: now + this.windowSeconds * 1000 }));
      if (window.count >= this.limit) this.blocked.set(subject, window.resetAt, { ttl: window.resetAt - now });
    }
  }
}
