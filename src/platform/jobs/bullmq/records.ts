import type { Job, JobState as BullmqJobState, JobType } from 'bullmq';

import type { JobRecord, JobState, QueueName } from '../job-queue.ts';
import { fromBullmqJobId } from './job-ids.ts';

export type BullmqJob = Job<unknown, unknown>;

/**
 * BullMQ keeps waiting jobs in several structures (the plain wait list, the
 * prioritized set, parents waiting for their children); the port
 * calls all of them "waiting".
 */
export const BULLMQ_TYPES: Readonly<Record<JobState, readonly JobType[]>> = {
  waiting: ['wait', 'prioritized', 'waiting-children'],
  delayed: ['delayed'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};

export function toPortState(state: BullmqJobState | 'unknown'): JobState {
  switch (state) {
    case 'active':
    case 'delayed':
    case 'completed':
    case 'failed':
      return state;
    default:
      // 'unknown' is a job caught between two structures by a Lua script
      // that has not finished yet; it is about to be picked up again.
      return 'waiting';
  }
}

/**
 * The run limit travels in the job's options (BullMQ keeps unknown option
 * keys), so scheduled jobs and retries carry it without touching the data.
 */
export const TIMEOUT_OPTION = 'omaumTimeoutMs';

export function timeoutOf(job: BullmqJob, fallbackMs: number): number {
  const value: unknown = (job.opts as Record<string, unknown>)[TIMEOUT_OPTION];
  return typeof value === 'number' && value > 0 ? value : fallbackMs;
}

export function clampProgress(progress: unknown): number {
  if (typeof progress !== 'number' || Number.isNaN(progress)) return 0;
  return Math.min(100, Math.max(0, progress));
}

function isoOrNull(millis: number | undefined): string | null {
  return millis ? new Date(millis).toISOString() : null;
}

export function toRecord(job: BullmqJob, queue: QueueName, state: JobState): JobRecord {
  const isFinished = state === 'completed' || state === 'failed';
  return {
    id: fromBullmqJobId(job.id ?? ''),
    queue,
    name: job.name,
    data: job.data,
    state,
    progress: clampProgress(job.progress),
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    result: state === 'completed' ? (job.returnvalue ?? null) : null,
    failedReason: job.failedReason ? job.failedReason : null,
    createdAt: new Date(job.timestamp).toISOString(),
    startedAt: isoOrNull(job.processedOn),
    // A job waiting for its next attempt keeps BullMQ's finish time of the
    // failed one; the port only reports it for jobs that are done.
    finishedAt: isFinished ? isoOrNull(job.finishedOn) : null,
  };
}
