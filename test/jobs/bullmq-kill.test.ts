/**
 * Recovery of a job whose worker died, on BullMQ: a real worker process
 * takes a job and is killed with SIGKILL mid-run; once its lock has expired,
 * BullMQ's stalled-job check hands the job to another worker, which must run
 * it exactly once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Redis } from 'ioredis';

import { createBullmqBackend } from '../../src/platform/jobs/bullmq/bullmq-backend.ts';
import type { JobBackend, JobRecord } from '../../src/platform/jobs/job-queue.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { randomPrefix, redisSkipReason, redisUrl, removePrefix } from './bullmq-redis.ts';

const LOCK_MS = 1000;
const STALLED_INTERVAL_MS = 300;
const root = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(import.meta.dirname, 'fixtures', 'bullmq-worker.ts');
const logger = createLogger({ level: 'silent' });

describe(
  'A BullMQ job whose worker process is killed',
  redisSkipReason ? { skip: redisSkipReason } : {},
  () => {
    const prefix = randomPrefix();
    const completionsKey = `${prefix}:test:completions`;
    let dir: string;
    let backend: JobBackend;
    let redis: Redis;

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-bullmq-kill-'));
      backend = createBullmqBackend({
        redisUrl,
        prefix,
        logger,
        lockDurationMs: LOCK_MS,
        stalledIntervalMs: STALLED_INTERVAL_MS,
      });
      redis = new Redis(redisUrl);
    });

    after(async () => {
      await backend.close();
      await redis.quit();
      fs.rmSync(dir, { recursive: true, force: true });
      assert.equal(await removePrefix(prefix), 0, `keys left under ${prefix}`);
    });

    it('runs exactly once on another worker after the lock expires', async () => {
      const job = await backend.queue.enqueue('default', 'mark', null, { jobId: 'kill:1' });
      const marker = path.join(dir, 'started');

      const child = spawnWorker(prefix, marker);
      await waitFor(async () => fs.existsSync(marker), 20_000);
      await kill(child);
      const killedAt = Date.now();
      assert.equal((await backend.queue.get(job.id))?.state, 'active');

      const worker = backend.createWorker({
        queues: ['default'],
        // Counted in Redis: a second run anywhere would show.
        handlers: { mark: async () => redis.incr(completionsKey) },
        logger,
      });
      await worker.start();
      const done = await waitForState(backend, job.id, 'completed');
      assert.ok(done.startedAt);
      assert.ok(Date.parse(done.startedAt) >= killedAt);
      assert.equal(done.result, 1);

      // Several stalled checks later nothing has run it again.
      await sleep(LOCK_MS + 3 * STALLED_INTERVAL_MS);
      assert.equal(await redis.get(completionsKey), '1');
      assert.equal((await backend.queue.get(job.id))?.state, 'completed');
      await worker.stop(0);
    });
  },
);

function spawnWorker(prefix: string, marker: string): ChildProcess {
  const settings = {
    redisUrl,
    prefix,
    marker,
    lockDurationMs: LOCK_MS,
    stalledIntervalMs: STALLED_INTERVAL_MS,
  };
  return spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: root,
    env: { ...process.env, OMAUM_BULLMQ_FIXTURE: JSON.stringify(settings) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function waitForState(
  backend: JobBackend,
  id: string,
  state: JobRecord['state'],
): Promise<JobRecord> {
  let job: JobRecord | null = null;
  await waitFor(async () => {
    job = await backend.queue.get(id);
    return job?.state === state;
  }, 10_000);
  assert.ok(job);
  return job;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => Promise<boolean>, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${waitMs} ms`);
    await sleep(25);
  }
}
