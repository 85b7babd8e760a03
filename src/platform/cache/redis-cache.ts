import { Redis } from 'ioredis';

import type { Logger } from '../logging/logger.ts';
import type { ValueStore } from './value-store.ts';

export interface RedisStoreOptions {
  readonly url: string;
  /** Put before every key, followed by `:`; tests use a random one. */
  readonly prefix: string;
  readonly logger: Logger;
  /**
   * How long one command may take before the cache gives up on Redis and
   * computes the value itself.
   * @defaultValue 500
   */
  readonly commandTimeoutMs?: number;
}

// Connection errors repeat on every reconnection attempt; one line per interval is enough.
const ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * Values in Redis, shared by every process. The connection opens on first
 * use, so a command that never reads the cache (a CLI tool, a writer) opens
 * none. While Redis is unreachable calls fail at once instead of queuing, so
 * requests compute their values rather than wait.
 */
export class RedisStore implements ValueStore {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private lastErrorLoggedAt = 0;

  constructor(options: RedisStoreOptions) {
    this.redis = new Redis(options.url, {
      keyPrefix: `${options.prefix}:`,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 500,
    });
    this.redis.on('error', (err: Error) => {
      const now = Date.now();
      if (now - this.lastErrorLoggedAt < ERROR_LOG_INTERVAL_MS) return;
      this.lastErrorLoggedAt = now;
      options.logger.warn({ err }, 'cache redis connection error');
    });
  }

  async get(key: string): Promise<string | undefined> {
    this.assertReachable();
    return (await this.redis.get(key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.assertReachable();
    await this.redis.set(key, value, 'PX', ttlMs);
  }

  /**
   * Deletes every key under the prefix, in batches (SCAN, then UNLINK), so a
   * large cache never blocks Redis. Unlike get and set, it connects first and
   * fails when Redis cannot be reached: the caller needs to know.
   */
  async clear(): Promise<number> {
    if (this.redis.status === 'wait') await this.redis.connect();
    // SCAN matches whole key names, ignoring keyPrefix; UNLINK adds keyPrefix again.
    const prefix = this.redis.options.keyPrefix ?? '';
    let cursor = '0';
    let count = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) {
        await this.redis.unlink(...keys.map((key) => key.slice(prefix.length)));
        count += keys.length;
      }
    } while (cursor !== '0');
    return count;
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') {
      await this.redis.quit().catch(() => undefined);
    }
    this.redis.disconnect();
  }

  private assertReachable(): void {
    const { status } = this.redis;
    if (status === 'reconnecting' || status === 'close' || status === 'end') {
      throw new Error(`redis is not connected (${status})`);
    }
  }
}
