import type { LRUCache } from 'lru-cache';
import { growingLru } from '../core/growing-lru';

interface FailureWindow {
  count: number;
  resetAt: number;
  /** Set once the window's exhaustion has been reported. */
  reported?: boolean;
}

/**
 * Counts failed authentications per subject (a client address, a key prefix) in a fixed window.
 * Counting and deciding happen in one synchronous step, so requests racing each other cannot all
 * pass a check made before the count: exactly `limit` failures per window are answered normally.
 */
export class FailureLimiter {
  private readonly failures: LRUCache<string, FailureWindow>;

  constructor(
    readonly limit: number,
    readonly windowSeconds: number,
  ) {
    this.failures = growingLru(50_000, { ttl: windowSeconds * 1000 });
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

  /**
   * Counts one failure for each subject. Returns the seconds to wait when a subject has now failed
   * more than `limit` times in its window (the caller answers 429), else 0.
   */
  recordFailure(...subjects: readonly string[]): number {
    const now = Date.now();
    let wait = 0;
    for (const subject of subjects) {
      const window = this.openWindow(subject, now);
      window.count++;
      if (window.count > this.limit) wait = Math.max(wait, Math.ceil((window.resetAt - now) / 1000));
    }
    return wait;
  }

  /**
   * Claims one attempt for an expensive check (a password hash) before it runs: returns the
   * seconds to wait when the subject has used up its window, else 0 after counting the attempt as
   * a failure. `forgive` takes the count back once the attempt succeeded.
   */
  claimAttempt(subject: string): number {
    const wait = this.retryAfter(subject);
    if (wait > 0) return wait;
    this.openWindow(subject, Date.now()).count++;
    return 0;
  }

  /**
   * True once per window: the first time it is asked after the subject has used up its attempts,
   * so a run of failures is reported once, however many follow it.
   */
  newlyExhausted(subject: string): boolean {
    const window = this.failures.get(subject);
    if (!window || window.count < this.limit || window.reported || window.resetAt <= Date.now()) return false;
    window.reported = true;
    return true;
  }

  forgive(subject: string): void {
    const window = this.failures.get(subject);
    if (window && window.count > 0) window.count--;
  }

  private openWindow(subject: string, now: number): FailureWindow {
    const window = this.failures.get(subject);
    if (window && window.resetAt > now) return window;
    const fresh = { count: 0, resetAt: now + this.windowSeconds * 1000 };
    this.failures.set(subject, fresh);
    return fresh;
  }
}
