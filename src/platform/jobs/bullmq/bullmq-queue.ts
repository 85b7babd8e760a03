import { randomUUID } from 'node:crypto';

import { PRIORITY_LIMIT } from 'bullmq';
import type {
  BackoffOptions,
  JobSchedulerJson,
  JobSchedulerTemplateOptions,
  JobsOptions,
  Queue,
} from 'bullmq';

import { DEFAULT_ENQUEUE, JOB_STATES, QUEUE_NAMES } from '../job-queue.ts';
import type {
  EnqueueOptions,
  JobListFilter,
  JobQueue,
  JobRecord,
  JobSchedule,
  JobState,
  JobToEnqueue,
  QueueName,
} from '../job-queue.ts';
import { BACKOFF_JITTER } from '../worker-runtime.ts';
import { fromBullmqSchedulerId, toBullmqJobId, toBullmqSchedulerId } from './job-ids.ts';
import { BULLMQ_TYPES, TIMEOUT_OPTION, toPortState, toRecord } from './records.ts';
import type { BullmqJob } from './records.ts';

export type BullmqQueue = Queue<unknown, unknown>;

/** How long finished jobs stay in Redis (seconds); BullMQ trims older ones as jobs finish. */
export interface Retention {
  readonly completedAgeSeconds: number;
  readonly failedAgeSeconds: number;
}

export class JobNotFoundError extends Error {
  constructor(id: string) {
    super(`There is no job with id ${id}`);
    this.name = 'JobNotFoundError';
  }
}

export class JobNotFailedError extends Error {
  constructor(id: string, state: JobState) {
    super(`Job ${id} is ${state}; only failed jobs can be retried`);
    this.name = 'JobNotFailedError';
  }
}

const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 500;

/**
 * Both backends wait `base · 2^(attempt-1)` ± BACKOFF_JITTER before a retry.
 * BullMQ's jitter only shortens the delay (it picks from [max·(1-j), max]),
 * so the stored base is raised to the top of the range and the jitter covers
 * the whole width: [0.8, 1.2] times the nominal delay for a 20 % jitter.
 */
function exponentialBackoff(backoffMs: number): BackoffOptions {
  return {
    type: 'exponential',
    delay: Math.round(backoffMs * (1 + BACKOFF_JITTER)),
    jitter: (2 * BACKOFF_JITTER) / (1 + BACKOFF_JITTER),
  };
}

/**
 * Port: 0 is the default and the highest priority, larger runs later.
 * BullMQ: 0 means "no priority" and those jobs are taken before any
 * prioritized job; among prioritized jobs 1 is the highest. So the port value
 * maps to the same BullMQ value and only needs bringing into BullMQ's range.
 */
export function toBullmqPriority(priority: number): number {
  if (!Number.isFinite(priority) || priority <= 0) return 0;
  return Math.min(Math.floor(priority), PRIORITY_LIMIT);
}

interface RunSettings {
  readonly attempts: number;
  readonly backoffMs: number;
  readonly timeoutMs: number;
}

type WithTimeout<T> = T & Record<typeof TIMEOUT_OPTION, number>;

function runOptions(run: RunSettings, retention: Retention): WithTimeout<JobsOptions> {
  return {
    attempts: Math.max(1, Math.floor(run.attempts)),
    backoff: exponentialBackoff(run.backoffMs),
    removeOnComplete: { age: retention.completedAgeSeconds },
    removeOnFail: { age: retention.failedAgeSeconds },
    [TIMEOUT_OPTION]: run.timeoutMs,
  };
}

function jobOptions(options: EnqueueOptions, retention: Retention): WithTimeout<JobsOptions> {
  const run = {
    attempts: options.attempts ?? DEFAULT_ENQUEUE.attempts,
    backoffMs: options.backoffMs ?? DEFAULT_ENQUEUE.backoffMs,
    timeoutMs: options.timeoutMs ?? DEFAULT_ENQUEUE.timeoutMs,
  };
  return {
    ...runOptions(run, retention),
    // Without an id of our own BullMQ numbers jobs per queue, and the port's
    // ids must be unique across queues.
    jobId: toBullmqJobId(options.jobId ?? randomUUID()),
    priority: toBullmqPriority(options.priority ?? DEFAULT_ENQUEUE.priority),
    delay: Math.max(0, options.delayMs ?? DEFAULT_ENQUEUE.delayMs),
  };
}

function emptyCounts(): Record<JobState, number> {
  return { waiting: 0, delayed: 0, active: 0, completed: 0, failed: 0 };
}

/** Newest first, then by id: the order the embedded backend lists in. */
function newestFirst(a: JobRecord, b: JobRecord): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function uniqueByQueueAndId(records: readonly JobRecord[]): JobRecord[] {
  // A job that changes state between two range reads can show up twice.
  const seen = new Set<string>();
  return records.filter((record) => {
    const key = `${record.queue}\u0000${record.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toSchedule(json: JobSchedulerJson, queue: QueueName): JobSchedule {
  return {
    id: fromBullmqSchedulerId(json.key),
    queue,
    name: json.name,
    data: json.template?.data ?? null,
    cron: json.pattern ?? '',
    timeZone: json.tz ?? 'UTC',
  };
}

const MAX_CONSISTENT_READS = 5;

/** The fields that change whenever a job changes state. */
function fingerprint(job: BullmqJob): string {
  return JSON.stringify([
    job.processedOn,
    job.finishedOn,
    job.attemptsMade,
    job.attemptsStarted,
    job.failedReason,
    job.progress,
    job.delay,
  ]);
}

interface LocatedJob {
  readonly queue: QueueName;
  readonly job: BullmqJob;
}

export class BullmqJobQueue implements JobQueue {
  constructor(
    private readonly queues: ReadonlyMap<QueueName, BullmqQueue>,
    private readonly retention: Retention,
  ) {}

  queueFor(name: QueueName): BullmqQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`Unknown queue ${name}`);
    return queue;
  }

  async enqueue<T>(
    queue: QueueName,
    name: string,
    data: T,
    options: EnqueueOptions = {},
  ): Promise<JobRecord<T>> {
    if (options.jobId !== undefined) {
      const existing = await this.get(options.jobId);
      if (existing) return existing as JobRecord<T>;
    }
    const opts = jobOptions(options, this.retention);
    const job = await this.queueFor(queue).add(name, data, opts);
    const state: JobState = (opts.delay ?? 0) > 0 ? 'delayed' : 'waiting';
    if (options.jobId === undefined) return toRecord(job, queue, state) as JobRecord<T>;
    return (await this.existingOrAdded(job, queue, state)) as JobRecord<T>;
  }

  /**
   * One addBulk per queue (a single MULTI each) instead of one add per job.
   * Jobs with an id are looked up first, as `enqueue` does; a later job of
   * the call repeating an id gets the first one's record.
   */
  async enqueueMany<T>(jobs: readonly JobToEnqueue<T>[]): Promise<JobRecord<T>[]> {
    const firstWithId = new Map<string, number>();
    jobs.forEach((job, index) => {
      const id = job.options?.jobId;
      if (id !== undefined && !firstWithId.has(id)) firstWithId.set(id, index);
    });
    const found = await Promise.all(
      [...firstWithId].map(async ([id, index]) => ({ index, record: await this.get(id) })),
    );
    const records = new Map<number, JobRecord>();
    for (const { index, record } of found) if (record) records.set(index, record);

    const toAdd = jobs.flatMap((job, index) => {
      const id = job.options?.jobId;
      const isFirst = id === undefined || firstWithId.get(id) === index;
      return isFirst && !records.has(index) ? [{ index, job }] : [];
    });
    await Promise.all(
      QUEUE_NAMES.map((queue) =>
        this.addBulk(
          queue,
          toAdd.filter((entry) => entry.job.queue === queue),
          records,
        ),
      ),
    );
    return jobs.map((job, index) => {
      const id = job.options?.jobId;
      const record = records.get(id === undefined ? index : (firstWithId.get(id) ?? index));
      if (!record) throw new Error(`job ${index} of the batch was not enqueued`);
      return record as JobRecord<T>;
    });
  }

  private async addBulk(
    queue: QueueName,
    entries: readonly { index: number; job: JobToEnqueue }[],
    records: Map<number, JobRecord>,
  ): Promise<void> {
    if (entries.length === 0) return;
    const bulk = entries.map(({ job }) => ({
      name: job.name,
      data: job.data,
      opts: jobOptions(job.options ?? {}, this.retention),
    }));
    const added = await this.queueFor(queue).addBulk(bulk);
    await Promise.all(
      entries.map(async ({ index, job }, position) => {
        const stored = added[position];
        if (!stored) throw new Error(`BullMQ did not return job ${index} of the batch`);
        const state: JobState = (bulk[position]?.opts.delay ?? 0) > 0 ? 'delayed' : 'waiting';
        const record =
          job.options?.jobId === undefined
            ? toRecord(stored, queue, state)
            : await this.existingOrAdded(stored, queue, state);
        records.set(index, record);
      }),
    );
  }

  /**
   * BullMQ answers a duplicate id with the id alone and leaves the stored job
   * as it was; a different creation time tells that another enqueue won.
   */
  private async existingOrAdded(
    added: BullmqJob,
    queue: QueueName,
    state: JobState,
  ): Promise<JobRecord> {
    const stored = await this.queueFor(queue).getJob(added.id ?? '');
    if (!stored || stored.timestamp === added.timestamp) return toRecord(added, queue, state);
    return (await this.readConsistently({ queue, job: stored })) ?? toRecord(stored, queue, state);
  }

  private async locate(id: string): Promise<LocatedJob | null> {
    const bullmqId = toBullmqJobId(id);
    const found = await Promise.all(
      QUEUE_NAMES.map(async (queue) => ({
        queue,
        job: await this.queueFor(queue).getJob(bullmqId),
      })),
    );
    for (const { queue, job } of found) {
      if (job) return { queue, job };
    }
    return null;
  }

  async get(id: string): Promise<JobRecord | null> {
    const located = await this.locate(id);
    if (!located) return null;
    return this.readConsistently(located);
  }

  /**
   * BullMQ reads a job's fields and its state separately. A state read
   * between two identical reads of the fields belongs to those fields; a job
   * that moved on in between is read again (it cannot keep moving for long).
   */
  private async readConsistently({ queue, job }: LocatedJob): Promise<JobRecord | null> {
    let before = job;
    for (let attempt = 1; ; attempt += 1) {
      const state = toPortState(await before.getState());
      const after = await this.queueFor(queue).getJob(before.id ?? '');
      if (!after) return null;
      const isSettled = fingerprint(after) === fingerprint(before);
      if (isSettled || attempt >= MAX_CONSISTENT_READS) return toRecord(after, queue, state);
      before = after;
    }
  }

  private async jobsIn(queue: QueueName, state: JobState): Promise<JobRecord[]> {
    const jobs = await this.queueFor(queue).getJobs([...BULLMQ_TYPES[state]], 0, -1, true);
    // A job removed between the range read and the hash read comes back empty.
    return jobs.filter((job) => job !== undefined).map((job) => toRecord(job, queue, state));
  }

  /**
   * BullMQ has no index by name or across queues, so this reads every job in
   * the selected queues and states; retention keeps that number bounded.
   */
  async list(filter: JobListFilter): Promise<{ items: JobRecord[]; total: number }> {
    const queues = filter.queue ? [filter.queue] : QUEUE_NAMES;
    const states = filter.state ? [filter.state] : JOB_STATES;
    const reads = queues.flatMap((queue) => states.map((state) => this.jobsIn(queue, state)));
    const records = uniqueByQueueAndId((await Promise.all(reads)).flat())
      .filter((record) => filter.name === undefined || record.name === filter.name)
      .sort(newestFirst);
    const offset = Math.max(0, filter.offset ?? 0);
    const limit = Math.min(Math.max(filter.limit ?? DEFAULT_LIST_LIMIT, 1), MAX_LIST_LIMIT);
    return { items: records.slice(offset, offset + limit), total: records.length };
  }

  async retry(id: string): Promise<JobRecord> {
    const located = await this.locate(id);
    if (!located) throw new JobNotFoundError(id);
    const state = toPortState(await located.job.getState());
    if (state !== 'failed') throw new JobNotFailedError(id, state);
    // BullMQ keeps the progress of the failed run; a fresh run starts from 0.
    await located.job.updateProgress(0);
    await located.job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    // A read-back could already show a worker's run; report the job as retry left it.
    return {
      ...toRecord(located.job, located.queue, 'waiting'),
      progress: 0,
      attemptsMade: 0,
      failedReason: null,
      startedAt: null,
      finishedAt: null,
    };
  }

  async counts(queue?: QueueName): Promise<Record<JobState, number>> {
    const queues = queue ? [queue] : QUEUE_NAMES;
    const types = JOB_STATES.flatMap((state) => BULLMQ_TYPES[state]);
    const perQueue = await Promise.all(
      queues.map((name) => this.queueFor(name).getJobCounts(...types)),
    );
    const totals = emptyCounts();
    for (const counts of perQueue) {
      for (const state of JOB_STATES) {
        for (const type of BULLMQ_TYPES[state]) totals[state] += counts[type] ?? 0;
      }
    }
    return totals;
  }

  private templateOptions(): WithTimeout<JobSchedulerTemplateOptions> {
    return runOptions(DEFAULT_ENQUEUE, this.retention);
  }

  async upsertSchedule(schedule: JobSchedule): Promise<void> {
    const schedulerId = toBullmqSchedulerId(schedule.id);
    // A schedule that moved to another queue must stop firing on the old one.
    const others = QUEUE_NAMES.filter((queue) => queue !== schedule.queue);
    await Promise.all(others.map((queue) => this.queueFor(queue).removeJobScheduler(schedulerId)));
    await this.queueFor(schedule.queue).upsertJobScheduler(
      schedulerId,
      { pattern: schedule.cron, tz: schedule.timeZone },
      { name: schedule.name, data: schedule.data, opts: this.templateOptions() },
    );
  }

  async removeSchedule(id: string): Promise<void> {
    const schedulerId = toBullmqSchedulerId(id);
    await Promise.all(
      QUEUE_NAMES.map((queue) => this.queueFor(queue).removeJobScheduler(schedulerId)),
    );
  }

  async listSchedules(): Promise<JobSchedule[]> {
    const perQueue = await Promise.all(
      QUEUE_NAMES.map(async (queue) => {
        const schedulers = await this.queueFor(queue).getJobSchedulers(0, -1, true);
        return schedulers.map((json) => toSchedule(json, queue));
      }),
    );
    return perQueue.flat().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
