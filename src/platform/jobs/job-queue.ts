import type { Logger } from '../logging/logger.ts';

/**
 * The background-job port. Two backends implement it: `embedded` (a job
 * table in the application database) and `bullmq` (Redis). Everything above
 * this file (services, CLI, pages) talks to these types only.
 */

export const QUEUE_NAMES = ['heavy', 'statistics', 'email', 'bulk', 'default'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';
export const JOB_STATES: readonly JobState[] = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
];

export interface EnqueueOptions {
  /**
   * Idempotency key: enqueuing again with an id that exists returns the
   * existing job instead of adding one. Use business ids (`export:42`).
   */
  readonly jobId?: string;
  /** Lower runs first; 0 (the default) is the highest priority. */
  readonly priority?: number;
  /** Wait this long before the job may run. */
  readonly delayMs?: number;
  /** Runs in all, the first included (default 3). */
  readonly attempts?: number;
  /** Base of the exponential backoff between attempts, with jitter (default 1000 ms). */
  readonly backoffMs?: number;
  /** A run taking longer fails with a timeout and may be retried (default 300 000 ms). */
  readonly timeoutMs?: number;
}

export const DEFAULT_ENQUEUE = {
  priority: 0,
  delayMs: 0,
  attempts: 3,
  backoffMs: 1000,
  timeoutMs: 300_000,
} as const;

/** A job as every backend reports it. Timestamps are ISO-8601 UTC. */
export interface JobRecord<T = unknown> {
  readonly id: string;
  readonly queue: QueueName;
  readonly name: string;
  readonly data: T;
  readonly state: JobState;
  /** 0–100. */
  readonly progress: number;
  readonly attemptsMade: number;
  readonly maxAttempts: number;
  readonly result: unknown;
  readonly failedReason: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface JobContext<T = unknown> {
  readonly job: JobRecord<T>;
  /** Aborted when the run times out or the worker shuts down; long jobs check it. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** 0–100; stored so that clients can show a progress bar. */
  updateProgress(progress: number): Promise<void>;
}

/** Runs one job; what it returns is stored as the job's result (JSON). */
export type JobHandler<T = unknown, R = unknown> = (context: JobContext<T>) => Promise<R>;

export type JobHandlers = Readonly<Record<string, JobHandler<never>>>;

/**
 * "Give up now": the job fails at once without further attempts (bad input,
 * a record that no longer exists). Any other error is retried.
 */
export class UnrecoverableJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnrecoverableJobError';
  }
}

export interface JobListFilter {
  readonly queue?: QueueName;
  readonly state?: JobState;
  readonly name?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** A cron schedule: fires once per tick however many schedulers run. */
export interface JobSchedule {
  readonly id: string;
  readonly queue: QueueName;
  readonly name: string;
  readonly data: unknown;
  /** Five-field cron expression, e.g. `0 3 * * *`. */
  readonly cron: string;
  /** IANA zone the expression is read in, e.g. `America/Sao_Paulo`. */
  readonly timeZone: string;
}

/** One job of an `enqueueMany` call: the arguments `enqueue` takes. */
export interface JobToEnqueue<T = unknown> {
  readonly queue: QueueName;
  readonly name: string;
  readonly data: T;
  readonly options?: EnqueueOptions;
}

export interface JobQueue {
  enqueue<T>(
    queue: QueueName,
    name: string,
    data: T,
    options?: EnqueueOptions,
  ): Promise<JobRecord<T>>;
  /**
   * Enqueues many jobs in a few round trips instead of one or more per job.
   * Resolves with one record per job, in the order given. Each job behaves as
   * if passed to `enqueue` in that order: an id that exists already, or that
   * an earlier job of the same call used, gives back the existing job.
   * All of them or none are added on the embedded backend; on BullMQ each
   * queue's share is added atomically.
   */
  enqueueMany<T>(jobs: readonly JobToEnqueue<T>[]): Promise<JobRecord<T>[]>;
  get(id: string): Promise<JobRecord | null>;
  list(filter: JobListFilter): Promise<{ items: JobRecord[]; total: number }>;
  /** Puts a failed job back to waiting with a fresh set of attempts. */
  retry(id: string): Promise<JobRecord>;
  /** Jobs per state, for one queue or all. */
  counts(queue?: QueueName): Promise<Record<JobState, number>>;
  /** Creates or replaces a schedule. */
  upsertSchedule(schedule: JobSchedule): Promise<void>;
  removeSchedule(id: string): Promise<void>;
  listSchedules(): Promise<JobSchedule[]>;
  close(): Promise<void>;
}

export interface WorkerOptions {
  readonly queues: readonly QueueName[];
  /** Jobs run at the same time by this worker (default 1). */
  readonly concurrency?: number;
  readonly handlers: JobHandlers;
  readonly logger: Logger;
}

export interface JobWorker {
  start(): Promise<void>;
  /**
   * Stops taking jobs, lets running ones finish within `graceMs`, then hands
   * the unfinished ones back to the queue.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface JobScheduler {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What a backend provides. */
export interface JobBackend {
  readonly kind: 'embedded' | 'bullmq';
  readonly queue: JobQueue;
  createWorker(options: WorkerOptions): JobWorker;
  createScheduler(logger: Logger): JobScheduler;
  close(): Promise<void>;
}
