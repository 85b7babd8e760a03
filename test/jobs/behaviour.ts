/**
 * The behaviour every JobQueue backend must show, written against the port
 * only (src/platform/jobs/job-queue.ts), so that the embedded and the BullMQ
 * backends run the very same suite:
 *
 *   jobQueueBehaviour('the BullMQ backend', async () => ({ backend, cleanup }));
 *
 * `makeBackend` is called before every test and must give a backend on an
 * empty store, tuned for tests: workers noticing new jobs within ~100 ms and
 * schedulers checking for due ticks at least every ~200 ms. `cleanup` runs
 * after every test (the suite has already stopped the workers and
 * schedulers it started).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { UnrecoverableJobError } from '../../src/platform/jobs/job-queue.ts';
import type {
  JobBackend,
  JobHandlers,
  JobRecord,
  JobScheduler,
  JobWorker,
  QueueName,
} from '../../src/platform/jobs/job-queue.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';

export interface BackendUnderTest {
  readonly backend: JobBackend;
  cleanup(): Promise<void>;
}

export type MakeBackend = () => Promise<BackendUnderTest>;

const logger = createLogger({ level: 'silent' });
const WAIT_MS = 4000;

export function jobQueueBehaviour(title: string, makeBackend: MakeBackend): void {
  describe(title, () => {
    let subject: BackendUnderTest;
    let workers: JobWorker[] = [];
    let schedulers: JobScheduler[] = [];

    const backend = () => subject.backend;
    const queue = () => subject.backend.queue;

    async function startWorker(
      handlers: JobHandlers,
      options: { queues?: readonly QueueName[]; concurrency?: number } = {},
    ): Promise<JobWorker> {
      const worker = backend().createWorker({
        queues: options.queues ?? ['default'],
        concurrency: options.concurrency ?? 1,
        handlers,
        logger,
      });
      workers.push(worker);
      await worker.start();
      return worker;
    }

    async function startScheduler(): Promise<JobScheduler> {
      const scheduler = backend().createScheduler(logger);
      schedulers.push(scheduler);
      await scheduler.start();
      return scheduler;
    }

    async function waitForJob(
      id: string,
      isDone: (job: JobRecord) => boolean,
      waitMs = WAIT_MS,
    ): Promise<JobRecord> {
      let last: JobRecord | null = null;
      await waitUntil(async () => {
        last = await queue().get(id);
        return last !== null && isDone(last);
      }, waitMs);
      assert.ok(last, `job ${id} exists`);
      return last;
    }

    beforeEach(async () => {
      subject = await makeBackend();
      workers = [];
      schedulers = [];
    });

    afterEach(async () => {
      await Promise.all(workers.map((worker) => worker.stop(0)));
      await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
      await subject.backend.close();
      await subject.cleanup();
    });

    it('enqueues jobs, reads them back, lists and counts them', async () => {
      const first = await queue().enqueue('default', 'greet', { who: 'Ana' });
      await queue().enqueue('default', 'greet', { who: 'Bia' });
      await queue().enqueue('email', 'email.send', { to: 'x' }, { delayMs: 60_000 });

      assert.equal(first.state, 'waiting');
      assert.equal(first.queue, 'default');
      const read = await queue().get(first.id);
      assert.ok(read);
      assert.deepEqual(read.data, { who: 'Ana' });
      assert.equal(read.name, 'greet');
      assert.equal(read.state, 'waiting');
      assert.equal(read.attemptsMade, 0);
      assert.equal(read.maxAttempts, 3);
      assert.equal(read.progress, 0);
      assert.equal(read.failedReason, null);
      assert.ok(!Number.isNaN(Date.parse(read.createdAt)));
      assert.equal(await queue().get('no-such-job'), null);

      const defaults = await queue().list({ queue: 'default' });
      assert.equal(defaults.total, 2);
      assert.equal(defaults.items.length, 2);
      const delayed = await queue().list({ state: 'delayed' });
      assert.deepEqual(
        delayed.items.map((job) => job.name),
        ['email.send'],
      );
      const page = await queue().list({ queue: 'default', limit: 1 });
      assert.equal(page.items.length, 1);
      assert.equal(page.total, 2);

      const all = await queue().counts();
      assert.equal(all.waiting, 2);
      assert.equal(all.delayed, 1);
      assert.equal(all.active + all.completed + all.failed, 0);
      assert.deepEqual(await queue().counts('email'), {
        waiting: 0,
        delayed: 1,
        active: 0,
        completed: 0,
        failed: 0,
      });
    });

    it('returns the existing job when a job id is enqueued again', async () => {
      const first = await queue().enqueue('default', 'export', { n: 1 }, { jobId: 'export:42' });
      const again = await queue().enqueue('default', 'export', { n: 2 }, { jobId: 'export:42' });

      assert.equal(first.id, 'export:42');
      assert.equal(again.id, 'export:42');
      assert.deepEqual(again.data, { n: 1 });
      assert.equal((await queue().list({ queue: 'default' })).total, 1);
    });

    it('enqueues many jobs at once and reports them in the order given', async () => {
      const records = await queue().enqueueMany([
        { queue: 'default', name: 'greet', data: { who: 'Ana' } },
        { queue: 'email', name: 'email.send', data: { to: 'x' }, options: { delayMs: 60_000 } },
        { queue: 'default', name: 'greet', data: { who: 'Bia' }, options: { jobId: 'greet:bia' } },
        { queue: 'bulk', name: 'rebuild', data: [1, 2], options: { attempts: 5, priority: 3 } },
      ]);

      assert.deepEqual(
        records.map((job) => [job.queue, job.name, job.state]),
        [
          ['default', 'greet', 'waiting'],
          ['email', 'email.send', 'delayed'],
          ['default', 'greet', 'waiting'],
          ['bulk', 'rebuild', 'waiting'],
        ],
      );
      assert.equal(records[2]?.id, 'greet:bia');
      assert.equal(new Set(records.map((job) => job.id)).size, 4);
      for (const record of records) {
        const read = await queue().get(record.id);
        assert.ok(read, `job ${record.id} reads back`);
        assert.deepEqual(read.data, record.data);
        assert.equal(read.queue, record.queue);
        assert.equal(read.maxAttempts, record.maxAttempts);
      }
      assert.equal(records[3]?.maxAttempts, 5);
      const counts = await queue().counts();
      assert.equal(counts.waiting, 3);
      assert.equal(counts.delayed, 1);
      assert.deepEqual(await queue().enqueueMany([]), []);
    });

    it('keeps existing and repeated ids when enqueuing many jobs', async () => {
      await queue().enqueue('default', 'export', { n: 1 }, { jobId: 'export:1' });
      const records = await queue().enqueueMany([
        { queue: 'default', name: 'export', data: { n: 2 }, options: { jobId: 'export:1' } },
        { queue: 'default', name: 'export', data: { n: 3 }, options: { jobId: 'export:2' } },
        { queue: 'bulk', name: 'other', data: { n: 4 }, options: { jobId: 'export:2' } },
        { queue: 'default', name: 'export', data: { n: 5 } },
      ]);

      assert.deepEqual(
        records.map((job) => [job.id, job.queue, job.data]),
        [
          ['export:1', 'default', { n: 1 }],
          ['export:2', 'default', { n: 3 }],
          ['export:2', 'default', { n: 3 }],
          [records[3]?.id, 'default', { n: 5 }],
        ],
      );
      assert.equal((await queue().list({ queue: 'default' })).total, 3);
      assert.equal((await queue().list({ queue: 'bulk' })).total, 0);
    });

    it('enqueues a batch larger than one database statement takes', async () => {
      const batch = Array.from({ length: 1200 }, (_, n) => ({
        queue: 'bulk' as const,
        name: 'count',
        data: n,
      }));
      const records = await queue().enqueueMany(batch);

      assert.deepEqual(
        records.map((job) => job.data),
        batch.map((job) => job.data),
      );
      assert.equal(new Set(records.map((job) => job.id)).size, 1200);
      assert.equal((await queue().counts('bulk')).waiting, 1200);
    });

    it('runs every job of a batch once', async () => {
      const seen: number[] = [];
      await startWorker({ count: async ({ job }) => void seen.push(job.data) }, { concurrency: 4 });
      const batch = Array.from({ length: 100 }, (_, n) => ({
        queue: 'default' as const,
        name: 'count',
        data: n,
      }));
      const records = await queue().enqueueMany(batch);

      assert.equal(records.length, 100);
      await waitUntil(async () => (await queue().counts('default')).completed === 100, 10_000);
      assert.deepEqual(
        [...seen].sort((x, y) => x - y),
        batch.map((job) => job.data),
      );
    });

    it('runs a job and stores what the handler returns', async () => {
      await startWorker({ add: async ({ job }) => sum(job.data as number[]) });
      const job = await queue().enqueue('default', 'add', [1, 2, 3]);

      const done = await waitForJob(job.id, isFinished);
      assert.equal(done.state, 'completed');
      assert.equal(done.result, 6);
      assert.equal(done.attemptsMade, 1);
      assert.ok(done.startedAt && done.finishedAt);
    });

    it('runs lower priorities first', async () => {
      const order: string[] = [];
      await queue().enqueue('default', 'record', 'low', { priority: 5 });
      await queue().enqueue('default', 'record', 'high', { priority: 0 });
      const last = await queue().enqueue('default', 'record', 'middle', { priority: 1 });
      await startWorker({ record: async ({ job }) => void order.push(String(job.data)) });

      await waitForJob(last.id, isFinished);
      await waitUntil(async () => order.length === 3);
      assert.deepEqual(order, ['high', 'middle', 'low']);
    });

    it('holds a delayed job back until its delay has passed', async () => {
      await startWorker({ noop: async () => 'ok' });
      const job = await queue().enqueue('default', 'noop', null, { delayMs: 500 });

      assert.equal(job.state, 'delayed');
      await sleep(200);
      assert.equal((await queue().get(job.id))?.state, 'delayed');
      const done = await waitForJob(job.id, isFinished);
      assert.equal(done.state, 'completed');
      assert.ok(done.startedAt);
      assert.ok(Date.parse(done.startedAt) - Date.parse(job.createdAt) >= 450);
    });

    it('retries a failing job with a growing backoff until it succeeds', async () => {
      const runs: number[] = [];
      await startWorker({
        flaky: async () => {
          runs.push(Date.now());
          if (runs.length < 3) throw new Error(`failure ${runs.length}`);
          return 'finally';
        },
      });
      const job = await queue().enqueue('default', 'flaky', null, { attempts: 3, backoffMs: 100 });

      const done = await waitForJob(job.id, isFinished);
      assert.equal(done.state, 'completed');
      assert.equal(done.result, 'finally');
      assert.equal(done.attemptsMade, 3);
      const [first = 0, second = 0, third = 0] = runs;
      // 100 ms, then 200 ms, each ± 20 % jitter.
      assert.ok(second - first >= 75, `first backoff was ${second - first} ms`);
      assert.ok(third - second >= 155, `second backoff was ${third - second} ms`);
    });

    it('fails a job for good once its attempts are used up', async () => {
      let runs = 0;
      await startWorker({
        broken: async () => {
          runs += 1;
          throw new Error('still broken');
        },
      });
      const job = await queue().enqueue('default', 'broken', null, { attempts: 2, backoffMs: 10 });

      const done = await waitForJob(job.id, isFinished);
      assert.equal(done.state, 'failed');
      assert.equal(done.failedReason, 'still broken');
      assert.equal(done.attemptsMade, 2);
      assert.equal(runs, 2);
      assert.equal((await queue().counts('default')).failed, 1);
    });

    it('does not retry an UnrecoverableJobError', async () => {
      let runs = 0;
      await startWorker({
        doomed: async () => {
          runs += 1;
          throw new UnrecoverableJobError('the record no longer exists');
        },
      });
      const job = await queue().enqueue('default', 'doomed', null, { attempts: 5, backoffMs: 10 });

      const done = await waitForJob(job.id, isFinished);
      assert.equal(done.state, 'failed');
      assert.equal(done.failedReason, 'the record no longer exists');
      assert.equal(done.attemptsMade, 1);
      await sleep(150);
      assert.equal(runs, 1);
    });

    it('fails a job whose name no worker handler knows, at once', async () => {
      await startWorker({ known: async () => 'ok' });
      const job = await queue().enqueue('default', 'mystery.job', null, { attempts: 5 });

      const done = await waitForJob(job.id, isFinished);
      assert.equal(done.state, 'failed');
      assert.match(done.failedReason ?? '', /mystery\.job/);
      assert.ok(done.attemptsMade <= 1);
    });

    it('fails an attempt that outlives its timeout and aborts its signal', async () => {
      let wasAborted = false;
      await startWorker({
        slow: async ({ signal }) => {
          await sleep(2000, signal);
          wasAborted = signal.aborted;
          return 'too late';
        },
      });
      const job = await queue().enqueue('default', 'slow', null, { attempts: 1, timeoutMs: 150 });

      const done = await waitForJob(job.id, isFinished);
      assert.equal(done.state, 'failed');
      assert.match(done.failedReason ?? '', /timeout/i);
      await waitUntil(async () => wasAborted, 1000);
    });

    it('shows the progress of a running job', async () => {
      const gate = deferred();
      await startWorker({
        long: async (context) => {
          await context.updateProgress(40);
          await gate.promise;
          return 'done';
        },
      });
      const job = await queue().enqueue('default', 'long', null);

      const running = await waitForJob(job.id, (current) => current.progress === 40);
      assert.equal(running.state, 'active');
      gate.resolve();
      assert.equal((await waitForJob(job.id, isFinished)).state, 'completed');
    });

    it('runs up to `concurrency` jobs at the same time', async () => {
      let running = 0;
      let peak = 0;
      await startWorker(
        {
          hold: async () => {
            running += 1;
            peak = Math.max(peak, running);
            await sleep(200);
            running -= 1;
          },
        },
        { concurrency: 2 },
      );
      const jobs = await Promise.all(
        [1, 2, 3, 4].map((n) => queue().enqueue('default', 'hold', n)),
      );

      for (const job of jobs) await waitForJob(job.id, isFinished);
      assert.equal(peak, 2);
    });

    it('only takes jobs from the queues a worker listens to', async () => {
      await startWorker({ noop: async () => 'ok' }, { queues: ['email'] });
      const other = await queue().enqueue('bulk', 'noop', null);
      const mine = await queue().enqueue('email', 'noop', null);

      await waitForJob(mine.id, isFinished);
      assert.equal((await queue().get(other.id))?.state, 'waiting');
    });

    it('runs a failed job again after retry()', async () => {
      let runs = 0;
      await startWorker({
        once: async () => {
          runs += 1;
          if (runs === 1) throw new Error('first run fails');
          return 'second run';
        },
      });
      const job = await queue().enqueue('default', 'once', null, { attempts: 1 });
      assert.equal((await waitForJob(job.id, isFinished)).state, 'failed');

      const retried = await queue().retry(job.id);
      assert.equal(retried.attemptsMade, 0);
      assert.notEqual(retried.state, 'failed');
      const done = await waitForJob(job.id, (current) => current.state === 'completed');
      assert.equal(done.result, 'second run');
      await assert.rejects(queue().retry('no-such-job'));
    });

    it('hands an unfinished job back on a graceful stop, for another worker', async () => {
      let hasStarted = false;
      const first = await startWorker({
        slow: async ({ signal }) => {
          hasStarted = true;
          await sleep(10_000, signal);
          throw new Error('interrupted');
        },
      });
      const job = await queue().enqueue('default', 'slow', null, { attempts: 1 });
      await waitUntil(async () => hasStarted);

      await first.stop(100);
      const handedBack = await queue().get(job.id);
      assert.ok(handedBack);
      assert.notEqual(handedBack.state, 'failed');
      assert.notEqual(handedBack.state, 'completed');

      await startWorker({ slow: async () => 'second worker' });
      const done = await waitForJob(job.id, isFinished);
      assert.equal(done.state, 'completed');
      assert.equal(done.result, 'second worker');
    });

    it('keeps, replaces and removes schedules', async () => {
      const schedule = {
        id: 'nightly-backup',
        queue: 'default' as const,
        name: 'maintenance.backup',
        data: { keep: 7 },
        cron: '0 3 * * *',
        timeZone: 'America/Sao_Paulo',
      };
      await queue().upsertSchedule(schedule);
      await queue().upsertSchedule({ ...schedule, cron: '30 3 * * *' });

      assert.deepEqual(await queue().listSchedules(), [{ ...schedule, cron: '30 3 * * *' }]);
      await queue().removeSchedule(schedule.id);
      assert.deepEqual(await queue().listSchedules(), []);
    });

    it('fires a schedule once per tick, however many schedulers run', async () => {
      const runs: string[] = [];
      await startWorker({ tick: async ({ job }) => void runs.push(job.id) });
      await startScheduler();
      await startScheduler();
      const startedAt = Date.now();
      await queue().upsertSchedule({
        id: 'every-second',
        queue: 'default',
        name: 'tick',
        data: null,
        cron: '* * * * * *',
        timeZone: 'UTC',
      });

      await sleep(2600);
      await queue().removeSchedule('every-second');
      const ticks = Math.floor(Date.now() / 1000) - Math.floor(startedAt / 1000);
      await sleep(300);
      assert.equal(new Set(runs).size, runs.length);
      assert.ok(runs.length >= ticks - 1, `${runs.length} runs for ${ticks} ticks`);
      assert.ok(runs.length <= ticks, `${runs.length} runs for ${ticks} ticks`);
    });
  });
}

function isFinished(job: JobRecord): boolean {
  return job.state === 'completed' || job.state === 'failed';
}

/** A promise the test resolves when it chooses. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function waitUntil(condition: () => Promise<boolean>, waitMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${waitMs} ms`);
    await sleep(20);
  }
}
