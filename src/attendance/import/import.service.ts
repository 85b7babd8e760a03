import type { Actor } from '../../auth/actor.ts';
import { requireRole } from '../../auth/actor.ts';
import { assertCohortVisible } from '../../cohorts/cohort-scope.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import type { JobQueue, JobRecord, JobState } from '../../platform/jobs/job-queue.ts';
import { ATTENDANCE_ROLES } from '../../sessions/sessions.service.ts';
import type { ImportFormat } from './import-parse.ts';

export const IMPORT_JOB_NAME = 'attendance.import';
export const IMPORT_QUEUE = 'bulk';

/** The data of an `attendance.import` job. */
export interface ImportJobData {
  readonly cohortId: number;
  /** Who asked: the marks are saved as this user, within what they may do. */
  readonly userId: number;
  readonly format: ImportFormat;
  readonly content: string;
  /** Save the good rows even when others are rejected. */
  readonly partial: boolean;
}

export interface ImportRowReport {
  readonly row: number;
  readonly status: 'ok' | 'rejected';
  /** Why the row was rejected, in pt-BR; null for a good row. */
  readonly reason: string | null;
  /** The rule or error code behind the reason. */
  readonly code: string | null;
}

/** The job's result. */
export interface ImportReport {
  readonly total: number;
  readonly saved: number;
  readonly rejected: number;
  readonly rows: ImportRowReport[];
}

export interface ImportRequest {
  readonly format: ImportFormat;
  readonly content: string;
  readonly partial?: boolean;
}

export interface ImportStatus {
  readonly jobId: string;
  readonly cohortId: number;
  readonly partial: boolean;
  readonly state: JobState;
  readonly progress: number;
  readonly failedReason: string | null;
  readonly report: ImportReport | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** Imports of marks: queued here, run by the `attendance.import` job (import.jobs.ts). */
export class AttendanceImportService {
  constructor(
    private readonly db: Db,
    private readonly jobs: JobQueue | null,
  ) {}

  async request(actor: Actor, cohortId: number, input: ImportRequest): Promise<{ jobId: string }> {
    requireRole(actor, ATTENDANCE_ROLES, 'import attendance');
    await assertCohortVisible(this.db, actor, cohortId);
    if (!this.jobs) throw new AppError('OMAUM_JOB_QUEUE_UNAVAILABLE');
    const data: ImportJobData = {
      cohortId,
      userId: actor.userId,
      format: input.format,
      content: input.content,
      partial: input.partial ?? false,
    };
    const job = await this.jobs.enqueue(IMPORT_QUEUE, IMPORT_JOB_NAME, data);
    return { jobId: job.id };
  }

  /** The requester's import (any import for an administrator); 404 otherwise. */
  async status(actor: Actor, jobId: string): Promise<ImportStatus> {
    requireRole(actor, ATTENDANCE_ROLES, 'follow imports');
    const job = this.jobs ? await this.jobs.get(jobId) : null;
    const data = job && job.name === IMPORT_JOB_NAME ? importDataOf(job.data) : null;
    if (!job || !data || (data.userId !== actor.userId && actor.role !== 'admin')) {
      throw new AppError('OMAUM_JOB_NOT_FOUND', `You have no import ${jobId}`);
    }
    return toStatus(job, data);
  }
}

function toStatus(job: JobRecord, data: ImportJobData): ImportStatus {
  return {
    jobId: job.id,
    cohortId: data.cohortId,
    partial: data.partial,
    state: job.state,
    progress: job.progress,
    failedReason: job.failedReason,
    report: job.state === 'completed' ? (job.result as ImportReport) : null,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}

/** The job's data when it has the shape of an import's, else null. */
export function importDataOf(value: unknown): ImportJobData | null {
  if (typeof value !== 'object' || value === null) return null;
  const data = value as Partial<Record<keyof ImportJobData, unknown>>;
  const isValid =
    typeof data.cohortId === 'number' &&
    typeof data.userId === 'number' &&
    (data.format === 'csv' || data.format === 'json') &&
    typeof data.content === 'string' &&
    typeof data.partial === 'boolean';
  return isValid ? (value as ImportJobData) : null;
}
