import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { createBullmqBackend } from '../../src/platform/jobs/bullmq/bullmq-backend.ts';
import type { BullmqBackendOptions } from '../../src/platform/jobs/bullmq/bullmq-backend.ts';
import { toBullmqPriority } from '../../src/platform/jobs/bullmq/bullmq-queue.ts';
import {
  fromBullmqJobId,
  fromBullmqSchedulerId,
  toBullmqJobId,
  toBullmqSchedulerId,
} from '../../src/platform/jobs/bullmq/job-ids.ts';
import type { JobBackend } from '../../src/platform/jobs/job-queue.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { jobQueueBehaviour } from './behaviour.ts';
import { randomPrefix, redisSkipReason, redisUrl, removePrefix } from './bullmq-redis.ts';

const logger = createLogger({ level: 'silent' });

/** Short timings so that the shared suite stays fast. */
function fastOptions(prefix: string): BullmqBackendOptions {
  return { redisUrl, prefix, logger, lockDurationMs: 2000, stalledIntervalMs: 1000 };
}

describe('The BullMQ job backend', redisSkipReason ? { skip: redisSkipReason } : {}, () => {
  jobQueueBehaviour('behaves as the JobQueue port says', async () => {
    const prefix = randomPrefix();
    return {
      backend: createBullmqBackend(fastOptions(prefix)),
      cleanup: async () => {
        assert.equal(await removePrefix(prefix), 0, `keys left under ${prefix}`);
      },
    };
  });

  describe('maps ids and schedules onto BullMQ', () => {
    const prefix = randomPrefix();
    let backend: JobBackend;

    before(() => {
      backend = createBullmqBackend(fastOptions(prefix));
    });

    after(async () => {
      await backend.close();
      assert.equal(await removePrefix(prefix), 0);
    });

    it('accepts ids BullMQ would refuse and keeps ids unique across queues', async () => {
      for (const id of ['export:42', '42', 'a:b:c', '100%', '-7']) {
        const job = await backend.queue.enqueue('heavy', 'export.generate', { id }, { jobId: id });
        assert.equal(job.id, id);
        assert.deepEqual((await backend.queue.get(id))?.data, { id });
      }
      const again = await backend.queue.enqueue('bulk', 'other', null, { jobId: 'export:42' });
      assert.equal(again.queue, 'heavy');
      assert.equal((await backend.queue.list({ queue: 'bulk' })).total, 0);
    });

    it('lists the jobs of a schedule under ids that read back', async () => {
      await backend.queue.upsertSchedule({
        id: 'reports:weekly',
        queue: 'email',
        name: 'reports.scheduled',
        data: { scheduleId: 3 },
        cron: '0 8 * * 1',
        timeZone: 'America/Sao_Paulo',
      });
      const [schedule] = await backend.queue.listSchedules();
      assert.equal(schedule?.id, 'reports:weekly');

      const { items } = await backend.queue.list({ queue: 'email', state: 'delayed' });
      const next = items[0];
      assert.ok(next);
      assert.equal(next.name, 'reports.scheduled');
      assert.deepEqual((await backend.queue.get(next.id))?.data, { scheduleId: 3 });

      await backend.queue.removeSchedule('reports:weekly');
      assert.deepEqual(await backend.queue.listSchedules(), []);
    });

    it('moves a schedule to the queue it names now', async () => {
      const schedule = {
        id: 'moving',
        queue: 'default' as const,
        name: 'maintenance.cleanup',
        data: null,
        cron: '0 * * * *',
        timeZone: 'UTC',
      };
      await backend.queue.upsertSchedule(schedule);
      await backend.queue.upsertSchedule({ ...schedule, queue: 'bulk' });
      const schedules = await backend.queue.listSchedules();
      assert.deepEqual(
        schedules.map((current) => current.queue),
        ['bulk'],
      );
      await backend.queue.removeSchedule('moving');
    });
  });
});

describe('The BullMQ backend without Redis', () => {
  it('round-trips every job id and produces only ids BullMQ accepts', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '1', ':', '%', '-', '~', '7') }), (id) => {
        const encoded = toBullmqJobId(id);
        assert.equal(fromBullmqJobId(encoded), id);
        assert.notEqual(String(parseInt(encoded, 10)), encoded);
        assert.ok(!encoded.includes(':') || encoded.split(':').length === 3);
      }),
    );
  });

  it('round-trips scheduler ids without colons or percent signs', () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        const encoded = toBullmqSchedulerId(id);
        assert.equal(fromBullmqSchedulerId(encoded), id);
        assert.ok(!/[:%]/.test(encoded));
        // The ids of the jobs a scheduler creates pass through job-id decoding untouched.
        assert.equal(fromBullmqJobId(`repeat:${encoded}:1`), `repeat:${encoded}:1`);
      }),
    );
  });

  it('keeps "lower runs first" when mapping priorities', () => {
    assert.equal(toBullmqPriority(0), 0);
    assert.equal(toBullmqPriority(-3), 0);
    assert.equal(toBullmqPriority(1), 1);
    assert.equal(toBullmqPriority(5.7), 5);
    assert.equal(toBullmqPriority(Number.MAX_SAFE_INTEGER), 2 ** 21 - 1);
  });

  it('refuses application settings without a Redis URL', () => {
    assert.throws(
      () => createBullmqBackend({ config: { redisUrl: null }, logger }),
      /OMAUM_REDIS_URL/,
    );
  });
});
