/**
 * Where a cache keeps its values: serialized JSON under a full key (kind,
 * key and namespace versions). Implementations may throw on any call; the
 * cache in front of them logs the failure and computes instead.
 */
export interface ValueStore {
  readonly kind: 'memory' | 'redis';
  /** The stored text, or undefined when there is none (never stored, evicted, expired). */
  get(key: string): Promise<string | undefined>;
  /** Stores the text for `ttlMs` milliseconds at most. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Removes every value this store holds; resolves to how many there were. */
  clear(): Promise<number>;
  /** Releases connections; safe to call more than once. */
  close(): Promise<void>;
}
