/**
 * The JobQueue port on BullMQ (Redis). How the port maps onto BullMQ:
 *
 * - One BullMQ queue per port queue, all under `prefix` (default `omaum`).
 * - Ids: the port's ids are global and free text, BullMQ's are per queue and
 *   refuse integers and colons; job-ids.ts escapes them reversibly, jobs
 *   without an id get a UUID, and reads look in every queue.
 * - States: wait, prioritized and waiting-children are all "waiting".
 * - Priority: port 0 (highest, default) is BullMQ's "no priority", which
 *   BullMQ serves before any prioritized job; port n > 0 is BullMQ n.
 * - Retries: BullMQ's exponential backoff, spread to ± 20 % like the embedded
 *   backend; UnrecoverableJobError becomes BullMQ's UnrecoverableError.
 * - Timeout: the worker races the handler against the job's limit (kept in
 *   the job's options) and aborts the handler's signal at the limit.
 * - Schedules: BullMQ job schedulers (cron + time zone), kept in Redis.
 * - Crash recovery: BullMQ's lock and stalled-job check; a stop that runs out
 *   of grace moves its unfinished jobs straight back to waiting.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

import type { Logger } from '../../logging/logger.ts';
import { DEFAULT_ENQUEUE, QUEUE_NAMES } from '../job-queue.ts';
import type { JobBackend, JobScheduler, QueueName, WorkerOptions } from '../job-queue.ts';
import { BullmqJobQueue } from './bullmq-queue.ts';
import type { BullmqQueue, Retention } from './bullmq-queue.ts';
import { BullmqJobWorker } from './bullmq-worker.ts';

export interface BullmqBackendOptions {
  readonly redisUrl: string;
  /** Redis key prefix; tests use a random one so runs never see each other's keys. */
  readonly prefix?: string;
  readonly logger: Logger;
  /**
   * Default 30 s. A dead worker's job runs again once its lock has expired,
   * at the next-but-one stalled check at the latest.
   */
  readonly lockDurationMs?: number;
  /** Default 30 s. */
  readonly stalledIntervalMs?: number;
  /** Default 1: a job whose worker died twice fails rather than risk killing another. */
  readonly maxStalledCount?: number;
  /** Finished jobs are kept this long (default 7 days completed, 30 days failed). */
  readonly retention?: Partial<Retention>;
}

const DAY_SECONDS = 24 * 60 * 60;

const DEFAULTS = {
  prefix: 'omaum',
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 1,
  retention: { completedAgeSeconds: 7 * DAY_SECONDS, failedAgeSeconds: 30 * DAY_SECONDS },
} as const;

function retentionOf(options: BullmqBackendOptions): Retention {
  return {
    completedAgeSeconds:
      options.retention?.completedAgeSeconds ?? DEFAULTS.retention.completedAgeSeconds,
    failedAgeSeconds: options.retention?.failedAgeSeconds ?? DEFAULTS.retention.failedAgeSeconds,
  };
}

/**
 * The producers share one connection. It is not a blocking one, so commands
 * fail after a few reconnection attempts instead of hanging while Redis is
 * down (readiness checks and enqueues then report the outage).
 */
function createProducerConnection(redisUrl: string, logger: Logger): Redis {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  connection.on('error', (err) => {
    logger.warn({ err }, 'Redis connection error (job queue)');
  });
  return connection;
}

function createQueues(
  connection: Redis,
  prefix: string,
  logger: Logger,
): Map<QueueName, BullmqQueue> {
  const queues = new Map<QueueName, BullmqQueue>();
  for (const name of QUEUE_NAMES) {
    const queue = new Queue<unknown, unknown, string>(name, { connection, prefix });
    queue.on('error', (err) => {
      logger.warn({ err, queue: name }, 'BullMQ queue error');
    });
    queues.set(name, queue);
  }
  return queues;
}

/**
 * BullMQ keeps schedules in Redis and the workers create each next run when
 * they take the current one (with a job id derived from the tick, so a tick
 * runs once however many processes are up). There is nothing for a separate
 * scheduler process to do; this one only says so in the log.
 */
function createScheduler(logger: Logger): JobScheduler {
  return {
    start: async () => {
      logger.info('BullMQ schedules live in Redis and advance with the workers');
    },
    stop: async () => undefined,
  };
}

/**
 * What `createJobBackend` (../jobs.ts) passes: the application's config and
 * logger. Only the Redis URL and the logger matter here.
 */
interface ApplicationDeps {
  readonly config: { readonly redisUrl: string | null };
  readonly logger: Logger;
}

function toOptions(input: BullmqBackendOptions | ApplicationDeps): BullmqBackendOptions {
  if (!('config' in input)) return input;
  const { redisUrl } = input.config;
  if (!redisUrl) throw new Error('OMAUM_QUEUE_BACKEND=bullmq needs OMAUM_REDIS_URL');
  return { redisUrl, logger: input.logger };
}

export function createBullmqBackend(input: BullmqBackendOptions | ApplicationDeps): JobBackend {
  const options = toOptions(input);
  const prefix = options.prefix ?? DEFAULTS.prefix;
  const connection = createProducerConnection(options.redisUrl, options.logger);
  const queue = new BullmqJobQueue(
    createQueues(connection, prefix, options.logger),
    retentionOf(options),
  );
  const workerSettings = {
    // Workers block on Redis, which BullMQ requires to retry forever.
    connection: { url: options.redisUrl, maxRetriesPerRequest: null },
    prefix,
    lockDurationMs: options.lockDurationMs ?? DEFAULTS.lockDurationMs,
    stalledIntervalMs: options.stalledIntervalMs ?? DEFAULTS.stalledIntervalMs,
    maxStalledCount: options.maxStalledCount ?? DEFAULTS.maxStalledCount,
    defaultTimeoutMs: DEFAULT_ENQUEUE.timeoutMs,
    queueFor: (name: QueueName) => queue.queueFor(name),
  };
  const workers: BullmqJobWorker[] = [];
  let closed = false;
  return {
    kind: 'bullmq',
    queue,
    createWorker: (workerOptions: WorkerOptions) => {
      const worker = new BullmqJobWorker(workerSettings, workerOptions);
      workers.push(worker);
      return worker;
    },
    createScheduler,
    close: async () => {
      if (closed) return;
      closed = true;
      // Workers still running here were not stopped by their owner: their jobs go back.
      await Promise.all(workers.map((worker) => worker.stop(0)));
      await queue.close();
      await connection.quit().catch(() => {
        connection.disconnect();
      });
    },
  };
}
