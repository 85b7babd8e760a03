/**
 * Redis for the BullMQ tests: each test gets its own key prefix, and every
 * key under it is removed afterwards, so runs never see each other's jobs.
 */
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

export const redisUrl = process.env.OMAUM_TEST_REDIS_URL ?? '';

/** Why the Redis suites are skipped here, or null when they run. */
export const redisSkipReason = redisUrl === '' ? 'OMAUM_TEST_REDIS_URL is not set' : null;

export function randomPrefix(): string {
  return `omaum-test-${randomBytes(6).toString('hex')}`;
}

async function keysOf(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Removes every key of the prefix; resolves with how many remain (0 unless written meanwhile). */
export async function removePrefix(prefix: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    const keys = await keysOf(redis, prefix);
    for (let start = 0; start < keys.length; start += 500) {
      await redis.unlink(...keys.slice(start, start + 500));
    }
    return (await keysOf(redis, prefix)).length;
  } finally {
    await redis.quit();
  }
}
