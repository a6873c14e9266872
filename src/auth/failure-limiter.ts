import { LRUCache } from 'lru-cache';

/**
 * Counts failed authentications per client address and per key prefix in a fixed window. Once
 * either count reaches the limit, further attempts from it are refused before any hashing or
 * database work until the window ends, so guessing is slow and cannot starve the CPU.
 */
export class FailureLimiter {
  private readonly windows: LRUCache<string, { count: number; resetAt: number }>;

  constructor(
    private readonly limit: number,
    private readonly windowSeconds: number,
  ) {
    this.windows = new LRUCache({ max: 50_000, ttl: windowSeconds * 1000 });
  }

  /** Seconds until the caller may try again, or 0 when it may try now. */
  retryAfter(subjects: readonly string[]): number {
    const now = Date.now();
    let wait = 0;
    for (const subject of subjects) {
      const window = this.windows.get(subject);
      if (window && window.count >= this.limit && window.resetAt > now) {
        wait = Math.max(wait, Math.ceil((window.resetAt - now) / 1000));
      }
    }
    return wait;
  }

  recordFailure(subjects: readonly string[]): void {
    const now = Date.now();
    for (const subject of subjects) {
      const window = this.windows.get(subject);
      if (window && window.resetAt > now) window.count++;
      else this.windows.set(subject, { count: 1, resetAt: now + this.windowSeconds * 1000 });
    }
  }
}
