import { Cron } from 'croner';

import type { Logger } from '../../logging/logger.ts';
import type { JobQueue, JobScheduler } from '../job-queue.ts';
import { sleep } from '../worker-runtime.ts';
import type { ResolvedJobOptions } from './embedded-options.ts';
import { toSchedule } from './job-store.ts';
import type { JobStore } from './job-store.ts';
import type { JobScheduleRow } from '../../db/tables.ts';

/** The first tick of `cron` (read in `timeZone`) strictly after `after`. */
export function nextTick(cron: string, timeZone: string, after: Date): Date {
  const next = new Cron(cron, { timezone: timeZone, paused: true }).nextRun(after);
  if (!next) throw new Error(`cron "${cron}" has no future tick`);
  return next;
}

/**
 * Fires due schedules. Each tick becomes a job whose id is
 * `${scheduleId}@${tickIso}`; the insert is idempotent, so any number of
 * schedulers running at once create one job per tick.
 */
export class EmbeddedScheduler implements JobScheduler {
  private stopping = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly queue: JobQueue,
    private readonly options: ResolvedJobOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.fireDue();
      } catch (error) {
        this.logger.error({ err: error }, 'job scheduler: could not fire schedules');
      }
      await sleep(this.options.schedulerIntervalMs, this.stopping.signal);
    }
  }

  private async fireDue(): Promise<void> {
    const now = this.options.now();
    for (const row of await this.store.dueSchedules(now)) {
      await this.fire(row, now);
    }
  }

  private async fire(row: JobScheduleRow, now: Date): Promise<void> {
    const schedule = toSchedule(row);
    const tick = new Date(row.nextRunAt).toISOString();
    await this.queue.enqueue(schedule.queue, schedule.name, schedule.data, {
      jobId: `${schedule.id}@${tick}`,
    });
    // Ticks missed while no scheduler ran collapse into the one just fired.
    const next = nextTick(schedule.cron, schedule.timeZone, now);
    await this.store.advanceSchedule(row.id, row.nextRunAt, next, now);
    this.logger.debug({ scheduleId: schedule.id, tick }, 'job scheduler: fired');
  }
}
