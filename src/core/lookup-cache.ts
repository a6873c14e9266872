import type { EntityManager } from '@mikro-orm/postgresql';
import type { LRUCache } from 'lru-cache';
import { growingLru } from './growing-lru';

export interface LookupCacheSettings {
  ttlSeconds: number;
  maxEntries: number;
}

/** How often `get` found its answer in memory since the process started. */
export interface LookupCacheStats {
  hits: number;
  misses: number;
}

/**
 * A bounded, per-process cache of credential lookups (API keys by prefix, sessions by token
 * digest). Misses (`null`) are cached too, so a bad credential repeated costs no query. The TTL is
 * the safety net behind eviction through the invalidation channel.
 */
export class LookupCache<V> {
  private readonly entries: LRUCache<string, { value: V | null }, EntityManager>;
  private readonly counts: LookupCacheStats = { hits: 0, misses: 0 };
  /** Keys whose lookup is running: `deleteWhere` cannot see their answer yet, so it drops them all. */
  private readonly inFlight = new Set<string>();

  constructor(settings: LookupCacheSettings, lookup: (em: EntityManager, key: string) => Promise<V | null>) {
    this.entries = growingLru(settings.maxEntries, {
      ttl: settings.ttlSeconds * 1000,
      // Concurrent requests that miss on one key share one lookup instead of each reading the table.
      fetchMethod: async (key, _stale, { context: em }) => {
        this.inFlight.add(key);
        try {
          return { value: await lookup(em, key) };
        } finally {
          this.inFlight.delete(key);
        }
      },
      // An entry evicted while its lookup is in flight (revoked, logged out) is not cached from
      // the row read before: the waiting requests get that answer, the cache does not keep it.
      ignoreFetchAbort: true,
    });
  }

  /** The answer when it is in memory (`null` for a cached miss), else undefined; no I/O. */
  get(key: string): V | null | undefined {
    const entry = this.entries.get(key);
    if (entry) this.counts.hits++;
    else this.counts.misses++;
    return entry?.value;
  }

  /** The answer, from memory or from one lookup shared by everyone waiting on this key. */
  async load(em: EntityManager, key: string): Promise<V | null> {
    const entry = await this.entries.fetch(key, { context: em });
    return entry ? entry.value : null;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every cached answer that `matches`, and every lookup still running (it may be one). */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const key of [...this.inFlight]) this.entries.delete(key);
    for (const [key, entry] of this.entries.entries()) {
      if (entry.value !== null && matches(entry.value)) this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  stats(): LookupCacheStats {
    return { ...this.counts };
  }
}
