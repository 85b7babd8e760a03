import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import SqliteDatabase from 'better-sqlite3';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

import { openDatabase } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { createBullmqBackend } from '../src/platform/jobs/bullmq/bullmq-backend.ts';
import { createEmbeddedBackend } from '../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, QueueName } from '../src/platform/jobs/job-queue.ts';
import { createLogger } from '../src/platform/logging/logger.ts';
import type { Figure } from './figures.ts';
import { plainFigure } from './figures.ts';
import { median, note, timeOnce, yieldToEventLoop } from './measure.ts';

const CONCURRENCY = 8;
const QUEUE: QueueName = 'default';
const JOB_NAME = 'bench.noop';
/** Jobs per enqueueMany (ours) and per addBulk (bare BullMQ). */
const BATCH = 1000;
/** Untimed jobs each side of jobs.bullmq.throughput drains first. */
const WARMUP_JOBS = 1000;

const silentLogger = () => createLogger({ level: 'warn', destination: { write: () => undefined } });

/** Resolves once `count()` returns `total`, checking every `everyMs`. */
async function waitFor(
  count: () => Promise<number>,
  total: number,
  everyMs: number,
): Promise<void> {
  const deadline = performance.now() + 600_000;
  for (;;) {
    if ((await count()) >= total) return;
    if (performance.now() > deadline) throw new Error(`jobs did not finish (${total} expected)`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

const rate = (jobs: number, ms: number) => jobs / (ms / 1000);

/** Enqueues `jobs` no-op jobs on the port, then times one worker draining them to `completed`. */
async function drainThroughPort(
  backend: JobBackend,
  jobs: number,
  label: string,
  details: string[],
): Promise<number> {
  let handled = 0;
  // The same batches as the bare reference's addBulk: enqueueMany, 1,000 at a time.
  const enqueue = await timeOnce(async () => {
    for (let start = 0; start < jobs; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, jobs - start) }, (_, i) => ({
        queue: QUEUE,
        name: JOB_NAME,
        data: { index: start + i },
      }));
      await backend.queue.enqueueMany(batch);
      await yieldToEventLoop();
    }
  });
  note(`  ${label}: enqueued ${jobs} in ${enqueue.ms.toFixed(0)} ms`);
  const completedBefore = (await backend.queue.counts(QUEUE)).completed;
  const worker = backend.createWorker({
    queues: [QUEUE],
    concurrency: CONCURRENCY,
    handlers: {
      [JOB_NAME]: async () => {
        handled += 1;
        return null;
      },
    },
    logger: silentLogger(),
  });
  const drain = await timeOnce(async () => {
    await worker.start();
    await waitFor(async () => handled, jobs, 5);
    const completed = async () => (await backend.queue.counts(QUEUE)).completed - completedBefore;
    await waitFor(completed, jobs, 5);
  });
  await worker.stop();
  note(
    `  ${label}: drained in ${drain.ms.toFixed(0)} ms (${rate(jobs, drain.ms).toFixed(0)} jobs/s)`,
  );
  details.push(
    `${label}: ${jobs} no-op jobs, enqueueMany ${rate(jobs, enqueue.ms).toFixed(0)} jobs/s ` +
      `(${BATCH} a call), ` +
      `drain by one worker of concurrency ${CONCURRENCY} ${rate(jobs, drain.ms).toFixed(0)} jobs/s`,
  );
  return rate(jobs, drain.ms);
}

/**
 * The reference of jobs.embedded.throughput: the least a job table costs on
 * SQLite, one prepared claim UPDATE and one completing UPDATE per job in a
 * synchronous loop, on a separate file with the application's pragmas.
 */
function bareSqliteDrain(file: string, jobs: number): number {
  const sqlite = new SqliteDatabase(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.exec(
      'CREATE TABLE bench_jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL, data TEXT NOT NULL); ' +
        'CREATE INDEX bench_jobs_state ON bench_jobs (state, id)',
    );
    const insert = sqlite.prepare("INSERT INTO bench_jobs (state, data) VALUES ('waiting', ?)");
    for (let index = 0; index < jobs; index++) insert.run(JSON.stringify({ index }));
    const claim = sqlite.prepare(
      "UPDATE bench_jobs SET state = 'active' WHERE id = " +
        "(SELECT id FROM bench_jobs WHERE state = 'waiting' ORDER BY id LIMIT 1) RETURNING id",
    );
    const complete = sqlite.prepare("UPDATE bench_jobs SET state = 'completed' WHERE id = ?");
    const started = performance.now();
    for (;;) {
      const row = claim.get() as { id: number } | undefined;
      if (!row) break;
      complete.run(row.id);
    }
    return rate(jobs, performance.now() - started);
  } finally {
    sqlite.close();
  }
}

/**
 * jobs.embedded.throughput: no-op jobs on the embedded backend over a fresh,
 * migrated SQLite file, drained by one worker (concurrency 8); jobs/s.
 * Absolute goal ≥ 1,000 jobs/s; the reference is a bare SQLite claim/complete loop.
 */
export async function embeddedThroughputFigure(
  workDir: string,
  jobs: number,
  details: string[],
): Promise<Figure> {
  note(`jobs: embedded backend, ${jobs} no-op jobs on a fresh SQLite file`);
  const database = openDatabase({ dialect: 'sqlite', file: path.join(workDir, 'jobs.sqlite') });
  try {
    await migrateToLatest(database);
    const backend = createEmbeddedBackend(database, { pollIntervalMs: 5, busyPollIntervalMs: 0 });
    let value: number;
    try {
      value = await drainThroughPort(backend, jobs, 'embedded backend (SQLite)', details);
    } finally {
      await backend.close();
    }
    const reference = bareSqliteDrain(path.join(workDir, 'jobs-bare.sqlite'), jobs);
    note(`  bare SQLite claim/complete loop: ${reference.toFixed(0)} jobs/s`);
    return plainFigure('jobs.embedded.throughput', value, reference, 'jobs/s');
  } finally {
    await database.close();
  }
}

export function redisUrlForBench(): string | null {
  return process.env.OMAUM_BENCH_REDIS_URL || process.env.OMAUM_TEST_REDIS_URL || null;
}

/** Deletes every key under the prefix (SCAN, so a shared Redis is not blocked). */
async function removePrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let removed = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
    return removed;
  } finally {
    await redis.quit().catch(() => {
      redis.disconnect();
    });
  }
}

/** Bare BullMQ on the same Redis: Queue.addBulk, then a Worker of the same concurrency. */
async function bareBullmq(redisUrl: string, prefix: string, jobs: number, details: string[]) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const queue = new Queue(QUEUE, { connection, prefix });
  let worker: Worker | undefined;
  try {
    const enqueue = await timeOnce(async () => {
      for (let start = 0; start < jobs; start += BATCH) {
        const chunk = Array.from({ length: Math.min(BATCH, jobs - start) }, (_, i) => ({
          name: JOB_NAME,
          data: { index: start + i },
          opts: { removeOnComplete: { age: 7 * 24 * 3600 }, removeOnFail: { age: 30 * 24 * 3600 } },
        }));
        await queue.addBulk(chunk);
      }
    });
    note(`  bare BullMQ: addBulk ${jobs} in ${enqueue.ms.toFixed(0)} ms`);
    let handled = 0;
    const completedBefore = (await queue.getJobCounts('completed')).completed ?? 0;
    const drain = await timeOnce(async () => {
      worker = new Worker(
        QUEUE,
        async () => {
          handled += 1;
          return null;
        },
        {
          connection: { url: redisUrl, maxRetriesPerRequest: null },
          prefix,
          concurrency: CONCURRENCY,
        },
      );
      await waitFor(async () => handled, jobs, 5);
      const completed = async () =>
        ((await queue.getJobCounts('completed')).completed ?? 0) - completedBefore;
      await waitFor(completed, jobs, 5);
    });
    note(
      `  bare BullMQ: drained in ${drain.ms.toFixed(0)} ms (${rate(jobs, drain.ms).toFixed(0)} jobs/s)`,
    );
    details.push(
      `bare BullMQ: ${jobs} no-op jobs, addBulk ${rate(jobs, enqueue.ms).toFixed(0)} jobs/s, ` +
        `drain by one Worker of concurrency ${CONCURRENCY} ${rate(jobs, drain.ms).toFixed(0)} jobs/s`,
    );
    return rate(jobs, drain.ms);
  } finally {
    await worker?.close();
    await queue.close();
    await connection.quit().catch(() => {
      connection.disconnect();
    });
  }
}

/**
 * jobs.bullmq.throughput: no-op jobs through the BullMQ backend against bare
 * BullMQ on the same Redis in the same run, each under its own random prefix
 * (removed afterwards); the medians of `rounds` rounds, ratio = ours / bare,
 * goal ≥ 0.7. Each side first drains an untimed warm-up batch, and the rounds
 * alternate which side goes first: otherwise the side timed first also pays
 * for compiling the BullMQ and ioredis code both share, and a drift in the
 * machine's load would always favour the same side.
 */
export async function bullmqThroughputFigure(
  redisUrl: string,
  jobs: number,
  rounds: number,
  details: string[],
  cleanups: (() => Promise<void>)[],
): Promise<Figure> {
  const tag = randomBytes(4).toString('hex');
  const ours = `omaum-bench-${tag}`;
  const bare = `omaum-bench-bare-${tag}`;
  cleanups.push(async () => {
    const removed = (await removePrefix(redisUrl, ours)) + (await removePrefix(redisUrl, bare));
    note(`removed ${removed} Redis keys under ${ours} and ${bare}`);
  });
  note(`jobs: BullMQ backend vs bare BullMQ, ${jobs} no-op jobs (prefixes ${ours}, ${bare})`);
  const backend = createBullmqBackend({ redisUrl, prefix: ours, logger: silentLogger() });
  const warmup = Math.min(WARMUP_JOBS, jobs);
  const untimed: string[] = [];
  const ourRates: number[] = [];
  const bareRates: number[] = [];
  try {
    const timeOurs = async (count: number, into: string[]) =>
      drainThroughPort(backend, count, 'BullMQ backend', into);
    const timeBare = async (count: number, into: string[]) =>
      bareBullmq(redisUrl, bare, count, into);
    await timeOurs(warmup, untimed);
    await timeBare(warmup, untimed);
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        ourRates.push(await timeOurs(jobs, details));
        bareRates.push(await timeBare(jobs, details));
      } else {
        bareRates.push(await timeBare(jobs, details));
        ourRates.push(await timeOurs(jobs, details));
      }
    }
  } finally {
    await backend.close();
  }
  return plainFigure('jobs.bullmq.throughput', median(ourRates), median(bareRates), 'jobs/s');
}
