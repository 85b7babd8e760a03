import { randomUUID } from 'node:crypto';

import type { Queryable } from '../db/database.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Cache, CacheScope } from './cache.ts';
import { readVersions } from './cache-versions.ts';
import type { ValueStore } from './value-store.ts';

export interface VersionedCacheOptions {
  readonly store: ValueStore;
  /** Where the namespace versions are read (`cache_versions`). */
  readonly db: Queryable;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Longest life of a value, in milliseconds. */
  readonly ttlMs: number;
}

// A failing store would otherwise log on every request.
const FAILURE_LOG_INTERVAL_MS = 30_000;

/**
 * The cache port over a value store. The full key of a value names the scope's
 * kind, the caller's key and the current version of each namespace, so a bump
 * makes every older value unreachable; old values are left to the TTL.
 */
export class VersionedCache implements Cache {
  readonly kind: 'memory' | 'redis';
  private lastFailureLoggedAt = 0;
  private unloggedFailures = 0;

  constructor(private readonly options: VersionedCacheOptions) {
    this.kind = options.store.kind;
  }

  async wrap<T>(scope: CacheScope, key: string, compute: () => Promise<T>): Promise<T> {
    // Versions first, then the value: see the port's comment in cache.ts.
    const versions = await readVersions(this.options.db, scope.namespaces);
    const fullKey = fullKeyOf(scope, key, versions);

    const stored = await this.tryGet(fullKey);
    if (stored !== undefined) {
      this.options.metrics.cacheHits.inc({ namespace: scope.kind });
      return JSON.parse(stored) as T;
    }
    this.options.metrics.cacheMisses.inc({ namespace: scope.kind });

    const value = await compute();
    const text = JSON.stringify(value) as string | undefined;
    if (text !== undefined) await this.trySet(fullKey, text);
    return value;
  }

  async ping(): Promise<number> {
    const startedAt = performance.now();
    const key = `ping:${randomUUID()}`;
    const token = randomUUID();
    await this.options.store.set(key, token, 10_000);
    const read = await this.options.store.get(key);
    if (read !== token) throw new Error(`cache ${this.kind} store did not return what was written`);
    return performance.now() - startedAt;
  }

  clear(): Promise<number> {
    return this.options.store.clear();
  }

  close(): Promise<void> {
    return this.options.store.close();
  }

  private async tryGet(key: string): Promise<string | undefined> {
    try {
      return await this.options.store.get(key);
    } catch (error) {
      this.logFailure(error, 'get');
      return undefined;
    }
  }

  private async trySet(key: string, text: string): Promise<void> {
    try {
      await this.options.store.set(key, text, this.options.ttlMs);
    } catch (error) {
      this.logFailure(error, 'set');
    }
  }

  private logFailure(error: unknown, operation: 'get' | 'set'): void {
    this.unloggedFailures += 1;
    const now = Date.now();
    if (now - this.lastFailureLoggedAt < FAILURE_LOG_INTERVAL_MS) return;
    this.options.logger.warn(
      { err: error, store: this.kind, operation, failures: this.unloggedFailures },
      'cache store failed; computing instead',
    );
    this.lastFailureLoggedAt = now;
    this.unloggedFailures = 0;
  }
}

/** `kind|key|namespace=version,...`: the caller's key can hold any character but `|`. */
function fullKeyOf(scope: CacheScope, key: string, versions: readonly number[]): string {
  const stamp = scope.namespaces.map((namespace, index) => `${namespace}=${versions[index] ?? 0}`);
  return `${scope.kind}|${key}|${stamp.join(',')}`;
}
