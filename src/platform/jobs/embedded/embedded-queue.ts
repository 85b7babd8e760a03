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
import type { ResolvedJobOptions } from './embedded-options.ts';
import { nextTick } from './embedded-scheduler.ts';
import { toJobRecord, toSchedule } from './job-store.ts';
import type { JobStore } from './job-store.ts';

/** The JobQueue port over the job table. */
export class EmbeddedJobQueue implements JobQueue {
  constructor(
    private readonly store: JobStore,
    private readonly options: ResolvedJobOptions,
  ) {}

  async enqueue<T>(
    queue: QueueName,
    name: string,
    data: T,
    options: EnqueueOptions = {},
  ): Promise<JobRecord<T>> {
    const now = this.options.now();
    const row = await this.store.insert(queue, name, data, options, now);
    return toJobRecord<T>(row, now);
  }

  async enqueueMany<T>(jobs: readonly JobToEnqueue<T>[]): Promise<JobRecord<T>[]> {
    if (jobs.length === 0) return [];
    const now = this.options.now();
    const rows = await this.store.insertMany(jobs, now);
    return rows.map((row) => toJobRecord<T>(row, now));
  }

  async get(id: string): Promise<JobRecord | null> {
    const row = await this.store.find(id);
    return row ? toJobRecord(row, this.options.now()) : null;
  }

  async list(filter: JobListFilter): Promise<{ items: JobRecord[]; total: number }> {
    const now = this.options.now();
    const { rows, total } = await this.store.list(filter, now);
    return { items: rows.map((row) => toJobRecord(row, now)), total };
  }

  async retry(id: string): Promise<JobRecord> {
    const now = this.options.now();
    const row = await this.store.retry(id, now);
    if (row) return toJobRecord(row, now);
    const existing = await this.store.find(id);
    if (!existing) throw new Error(`job ${id} does not exist`);
    throw new Error(`job ${id} is ${existing.state}; only failed jobs can be retried`);
  }

  counts(queue?: QueueName): Promise<Record<JobState, number>> {
    return this.store.counts(queue, this.options.now());
  }

  async upsertSchedule(schedule: JobSchedule): Promise<void> {
    const now = this.options.now();
    const existing = await this.store.findSchedule(schedule.id);
    // Every process upserts its schedules at start; keeping a pending tick
    // when the timing is unchanged means a restart never skips one.
    const isSameTiming =
      existing !== null &&
      existing.cron === schedule.cron &&
      existing.timeZone === schedule.timeZone;
    const next = isSameTiming
      ? new Date(existing.nextRunAt)
      : nextTick(schedule.cron, schedule.timeZone, now);
    await this.store.upsertSchedule(schedule, next, now);
  }

  removeSchedule(id: string): Promise<void> {
    return this.store.removeSchedule(id);
  }

  async listSchedules(): Promise<JobSchedule[]> {
    const rows = await this.store.listSchedules();
    return rows.map(toSchedule);
  }

  /** The database belongs to the caller, who closes it. */
  async close(): Promise<void> {}
}
