import type { Config } from '../../config/config.ts';
import type { Queryable } from '../db/database.ts';
import type { Logger } from '../logging/logger.ts';
import { Metrics } from '../metrics/metrics.ts';
import type { Cache } from './cache.ts';
import { MemoryStore } from './memory-cache.ts';
import { RedisStore } from './redis-cache.ts';
import { VersionedCache } from './versioned-cache.ts';

export interface CacheDeps {
  readonly config: Pick<Config, 'redisUrl' | 'cache'>;
  /** The application database, where namespace versions live. */
  readonly db: Queryable;
  readonly logger: Logger;
  /** Where hits and misses are counted; a private registry when absent. */
  readonly metrics?: Metrics;
  /**
   * Redis key prefix (followed by `:`); tests use a random one.
   * @defaultValue `omaum:cache`
   */
  readonly prefix?: string;
}

/** Where the values of the Redis cache live: keys `omaum:cache:<full key>`. */
export const CACHE_KEY_PREFIX = 'omaum:cache';

/** The cache a configuration asks for: Redis when `OMAUM_REDIS_URL` is set, else memory. */
export function createCache(deps: CacheDeps): Cache {
  const { cache, redisUrl } = deps.config;
  const ttlMs = cache.ttlSeconds * 1000;
  const store = redisUrl
    ? new RedisStore({
        url: redisUrl,
        prefix: deps.prefix ?? CACHE_KEY_PREFIX,
        logger: deps.logger,
      })
    : new MemoryStore({ maxEntries: cache.maxEntries, ttlMs });
  return new VersionedCache({
    store,
    db: deps.db,
    logger: deps.logger.child({ component: 'cache' }),
    metrics: deps.metrics ?? new Metrics({ collectProcessMetrics: false }),
    ttlMs,
  });
}
