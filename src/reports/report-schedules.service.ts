import { randomUUID } from 'node:crypto';

import { Cron } from 'croner';

import type { Actor } from '../auth/actor.ts';
import { STAFF_ROLES, requireRole } from '../auth/actor.ts';
import { CohortsRepo } from '../cohorts/cohorts.repo.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/database.ts';
import type { ReportScheduleRow } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import { ReportSchedulesRepo } from './report-schedules.repo.ts';
import type {
  CreateReportScheduleBody,
  ReportScheduleView,
  UpdateReportScheduleBody,
} from './report-schedules.schemas.ts';

export const REPORT_JOB_NAME = 'reports.scheduled';

/** What the `reports.scheduled` job carries. */
export interface ReportJobData {
  readonly scheduleId: number;
  /**
   * Set when someone asked for the report now ("Enviar agora"): that request
   * gets its own e-mail, sent once, even for a period already sent.
   */
  readonly requestId?: string;
}

export interface ReportScheduleDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** Null where the process has no job backend: schedules are stored but not queued. */
  readonly jobs: JobQueue | null;
  /** The institution's zone, used when a schedule names none. */
  readonly timeZone: string;
}

/** The queue's id of a schedule's cron entry. */
export function queueScheduleId(id: number): string {
  return `report-schedule-${id}`;
}

/**
 * Report schedules: a cohort's sheet e-mailed to recipients on a cron
 * schedule. Staff manage them; every change is mirrored on the job queue
 * (inactive or deleted schedules are removed from it).
 */
export class ReportSchedulesService {
  constructor(private readonly deps: ReportScheduleDeps) {}

  private get repo(): ReportSchedulesRepo {
    return new ReportSchedulesRepo(this.deps.db);
  }

  async list(
    actor: Actor,
    cohortId: number | undefined,
    page: PageRequest,
  ): Promise<Page<ReportScheduleView>> {
    requireRole(actor, STAFF_ROLES, 'read report schedules');
    const found = await this.repo.list(cohortId, page);
    return { items: found.items.map(toView), total: found.total };
  }

  async get(actor: Actor, id: number): Promise<ReportScheduleView> {
    requireRole(actor, STAFF_ROLES, 'read report schedules');
    return toView(await this.load(id));
  }

  async create(actor: Actor, input: CreateReportScheduleBody): Promise<ReportScheduleView> {
    requireRole(actor, STAFF_ROLES, 'create report schedules');
    const timeZone = input.timeZone ?? this.deps.timeZone;
    await this.validate({ ...input, timeZone });
    const now = this.deps.clock.now().toISOString();
    const row = await this.repo.insert({
      cohortId: input.cohortId,
      report: input.report,
      format: input.format,
      recipients: JSON.stringify(normalRecipients(input.recipients)),
      cron: input.cron.trim(),
      timeZone,
      isActive: input.isActive ?? true,
      createdBy: actor.userId > 0 ? actor.userId : null,
      createdAt: now,
      updatedAt: now,
    });
    await this.syncQueue(row);
    return toView(row);
  }

  async update(
    actor: Actor,
    id: number,
    input: UpdateReportScheduleBody,
  ): Promise<ReportScheduleView> {
    requireRole(actor, STAFF_ROLES, 'change report schedules');
    await this.load(id);
    await this.validate(input);
    const { recipients, cron, ...rest } = input;
    await this.repo.update(id, {
      ...rest,
      ...(recipients ? { recipients: JSON.stringify(normalRecipients(recipients)) } : {}),
      ...(cron === undefined ? {} : { cron: cron.trim() }),
      updatedAt: this.deps.clock.now().toISOString(),
    });
    const row = await this.load(id);
    await this.syncQueue(row);
    return toView(row);
  }

  async remove(actor: Actor, id: number): Promise<void> {
    requireRole(actor, STAFF_ROLES, 'delete report schedules');
    if (!(await this.repo.delete(id))) throw notFound(id);
    await this.deps.jobs?.removeSchedule(queueScheduleId(id));
  }

  /**
   * Queues the schedule's report now, outside its cron, on the queue its
   * ticks use. Someone who asks means it, so the period is sent again even if
   * its tick already sent it; the request has its own idempotency key, so a
   * retried job still sends it once. Refused (400) for an inactive schedule,
   * which the job would refuse too.
   */
  async runNow(actor: Actor, id: number): Promise<{ jobId: string }> {
    requireRole(actor, STAFF_ROLES, 'run report schedules');
    const row = await this.load(id);
    if (!row.isActive) {
      throw invalidFields([{ field: 'isActive', message: 'an inactive schedule is not sent' }]);
    }
    if (!this.deps.jobs) throw new AppError('OMAUM_JOB_QUEUE_UNAVAILABLE');
    const data: ReportJobData = { scheduleId: row.id, requestId: randomUUID() };
    const job = await this.deps.jobs.enqueue('email', REPORT_JOB_NAME, data);
    return { jobId: job.id };
  }

  /** The schedule a job runs, as stored; undefined once deleted. */
  findForJob(id: number): Promise<ReportScheduleRow | undefined> {
    return this.repo.findById(id);
  }

  async markRun(id: number, at: string): Promise<void> {
    await this.repo.update(id, { lastRunAt: at });
  }

  private async load(id: number): Promise<ReportScheduleRow> {
    const row = await this.repo.findById(id);
    if (!row) throw notFound(id);
    return row;
  }

  private async validate(input: UpdateReportScheduleBody): Promise<void> {
    const problems = scheduleProblems(input);
    if (input.cohortId !== undefined && !(await this.cohortExists(input.cohortId))) {
      problems.push({ field: 'cohortId', message: 'there is no such cohort' });
    }
    if (problems.length > 0) throw invalidFields(problems);
  }

  private async cohortExists(id: number): Promise<boolean> {
    const cohort = await new CohortsRepo(this.deps.db).findById(id);
    return cohort !== undefined;
  }

  private async syncQueue(row: ReportScheduleRow): Promise<void> {
    const { jobs } = this.deps;
    if (!jobs) return;
    if (!row.isActive) {
      await jobs.removeSchedule(queueScheduleId(row.id));
      return;
    }
    const data: ReportJobData = { scheduleId: row.id };
    await jobs.upsertSchedule({
      id: queueScheduleId(row.id),
      queue: 'email',
      name: REPORT_JOB_NAME,
      data,
      cron: row.cron,
      timeZone: row.timeZone,
    });
  }
}

export function recipientsOf(row: ReportScheduleRow): string[] {
  const parsed: unknown = JSON.parse(row.recipients);
  return Array.isArray(parsed) ? parsed.filter((item) => typeof item === 'string') : [];
}

/**
 * The first tick of a schedule strictly after `after`, as an ISO instant, the
 * way the scheduler reads it (the cron in the schedule's zone); null when the
 * expression has no future tick or cannot be read.
 */
export function nextRunAt(cron: string, timeZone: string, after: Date): string | null {
  try {
    const next = new Cron(cron.trim(), { timezone: timeZone, paused: true }).nextRun(after);
    return next ? next.toISOString() : null;
  } catch {
    return null;
  }
}

function toView(row: ReportScheduleRow): ReportScheduleView {
  return {
    id: row.id,
    cohortId: row.cohortId,
    report: row.report,
    format: row.format,
    recipients: recipientsOf(row),
    cron: row.cron,
    timeZone: row.timeZone,
    isActive: row.isActive,
    createdBy: row.createdBy,
    lastRunAt: row.lastRunAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Trimmed, lower-case, each once, in the order given. */
function normalRecipients(recipients: readonly string[]): string[] {
  return [...new Set(recipients.map((address) => address.trim().toLowerCase()))];
}

/**
 * What is wrong with a cron expression or a time zone, by field; the pages
 * show these with their own checks so that one round of corrections is enough.
 */
export function scheduleProblems(input: {
  readonly cron?: string;
  readonly timeZone?: string;
}): { field: string; message: string }[] {
  return [
    ...(input.cron === undefined ? [] : cronProblems(input.cron)),
    ...(input.timeZone === undefined ? [] : timeZoneProblems(input.timeZone)),
  ];
}

function cronProblems(cron: string): { field: string; message: string }[] {
  const message = 'must be a five-field cron expression, e.g. "0 7 1 * *"';
  if (cron.trim().split(/\s+/).length !== 5) return [{ field: 'cron', message }];
  try {
    new Cron(cron.trim(), { paused: true }).stop();
    return [];
  } catch {
    return [{ field: 'cron', message }];
  }
}

function timeZoneProblems(timeZone: string): { field: string; message: string }[] {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return [];
  } catch {
    return [{ field: 'timeZone', message: 'must be an IANA time zone, e.g. America/Sao_Paulo' }];
  }
}

function notFound(id: number): AppError {
  return new AppError('OMAUM_REPORT_SCHEDULE_NOT_FOUND', `There is no report schedule ${id}`);
}
