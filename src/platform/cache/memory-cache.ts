import { LRUCache } from 'lru-cache';

import type { ValueStore } from './value-store.ts';

export interface MemoryStoreOptions {
  /** Entries kept before the least recently used one goes. */
  readonly maxEntries: number;
  /** Longest life of an entry, in milliseconds. */
  readonly ttlMs: number;
}

/**
 * Values in this process's memory (lru-cache). Values are kept as JSON text,
 * like in Redis, so a caller that changes what it got cannot change what the
 * next caller gets. Expiry is checked on read: no timer keeps the process up.
 */
export class MemoryStore implements ValueStore {
  readonly kind = 'memory';
  private readonly entries: LRUCache<string, string>;

  constructor(options: MemoryStoreOptions) {
    this.entries = new LRUCache<string, string>({ max: options.maxEntries, ttl: options.ttlMs });
  }

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, value, { ttl: ttlMs });
  }

  async clear(): Promise<number> {
    const count = this.entries.size;
    this.entries.clear();
    return count;
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
