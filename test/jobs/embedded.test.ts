import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import { JobStore, LEASE_EXPIRED_REASON } from '../../src/platform/jobs/embedded/job-store.ts';
import { LazyAbortController, backoffDelay } from '../../src/platform/jobs/worker-runtime.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';
import { FAST_EMBEDDED } from '../support/quiet-jobs.ts';
import { jobQueueBehaviour } from './behaviour.ts';

describeEachDatabase('The embedded job backend', (dialect) => {
  jobQueueBehaviour('behaves as the JobQueue port says', async () => {
    const testDb = await createTestDatabase(dialect);
    return {
      backend: createEmbeddedBackend(testDb.database, FAST_EMBEDDED),
      cleanup: () => testDb.destroy(),
    };
  });
});

describe('The retry backoff', () => {
  it('doubles with every attempt', () => {
    const noJitter = () => 0.5;
    assert.deepEqual(
      [1, 2, 3, 4].map((attempt) => backoffDelay(1000, attempt, noJitter)),
      [1000, 2000, 4000, 8000],
    );
  });

  it('moves at most 20 % either way', () => {
    assert.equal(
      backoffDelay(1000, 2, () => 0),
      1600,
    );
    assert.equal(
      backoffDelay(1000, 2, () => 1),
      2400,
    );
  });
});

describe('The lazy abort controller', () => {
  it('aborts a signal handed out before the abort', () => {
    const controller = new LazyAbortController();
    const { signal } = controller;
    assert.equal(signal.aborted, false);

    controller.abort(new Error('timeout'));
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).message, 'timeout');
  });

  it('hands out an aborted signal after an abort, with the first reason', () => {
    const controller = new LazyAbortController();
    controller.abort('first');
    controller.abort('second');

    assert.equal(controller.signal.aborted, true);
    assert.equal(controller.signal.reason, 'first');
    assert.equal(controller.signal, controller.signal);
  });
});

describeEachDatabase('The embedded job table', (dialect) => {
  it('never hands one job to two claims at once', async () => {
    const testDb = await createTestDatabase(dialect);
    try {
      const backend = createEmbeddedBackend(testDb.database, FAST_EMBEDDED);
      for (let n = 0; n < 20; n += 1) await backend.queue.enqueue('bulk', 'n', n);
      const store = new JobStore(testDb.database);
      const claimAll = async (workerId: string) => {
        const ids: string[] = [];
        for (;;) {
          const row = await store.claim(['bulk'], workerId, new Date(), 1000);
          if (!row) return ids;
          ids.push(row.id);
        }
      };
      const claimed = (await Promise.all(['a', 'b', 'c', 'd'].map(claimAll))).flat();
      assert.equal(claimed.length, 20);
      assert.equal(new Set(claimed).size, 20);
    } finally {
      await testDb.destroy();
    }
  });

  it('fails a job whose lease expired on its last attempt, and requeues the others', async () => {
    const testDb = await createTestDatabase(dialect);
    try {
      const backend = createEmbeddedBackend(testDb.database, FAST_EMBEDDED);
      const last = await backend.queue.enqueue('default', 'n', 1, { attempts: 1 });
      const spare = await backend.queue.enqueue('default', 'n', 2, { attempts: 2 });
      const store = new JobStore(testDb.database);
      // A negative lease: claimed by a worker that has already gone silent.
      await store.claim(['default'], 'dead-worker', new Date(), -1000);
      await store.claim(['default'], 'dead-worker', new Date(), -1000);

      assert.equal(await store.sweepExpired(new Date()), 2);
      const failed = await backend.queue.get(last.id);
      assert.equal(failed?.state, 'failed');
      assert.equal(failed.failedReason, LEASE_EXPIRED_REASON);
      assert.equal((await backend.queue.get(spare.id))?.state, 'waiting');
    } finally {
      await testDb.destroy();
    }
  });
});
