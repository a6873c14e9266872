import { describe, expect, it } from 'vitest';
import { growingLru } from '../../src/core/growing-lru';

describe('growingLru', () => {
  it('holds at most its number of entries, evicting the least recently used', () => {
    const cache = growingLru<string, number>(3);
    for (const key of ['a', 'b', 'c']) cache.set(key, key.charCodeAt(0));
    expect(cache.get('a')).toBe(97);
    cache.set('d', 100);
    expect(cache.size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect([...cache.keys()].sort()).toEqual(['a', 'c', 'd']);
  });

  it('takes no storage for entries it does not hold yet', () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const caches = Array.from({ length: 4 }, () => growingLru<string, string>(1_000_000));
    const grownBytes = process.memoryUsage().heapUsed - heapBefore;
    expect(caches.every((cache) => cache.size === 0)).toBe(true);
    // Four caches of a million preallocated slots would take tens of megabytes.
    expect(grownBytes).toBeLessThan(4 * 1024 * 1024);
  });
});
