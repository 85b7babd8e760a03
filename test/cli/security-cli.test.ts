import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { CACHE_KEY_PREFIX } from '../../src/platform/cache/create-cache.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import { RedisRateLimitStore } from '../../src/platform/security/rate-limit/redis-store.ts';
import { RATE_LIMIT_KEY_PREFIX } from '../../src/security/rate-limits.ts';
import { redisSkipReason, redisUrl } from '../jobs/bullmq-redis.ts';
import { CliSandbox } from './cli-harness.ts';

/**
 * `omaum security` and the cache clean-up of `omaum backup restore` work on
 * the shared Redis under OMAUM's own prefixes, as production does; the
 * addresses and keys are made up for this run, so other suites are not touched.
 */
describe('omaum security', () => {
  const sandbox = new CliSandbox();
  const withRedis = { env: { OMAUM_REDIS_URL: redisUrl } };
  // A documentation range (RFC 5737): no real client has it.
  const address = `198.51.100.${randomInt(1, 255)}`;

  before(async () => {
    assert.equal((await sandbox.run(['migrate'])).code, 0);
  });

  after(() => sandbox.close());

  it('says where the blocks are when there is no Redis', async () => {
    const result = await sandbox.run(['security', 'blocks']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /without OMAUM_REDIS_URL the blocks live in the memory/);
  });

  it(
    'lists a block and lifts it, recording who did',
    redisSkipReason ? { skip: redisSkipReason } : {},
    async () => {
      const store = new RedisRateLimitStore({ url: redisUrl, prefix: RATE_LIMIT_KEY_PREFIX });
      const now = Date.now();
      try {
        await store.block({
          address,
          blockedAt: new Date(now).toISOString(),
          until: new Date(now + 600_000).toISOString(),
          rule: 'api',
        });
        const listed = await sandbox.run(['security', 'blocks', '--json'], withRedis);
        assert.equal(listed.code, 0, listed.stderr);
        const { items } = JSON.parse(listed.stdout) as { items: { address: string }[] };
        assert.ok(
          items.some((block) => block.address === address),
          listed.stdout,
        );

        const lifted = await sandbox.run(['security', 'unblock', address], withRedis);
        assert.equal(lifted.code, 0, lifted.stderr);
        assert.equal(lifted.stdout, `the block of ${address} is lifted\n`);
        assert.equal(await store.blockOf(address, Date.now()), null);

        const again = await sandbox.run(['security', 'unblock', address], withRedis);
        assert.equal(again.code, 1);
        assert.match(again.stderr, new RegExp(`${address.replaceAll('.', '\\.')} is not blocked`));
      } finally {
        await store.unblock(address);
        await store.close();
      }

      const database = openDatabase({
        dialect: 'sqlite',
        file: path.join(sandbox.dir, 'data', 'omaum.sqlite'),
      });
      try {
        const events = await database.db
          .selectFrom('securityEvents')
          .select(['kind', 'userId', 'address'])
          .where('kind', 'in', ['block_lifted', 'admin_action'])
          .orderBy('id')
          .execute();
        assert.deepEqual(
          events.map((event) => [event.kind, event.userId]),
          [
            ['block_lifted', null],
            ['admin_action', null],
          ],
        );
        assert.equal(events[0]?.address, address);
      } finally {
        await database.close();
      }
    },
  );
});

describe('omaum backup restore', redisSkipReason ? { skip: redisSkipReason } : {}, () => {
  const sandbox = new CliSandbox();
  const key = `${CACHE_KEY_PREFIX}:restore-test-${randomInt(1e9)}`;
  let redis: Redis;

  before(async () => {
    redis = new Redis(redisUrl);
    assert.equal((await sandbox.run(['migrate'])).code, 0);
  });

  after(async () => {
    await redis.del(key);
    redis.disconnect();
    await sandbox.close();
  });

  it('empties the Redis cache, whose values may be newer than the backup', async () => {
    const created = await sandbox.run(['backup', 'create', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { file } = JSON.parse(created.stdout) as { file: string };
    await redis.set(key, '{"stale":true}', 'PX', 60_000);

    const restored = await sandbox.run(['backup', 'restore', file, '--yes', '--json'], {
      env: { OMAUM_REDIS_URL: redisUrl },
    });
    assert.equal(restored.code, 0, restored.stderr);
    const report = JSON.parse(restored.stdout) as { cacheCleared: number; cacheError: null };
    assert.ok(report.cacheCleared >= 1, restored.stdout);
    assert.equal(report.cacheError, null);
    assert.equal(await redis.exists(key), 0);
  });

  it('restores, but exits 1 and says what to do, when Redis cannot be reached', async () => {
    const listed = await sandbox.run(['backup', 'list', '--json']);
    const [newest] = (JSON.parse(listed.stdout) as { items: { file: string }[] }).items;
    assert.ok(newest);
    const restored = await sandbox.run(['backup', 'restore', newest.file, '--yes'], {
      env: { OMAUM_REDIS_URL: 'redis://127.0.0.1:1' },
    });
    assert.equal(restored.code, 1);
    assert.match(restored.stdout, /^restored /);
    assert.match(restored.stderr, /delete the keys omaum:cache:\* before starting OMAUM/);
  });
});
