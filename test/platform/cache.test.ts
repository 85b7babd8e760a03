import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, afterEach, beforeEach, describe, it } from 'node:test';

import type { Cache, CacheScope } from '../../src/platform/cache/cache.ts';
import { invalidateCache, readVersions } from '../../src/platform/cache/cache-versions.ts';
import { createCache } from '../../src/platform/cache/create-cache.ts';
import { VersionedCache } from '../../src/platform/cache/versioned-cache.ts';
import type { ValueStore } from '../../src/platform/cache/value-store.ts';
import type { Db } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import type { Logger } from '../../src/platform/logging/logger.ts';
import { Metrics } from '../../src/platform/metrics/metrics.ts';
import { randomPrefix, redisSkipReason, redisUrl, removePrefix } from '../jobs/bullmq-redis.ts';
import type { TestDatabase } from '../support/databases.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';

const SCOPE: CacheScope = { kind: 'sheet', namespaces: ['sheet:cohort:1', 'sheet:all'] };

/** A logger whose lines are kept, parsed, for the test to read. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

/** Counts the calls of a computation that returns `value`. */
function counted<T>(value: () => T): { compute: () => Promise<T>; calls: () => number } {
  let calls = 0;
  return {
    compute: async () => {
      calls += 1;
      return value();
    },
    calls: () => calls,
  };
}

async function counterValue(counter: Metrics['cacheHits'], kind: string): Promise<number> {
  const { values } = await counter.get();
  return values.find((entry) => entry.labels.namespace === kind)?.value ?? 0;
}

interface Backend {
  readonly name: 'memory' | 'redis';
  readonly skip: string | null;
  /** A cache of this backend; `prefix` names the Redis keys that belong to this test. */
  make(options: {
    db: Db;
    metrics: Metrics;
    logger: Logger;
    ttlSeconds?: number;
    prefix: string;
  }): Cache;
}

const BACKENDS: readonly Backend[] = [
  {
    name: 'memory',
    skip: null,
    make: ({ db, metrics, logger, ttlSeconds }) =>
      createCache({
        config: { redisUrl: null, cache: { ttlSeconds: ttlSeconds ?? 60, maxEntries: 100 } },
        db,
        metrics,
        logger,
      }),
  },
  {
    name: 'redis',
    skip: redisSkipReason,
    make: ({ db, metrics, logger, ttlSeconds, prefix }) =>
      createCache({
        config: { redisUrl, cache: { ttlSeconds: ttlSeconds ?? 60, maxEntries: 100 } },
        db,
        metrics,
        logger,
        prefix,
      }),
  },
];

for (const backend of BACKENDS) {
  describe(`The ${backend.name} cache`, backend.skip ? { skip: backend.skip } : {}, () => {
    let testDb: TestDatabase;
    let metrics: Metrics;
    let prefix: string;
    const opened: Cache[] = [];

    function make(options: { ttlSeconds?: number; logger?: Logger } = {}): Cache {
      const cache = backend.make({
        db: testDb.database.db,
        metrics,
        logger: options.logger ?? capturingLogger().logger,
        prefix,
        ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}),
      });
      opened.push(cache);
      return cache;
    }

    beforeEach(async () => {
      testDb = await createTestDatabase('sqlite');
      metrics = new Metrics({ collectProcessMetrics: false });
      prefix = randomPrefix();
    });

    afterEach(async () => {
      for (const cache of opened.splice(0)) await cache.close();
      await testDb.destroy();
      if (backend.name === 'redis') assert.equal(await removePrefix(prefix), 0);
    });

    it(`is the ${backend.name} kind`, () => {
      assert.equal(make().kind, backend.name);
    });

    it('computes on a miss and answers the next read from the store', async () => {
      const cache = make();
      const work = counted(() => ({ total: 3 }));
      assert.deepEqual(await cache.wrap(SCOPE, 'a', work.compute), { total: 3 });
      assert.deepEqual(await cache.wrap(SCOPE, 'a', work.compute), { total: 3 });
      assert.equal(work.calls(), 1);
    });

    it('forgets every value on clear, and says how many it held', async () => {
      const cache = make();
      const first = counted(() => ({ total: 1 }));
      const second = counted(() => ({ total: 2 }));
      await cache.wrap(SCOPE, 'a', first.compute);
      await cache.wrap(SCOPE, 'b', second.compute);
      assert.equal(await cache.clear(), 2);
      await cache.wrap(SCOPE, 'a', first.compute);
      await cache.wrap(SCOPE, 'b', second.compute);
      assert.deepEqual([first.calls(), second.calls()], [2, 2]);
      assert.equal(await cache.clear(), 2);
      assert.equal(await cache.clear(), 0);
    });

    it('counts hits and misses by the kind of the scope', async () => {
      const cache = make();
      const report: CacheScope = { kind: 'student_report', namespaces: ['sheet:all'] };
      await cache.wrap(SCOPE, 'a', async () => 1);
      await cache.wrap(SCOPE, 'a', async () => 1);
      await cache.wrap(SCOPE, 'a', async () => 1);
      await cache.wrap(report, 'a', async () => 2);
      assert.equal(await counterValue(metrics.cacheMisses, 'sheet'), 1);
      assert.equal(await counterValue(metrics.cacheHits, 'sheet'), 2);
      assert.equal(await counterValue(metrics.cacheMisses, 'student_report'), 1);
      assert.equal(await counterValue(metrics.cacheHits, 'student_report'), 0);
    });

    it('gives back plain JSON equal to what was computed, never the same object', async () => {
      const cache = make();
      const value = {
        period: { from: '2026-03', to: '2026-03', months: ['2026-03'] },
        rows: [{ pct: null as number | null, present: 2, cleared: true, name: 'Ação' }],
        empty: [],
      };
      const computed = await cache.wrap(SCOPE, 'v', async () => structuredClone(value));
      assert.deepEqual(computed, value);
      const first = await cache.wrap(SCOPE, 'v', async () => ({}));
      assert.deepEqual(first, value);
      first.rows.push({ pct: 1, present: 0, cleared: false, name: 'x' });
      assert.deepEqual(await cache.wrap(SCOPE, 'v', async () => ({})), value);
    });

    it('keeps values apart by key and by kind', async () => {
      const cache = make();
      await cache.wrap(SCOPE, 'a', async () => 'sheet a');
      await cache.wrap(SCOPE, 'b', async () => 'sheet b');
      await cache.wrap({ ...SCOPE, kind: 'other' }, 'a', async () => 'other a');
      assert.equal(await cache.wrap(SCOPE, 'a', async () => 'again'), 'sheet a');
      assert.equal(await cache.wrap(SCOPE, 'b', async () => 'again'), 'sheet b');
      assert.equal(await cache.wrap({ ...SCOPE, kind: 'other' }, 'a', async () => '!'), 'other a');
    });

    it('computes again once any namespace of the scope moves to a new version', async () => {
      const cache = make();
      const { db } = testDb.database;
      let version = 0;
      const compute = async () => {
        version += 1;
        return version;
      };
      assert.equal(await cache.wrap(SCOPE, 'k', compute), 1);
      await invalidateCache(db, ['sheet:cohort:2']);
      assert.equal(await cache.wrap(SCOPE, 'k', compute), 1, 'another namespace moved');
      await invalidateCache(db, ['sheet:cohort:1']);
      assert.equal(await cache.wrap(SCOPE, 'k', compute), 2);
      await invalidateCache(db, ['sheet:all']);
      assert.equal(await cache.wrap(SCOPE, 'k', compute), 3);
      assert.equal(await cache.wrap(SCOPE, 'k', compute), 3);
    });

    it('forgets a value once its TTL has passed', async () => {
      const cache = make({ ttlSeconds: 1 });
      const work = counted(() => 'v');
      await cache.wrap(SCOPE, 'ttl', work.compute);
      await cache.wrap(SCOPE, 'ttl', work.compute);
      assert.equal(work.calls(), 1);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await cache.wrap(SCOPE, 'ttl', work.compute);
      assert.equal(work.calls(), 2);
    });

    it('stores no failure: a computation that throws is computed again', async () => {
      const cache = make();
      await assert.rejects(
        cache.wrap(SCOPE, 'e', async () => {
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await cache.wrap(SCOPE, 'e', async () => 'fine'), 'fine');
    });

    it('pings with a write and a read', async () => {
      const milliseconds = await make().ping();
      assert.ok(milliseconds >= 0 && milliseconds < 5000, String(milliseconds));
    });

    it('closes more than once without failing', async () => {
      const cache = make();
      await cache.wrap(SCOPE, 'c', async () => 1);
      await cache.close();
      await cache.close();
    });
  });
}

describe('A cache whose store fails', () => {
  let testDb: TestDatabase;

  beforeEach(async () => {
    testDb = await createTestDatabase('sqlite');
  });

  afterEach(async () => {
    await testDb.destroy();
  });

  const broken: ValueStore = {
    kind: 'memory',
    get: () => Promise.reject(new Error('store is down')),
    set: () => Promise.reject(new Error('store is down')),
    clear: () => Promise.reject(new Error('store is down')),
    close: () => Promise.resolve(),
  };

  it('computes every time, counts misses and logs one warning', async () => {
    const { logger, lines } = capturingLogger();
    const metrics = new Metrics({ collectProcessMetrics: false });
    const cache = new VersionedCache({
      store: broken,
      db: testDb.database.db,
      metrics,
      logger,
      ttlMs: 60_000,
    });
    const work = counted(() => ({ n: 1 }));
    assert.deepEqual(await cache.wrap(SCOPE, 'k', work.compute), { n: 1 });
    assert.deepEqual(await cache.wrap(SCOPE, 'k', work.compute), { n: 1 });
    assert.equal(work.calls(), 2);
    assert.equal(await counterValue(metrics.cacheMisses, 'sheet'), 2);
    const warnings = lines.filter((line) => line.level === 40);
    assert.equal(warnings.length, 1, JSON.stringify(lines));
    assert.equal(warnings[0]?.msg, 'cache store failed; computing instead');
    await assert.rejects(cache.ping(), /store is down/);
  });

  it('computes when Redis cannot be reached, and its ping fails', async () => {
    const { logger, lines } = capturingLogger();
    const cache = createCache({
      // Nothing listens on port 1.
      config: { redisUrl: 'redis://127.0.0.1:1', cache: { ttlSeconds: 60, maxEntries: 10 } },
      db: testDb.database.db,
      logger,
    });
    try {
      const startedAt = Date.now();
      assert.equal(await cache.wrap(SCOPE, 'k', async () => 'computed'), 'computed');
      assert.equal(await cache.wrap(SCOPE, 'k', async () => 'again'), 'again');
      assert.ok(Date.now() - startedAt < 3000, 'a dead Redis must not hold requests up');
      assert.ok(lines.some((line) => line.level === 40));
      await assert.rejects(cache.ping());
    } finally {
      await cache.close();
    }
  });
});

describe(
  'Two Redis caches with one prefix',
  redisSkipReason ? { skip: redisSkipReason } : {},
  () => {
    const prefix = randomPrefix();
    let testDb: TestDatabase;

    after(async () => {
      await testDb.destroy();
      assert.equal(await removePrefix(prefix), 0);
    });

    it('share values, as two processes do', async () => {
      testDb = await createTestDatabase('sqlite');
      const config = { redisUrl, cache: { ttlSeconds: 60, maxEntries: 10 } };
      const { logger } = capturingLogger();
      const one = createCache({ config, db: testDb.database.db, logger, prefix });
      const two = createCache({ config, db: testDb.database.db, logger, prefix });
      try {
        await one.wrap(SCOPE, 'shared', async () => 'from one');
        assert.equal(await two.wrap(SCOPE, 'shared', async () => 'from two'), 'from one');
      } finally {
        await one.close();
        await two.close();
      }
    });

    it('clear only the keys under their prefix', async () => {
      const config = { redisUrl, cache: { ttlSeconds: 60, maxEntries: 10 } };
      const { logger } = capturingLogger();
      const neighbourPrefix = `${prefix}-neighbour`;
      const ours = createCache({ config, db: testDb.database.db, logger, prefix });
      const neighbour = createCache({
        config,
        db: testDb.database.db,
        logger,
        prefix: neighbourPrefix,
      });
      try {
        await ours.wrap(SCOPE, 'ours', async () => 'ours');
        await neighbour.wrap(SCOPE, 'theirs', async () => 'theirs');
        assert.ok((await ours.clear()) >= 1);
        assert.equal(await neighbour.wrap(SCOPE, 'theirs', async () => 'computed'), 'theirs');
      } finally {
        await ours.close();
        await neighbour.close();
        assert.equal(await removePrefix(neighbourPrefix), 0);
      }
    });
  },
);

describeEachDatabase('Cache namespace versions', (dialect) => {
  let testDb: TestDatabase;

  beforeEach(async () => {
    testDb = await createTestDatabase(dialect);
  });

  afterEach(async () => {
    await testDb.destroy();
  });

  it('start at 0 and move by one with each invalidation', async () => {
    const { db } = testDb.database;
    assert.deepEqual(await readVersions(db, ['a', 'b']), [0, 0]);
    await invalidateCache(db, ['a']);
    await invalidateCache(db, ['a', 'b', 'a']);
    assert.deepEqual(await readVersions(db, ['b', 'a', 'c']), [1, 2, 0]);
  });

  it('move with the transaction that commits them, and not with one rolled back', async () => {
    const { db } = testDb.database;
    await db.transaction().execute(async (trx) => {
      await invalidateCache(trx, ['kept']);
    });
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await invalidateCache(trx, ['kept', 'dropped']);
        throw new Error('the write fails');
      }),
      /the write fails/,
    );
    assert.deepEqual(await readVersions(db, ['kept', 'dropped']), [1, 0]);
  });
});
