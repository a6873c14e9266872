import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import type { LRUCache } from 'lru-cache';
import { performance } from 'node:perf_hooks';
import { growingLru } from '../core/growing-lru';
import type { GatewayContext } from '../graphql/context';

export interface AnonymousBudgetSettings {
  /** Milliseconds of work an address earns back per second. */
  msPerSecond: number;
  /** Milliseconds it may spend at once. */
  burstMs: number;
}

/**
 * A token bucket per client address, in milliseconds of work. Requests without credentials are
 * admitted only while their address has budget left, and pay for the parsing and validation they
 * caused; keyed workers and signed-in users never touch it.
 */
export class AddressBudget {
  private readonly buckets: LRUCache<string, { level: number; at: number }>;

  constructor(private readonly settings: AnonymousBudgetSettings) {
    this.buckets = growingLru(50_000);
  }

  /**
   * Takes one millisecond for a request about to start, in the same synchronous step as the check,
   * so requests arriving together cannot all pass. Returns the seconds to wait, or 0 when admitted.
   */
  admit(address: string): number {
    const bucket = this.refilled(address);
    if (bucket.level < 1) return Math.max(1, Math.ceil((1 - bucket.level) / this.settings.msPerSecond));
    bucket.level -= 1;
    return 0;
  }

  /** Charges work done for the address; the level may go below zero, so costly requests wait longer. */
  charge(address: string, ms: number): void {
    this.refilled(address).level -= ms;
  }

  private refilled(address: string): { level: number; at: number } {
    const now = performance.now();
    const bucket = this.buckets.get(address);
    if (!bucket) {
      const fresh = { level: this.settings.burstMs, at: now };
      this.buckets.set(address, fresh);
      return fresh;
    }
    bucket.level = Math.min(this.settings.burstMs, bucket.level + ((now - bucket.at) / 1000) * this.settings.msPerSecond);
    bucket.at = now;
    return bucket;
  }
}

/**
 * Refuses a request without an Authorization header with 429 while its address's budget is spent,
 * before its body is read. Requests with credentials go on to authentication, whose own limits
 * apply, so a valid key or token is never held back here.
 */
export function guardAnonymousRequests(app: FastifyInstance, budget: AddressBudget, path: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.authorization !== undefined || request.url.split('?')[0] !== path) return;
    const wait = budget.admit(request.ip);
    if (wait === 0) return;
    request.log.info({ retryAfterSeconds: wait }, 'anonymous request budget spent');
    return reply
      .code(429)
      .header('retry-after', String(wait))
      .send({ errors: [{ message: 'Too many requests from this address; retry later', extensions: { code: 'RATE_LIMITED' } }] });
  });
}

/** Charges anonymous requests the time Apollo spent parsing and validating their document. */
export function anonymousBudgetPlugin(budget: AddressBudget): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (contextValue.principal.kind !== 'anonymous') return;
      const address = contextValue.client.ip;
      const charge = (started: number) => async () => budget.charge(address, performance.now() - started);
      return {
        parsingDidStart: async () => charge(performance.now()),
        validationDidStart: async () => charge(performance.now()),
      };
    },
  };
}
