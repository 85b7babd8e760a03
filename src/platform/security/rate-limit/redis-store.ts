import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';
import type { ClientContext, Result } from 'ioredis';

import type { AddressBlock, HitOutcome, RateLimitStore, WindowLimit } from './store.ts';

/**
 * Sliding-window log over sorted sets (score = instant of a hit), for any
 * number of counters at once. For each key: drop the hits that left the
 * window, count the rest. Only when every key has room is the hit added to
 * all of them, each key then expiring one window after its newest hit.
 * Returns `allowed, (remaining, msUntilASlotFrees, isExceeded) per key`.
 *
 * KEYS: the counters. ARGV: now (ms), a unique member, then window (ms)
 * and max for each key in turn.
 */
const HIT_SCRIPT = `
local now = tonumber(ARGV[1])
local member = ARGV[2]
local counts = {}
local allowed = 1
for i = 1, #KEYS do
  local window = tonumber(ARGV[1 + i * 2])
  local max = tonumber(ARGV[2 + i * 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  counts[i] = redis.call('ZCARD', KEYS[i])
  if counts[i] >= max then allowed = 0 end
end
local result = { allowed }
for i = 1, #KEYS do
  local window = tonumber(ARGV[1 + i * 2])
  local max = tonumber(ARGV[2 + i * 2])
  local exceeded = 0
  if allowed == 1 then
    redis.call('ZADD', KEYS[i], now, member)
    redis.call('PEXPIRE', KEYS[i], window)
    counts[i] = counts[i] + 1
  elseif counts[i] >= max then
    exceeded = 1
  end
  local reset = window
  local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if oldest[2] then reset = tonumber(oldest[2]) + window - now end
  local remaining = max - counts[i]
  if remaining < 0 then remaining = 0 end
  table.insert(result, remaining)
  table.insert(result, reset)
  table.insert(result, exceeded)
end
return result
`;

export interface RedisStoreOptions {
  readonly url: string;
  /** Put before every key, e.g. `omaum:rate:`; tests use a random one. */
  readonly prefix: string;
  /** A command slower than this fails (and the limiter lets the request through). */
  readonly commandTimeoutMs?: number;
}

declare module 'ioredis' {
  interface RedisCommander<Context extends ClientContext = { type: 'default' }> {
    omaumRateHit(...args: (string | number)[]): Result<number[], Context>;
  }
}

/**
 * Counters and blocks in Redis, shared by every instance. A block is a key
 * with a TTL (`<prefix>block:<address>`), listed through a sorted set of
 * addresses by end instant (`<prefix>blocks`) pruned as it is read.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis';
  private readonly redis: Redis;

  constructor(private readonly options: RedisStoreOptions) {
    this.redis = new Redis(options.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 1000,
    });
    this.redis.defineCommand('omaumRateHit', { lua: HIT_SCRIPT });
  }

  async hit(limits: readonly WindowLimit[], nowMs: number): Promise<HitOutcome> {
    if (limits.length === 0) return { isAllowed: true, windows: [] };
    const keys = limits.map((limit) => this.options.prefix + limit.key);
    const member = `${nowMs}:${randomBytes(6).toString('hex')}`;
    const args = limits.flatMap((limit) => [limit.windowMs, limit.max]);
    const reply = await this.redis.omaumRateHit(limits.length, ...keys, nowMs, member, ...args);

    const windows = limits.map((_limit, i) => ({
      remaining: Number(reply[1 + i * 3]),
      resetMs: Number(reply[2 + i * 3]),
      isExceeded: reply[3 + i * 3] === 1,
    }));
    return { isAllowed: reply[0] === 1, windows };
  }

  async block(block: AddressBlock): Promise<void> {
    const untilMs = Date.parse(block.until);
    const ttlMs = Math.max(1, untilMs - Date.parse(block.blockedAt));
    await this.redis
      .multi()
      .set(this.blockKey(block.address), JSON.stringify(block), 'PX', ttlMs)
      .zadd(this.indexKey(), untilMs, block.address)
      .exec();
  }

  async blockOf(address: string, nowMs: number): Promise<AddressBlock | null> {
    const text = await this.redis.get(this.blockKey(address));
    const block = text === null ? null : (JSON.parse(text) as AddressBlock);
    return block !== null && Date.parse(block.until) > nowMs ? block : null;
  }

  async listBlocks(nowMs: number): Promise<AddressBlock[]> {
    await this.redis.zremrangebyscore(this.indexKey(), '-inf', nowMs);
    const addresses = await this.redis.zrange(this.indexKey(), 0, -1);
    if (addresses.length === 0) return [];
    const texts = await this.redis.mget(addresses.map((address) => this.blockKey(address)));
    return texts
      .filter((text): text is string => text !== null)
      .map((text) => JSON.parse(text) as AddressBlock)
      .filter((block) => Date.parse(block.until) > nowMs);
  }

  async unblock(address: string): Promise<boolean> {
    const replies = await this.redis
      .multi()
      .del(this.blockKey(address))
      .zrem(this.indexKey(), address)
      .exec();
    return replies?.[0]?.[1] === 1;
  }

  async close(): Promise<void> {
    // A client that never connected has nothing to say goodbye to.
    if (this.redis.status === 'wait' || this.redis.status === 'end') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit();
  }

  private blockKey(address: string): string {
    return `${this.options.prefix}block:${address}`;
  }

  private indexKey(): string {
    return `${this.options.prefix}blocks`;
  }
}
