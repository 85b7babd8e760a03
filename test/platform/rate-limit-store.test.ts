import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { MemoryRateLimitStore } from '../../src/platform/security/rate-limit/memory-store.ts';
import { RedisRateLimitStore } from '../../src/platform/security/rate-limit/redis-store.ts';
import type { RateLimitStore } from '../../src/platform/security/rate-limit/store.ts';
import { randomPrefix, redisSkipReason, redisUrl, removePrefix } from '../jobs/bullmq-redis.ts';

const T0 = Date.parse('2026-03-02T12:00:00.000Z');
const SECOND = 1000;

interface StoreFactory {
  create(): RateLimitStore;
  cleanUp(): Promise<void>;
}

/** The behaviour every store must have; each store runs it against its real backend. */
function storeBehaviour(factory: () => StoreFactory): void {
  let made: StoreFactory;
  let store: RateLimitStore;

  beforeEach(() => {
    made = factory();
    store = made.create();
  });
  afterEach(async () => {
    await store.close();
    await made.cleanUp();
  });

  const limit = (key: string, max = 3, windowMs = 10 * SECOND) => ({ key, max, windowMs });

  it('allows max hits in a window, then refuses, saying how much is left and when', async () => {
    const results = [];
    for (let n = 0; n < 4; n += 1) results.push(await store.hit([limit('a')], T0 + n * SECOND));

    assert.deepEqual(
      results.map((r) => [r.isAllowed, r.windows[0]?.remaining]),
      [
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ],
    );
    assert.equal(results[0]?.windows[0]?.resetMs, 10 * SECOND);
    // The refusal is lifted when the first hit (at T0) leaves the window.
    assert.equal(results[3]?.windows[0]?.resetMs, 7 * SECOND);
    assert.equal(results[3]?.windows[0]?.isExceeded, true);
    assert.equal(results[2]?.windows[0]?.isExceeded, false);
  });

  it('frees one slot at a time as hits leave the window (sliding, not fixed)', async () => {
    for (let n = 0; n < 3; n += 1) await store.hit([limit('b')], T0 + n * SECOND);

    assert.equal((await store.hit([limit('b')], T0 + 9_999)).isAllowed, false);
    const first = await store.hit([limit('b')], T0 + 10 * SECOND);
    assert.equal(first.isAllowed, true, 'the hit at T0 has left the window');
    assert.equal(first.windows[0]?.remaining, 0);
    assert.equal((await store.hit([limit('b')], T0 + 10_500)).isAllowed, false);
    assert.equal((await store.hit([limit('b')], T0 + 11 * SECOND)).isAllowed, true);
  });

  it('counts a hit on every counter or on none', async () => {
    await store.hit([limit('full', 1)], T0);

    const refused = await store.hit([limit('roomy', 5), limit('full', 1)], T0 + SECOND);
    assert.equal(refused.isAllowed, false);
    assert.deepEqual(
      refused.windows.map((w) => [w.remaining, w.isExceeded]),
      [
        [5, false],
        [0, true],
      ],
    );
    const next = await store.hit([limit('roomy', 5)], T0 + 2 * SECOND);
    assert.equal(next.windows[0]?.remaining, 4, 'the refused hit was not counted on roomy');
  });

  it('keeps counters of different keys apart', async () => {
    await store.hit([limit('x', 1)], T0);
    assert.equal((await store.hit([limit('x', 1)], T0)).isAllowed, false);
    assert.equal((await store.hit([limit('y', 1)], T0)).isAllowed, true);
  });

  it('keeps blocks until they end, lists them soonest first, and lifts them', async () => {
    const at = (ms: number) => new Date(T0 + ms).toISOString();
    await store.block({ address: '10.0.0.1', blockedAt: at(0), until: at(60_000), rule: 'burst' });
    await store.block({ address: '::1', blockedAt: at(0), until: at(30_000), rule: 'api' });

    assert.equal((await store.blockOf('10.0.0.1', T0 + SECOND))?.rule, 'burst');
    assert.equal(await store.blockOf('10.0.0.2', T0 + SECOND), null);
    const listed = await store.listBlocks(T0 + SECOND);
    assert.deepEqual(
      listed.map((block) => block.address),
      ['::1', '10.0.0.1'],
    );
    assert.deepEqual(
      (await store.listBlocks(T0 + 45_000)).map((block) => block.address),
      ['10.0.0.1'],
      'a block that ended is no longer listed',
    );
    assert.equal(await store.blockOf('::1', T0 + 45_000), null);

    assert.equal(await store.unblock('10.0.0.1'), true);
    assert.equal(await store.unblock('10.0.0.1'), false);
    assert.equal(await store.blockOf('10.0.0.1', T0 + SECOND), null);
  });
}

describe('memory rate-limit store', () => {
  storeBehaviour(() => ({ create: () => new MemoryRateLimitStore(), cleanUp: async () => {} }));

  it('forgets counters and blocks once they are over', async () => {
    const store = new MemoryRateLimitStore();
    await store.hit([{ key: 'old', max: 5, windowMs: SECOND }], T0);
    const until = new Date(T0 + SECOND).toISOString();
    await store.block({ address: 'a', blockedAt: new Date(T0).toISOString(), until, rule: 'x' });
    assert.equal(store.size, 2);

    await store.hit([{ key: 'new', max: 5, windowMs: SECOND }], T0 + 120 * SECOND);
    assert.equal(store.size, 1, 'only the fresh counter is left');
  });
});

describe('redis rate-limit store', redisSkipReason ? { skip: redisSkipReason } : {}, () => {
  storeBehaviour(() => {
    const prefix = randomPrefix();
    return {
      create: () => new RedisRateLimitStore({ url: redisUrl, prefix: `${prefix}:` }),
      cleanUp: async () => {
        assert.equal(await removePrefix(prefix), 0);
      },
    };
  });

  it('lets keys expire one window after their newest hit', async () => {
    const prefix = randomPrefix();
    const store = new RedisRateLimitStore({ url: redisUrl, prefix: `${prefix}:` });
    try {
      await store.hit([{ key: 'ttl', max: 5, windowMs: 5 * SECOND }], Date.now());
      const { Redis } = await import('ioredis');
      const redis = new Redis(redisUrl);
      const ttlMs = await redis.pttl(`${prefix}:ttl`);
      await redis.quit();
      assert.ok(ttlMs > 0 && ttlMs <= 5 * SECOND, `pttl ${ttlMs}`);
    } finally {
      await store.close();
      await removePrefix(prefix);
    }
  });
});
