import type { Queryable } from '../db/database.ts';

/**
 * The cache port: values in lru-cache inside the process (embedded) or in
 * Redis shared by every process (when OMAUM_REDIS_URL is set).
 *
 * Namespaces are versioned, and the versions live in the application
 * database (`cache_versions`), not beside the values: a write bumps the
 * versions of what it changed in its own transaction, so every process —
 * web, worker, CLI, with or without Redis — stops reading the old entries the
 * moment the write commits. A reader takes the versions first, then the
 * value; a value computed from data older than a version can only be stored
 * under that older version, which no reader asks for after the commit.
 */
export interface CacheScope {
  /** Labels the hit and miss metrics, e.g. `sheet`. */
  readonly kind: string;
  /** Every namespace the value depends on, e.g. `sheet:cohort:12` and `sheet:all`. */
  readonly namespaces: readonly string[];
}

export interface Cache {
  readonly kind: 'memory' | 'redis';
  /**
   * The value stored under `key` for the current versions of the scope's
   * namespaces; otherwise computes it, stores it (with the configured TTL)
   * and returns it. A cache backend that fails is logged and bypassed.
   */
  wrap<T>(scope: CacheScope, key: string, compute: () => Promise<T>): Promise<T>;
  /**
   * Forgets every stored value; resolves to how many there were. For after a
   * backup is restored: the restored database has older namespace versions,
   * whose numbers the values cached since the backup was taken may reuse.
   */
  clear(): Promise<number>;
  /** A write and read round trip through the value store; resolves to its milliseconds. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Moves namespaces to a new version. Call it with the transaction that makes
 * the change, so that the bump commits (or rolls back) with it.
 */
export type InvalidateCache = (db: Queryable, namespaces: readonly string[]) => Promise<void>;
