import { LRUCache } from 'lru-cache';

type GrowingOptions<K extends {}, V extends {}, FC> = Omit<LRUCache.Options<K, V, FC>, 'max' | 'maxSize' | 'sizeCalculation'>;

/**
 * An LRU cache of at most `entries` entries whose storage grows as entries arrive. lru-cache's
 * `max` allocates storage for every entry at construction, so caches sized for a large fleet held
 * megabytes of empty arrays from the first second; counting each entry as size 1 against `maxSize`
 * bounds the cache the same way without that.
 */
export function growingLru<K extends {}, V extends {}, FC = unknown>(entries: number, options: GrowingOptions<K, V, FC> = {}): LRUCache<K, V, FC> {
  return new LRUCache<K, V, FC>({ ...options, maxSize: entries, sizeCalculation: () => 1 } as LRUCache.Options<K, V, FC>);
}
