import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { CohortsRepo } from '../cohorts/cohorts.repo.ts';
import type { Config } from '../config/config.ts';
import { fileBaseName } from '../exports/exports.jobs.ts';
import { CONTENT_TYPES } from '../exports/exports.service.ts';
import { writeSheetCsv } from '../exports/sheet-csv.ts';
import { writeSheetPdf } from '../exports/sheet-pdf.ts';
import { writeSheetXlsx } from '../exports/sheet-xlsx.ts';
import { dateIn } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { Cohort, ReportKind, ReportScheduleRow } from '../platform/db/tables.ts';
import { isAppError } from '../platform/errors/app-error.ts';
import type { JobContext, JobHandlers } from '../platform/jobs/job-queue.ts';
import { UnrecoverableJobError } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/logging/logger.ts';
import { createMailer, defaultFromAddress, MailError } from '../platform/mail/mailer.ts';
import type { MailMessage } from '../platform/mail/mailer.ts';
import type { MonthPeriod } from '../platform/mail/templates.ts';
import { reportEmail } from '../platform/mail/templates.ts';
import type { Services } from '../services.ts';
import type { Sheet } from '../sheets/sheets.schemas.ts';
import { monthsEndingWith } from '../web/time.ts';
import type { ReportJobData } from './report-schedules.service.ts';
import {
  recipientsOf,
  REPORT_JOB_NAME,
  ReportSchedulesService,
} from './report-schedules.service.ts';

export interface ReportJobDeps {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  readonly services: Services;
}

export interface ReportJobResult {
  readonly scheduleId: number;
  readonly period: MonthPeriod;
  readonly messageId: string;
  /** True when this period had already been sent: nothing was sent this time. */
  readonly isDuplicate: boolean;
}

const REPORT_NAMES: Readonly<Record<ReportKind, string>> = {
  'sheet-month': 'Relatório Mensal de Atividades',
  'sheet-accumulated': 'Relatório Acumulado de Atividades',
};

// The sheets service reads at most 36 months at once.
const MAX_MONTHS = 36;

/** The `reports.scheduled` handler (queue `email`, data `{ scheduleId }`). */
export function reportScheduleHandlers(deps: ReportJobDeps): JobHandlers {
  return {
    [REPORT_JOB_NAME]: (context: JobContext<ReportJobData>) => runSchedule(deps, context),
  };
}

/**
 * Builds the schedule's sheet for the period that just closed, e-mails it to
 * the recipients once per period (the idempotency key makes a retry or a
 * second tick in the same month send nothing; a job queued by "Enviar agora"
 * sends once per request) and stamps `lastRunAt`.
 */
async function runSchedule(
  deps: ReportJobDeps,
  context: JobContext<ReportJobData>,
): Promise<ReportJobResult> {
  const schedules = new ReportSchedulesService({
    db: deps.database.db,
    clock: deps.services.clock,
    jobs: deps.services.jobs,
    timeZone: deps.services.timeZone,
  });
  const id = context.job.data.scheduleId;
  const schedule = await schedules.findForJob(id);
  if (!schedule) throw new UnrecoverableJobError(`There is no report schedule ${id}`);
  if (!schedule.isActive) throw new UnrecoverableJobError(`Report schedule ${id} is inactive`);

  const period = await periodOf(deps, schedule);
  const sheet = await loadSheet(deps.services, schedule, period);
  context.signal.throwIfAborted();
  const sent = await sendReport(deps, schedule, sheet, period, context.job.data.requestId);
  await schedules.markRun(id, deps.services.clock.now().toISOString());
  return { scheduleId: id, period, messageId: sent.messageId, isDuplicate: sent.isDuplicate };
}

/** The previous month, or the cohort's first month up to it (at most 36 months). */
export function reportPeriod(
  report: ReportKind,
  previousMonth: string,
  firstMonth: string | null,
): MonthPeriod {
  if (report === 'sheet-month' || firstMonth === null || firstMonth >= previousMonth) {
    return { from: previousMonth, to: previousMonth };
  }
  const earliest = monthsEndingWith(previousMonth, MAX_MONTHS)[0] ?? previousMonth;
  return { from: firstMonth > earliest ? firstMonth : earliest, to: previousMonth };
}

async function periodOf(deps: ReportJobDeps, schedule: ReportScheduleRow): Promise<MonthPeriod> {
  const today = dateIn(deps.services.clock.now(), schedule.timeZone).slice(0, 7);
  const previousMonth = monthsEndingWith(today, 2)[0] ?? today;
  const cohort = await new CohortsRepo(deps.database.db).findById(schedule.cohortId);
  if (!cohort) throw new UnrecoverableJobError(`There is no cohort ${schedule.cohortId}`);
  return reportPeriod(schedule.report, previousMonth, firstMonthOf(cohort));
}

function firstMonthOf(cohort: Cohort): string | null {
  const dates = [cohort.initiationDate, cohort.activitiesStartDate, cohort.firstLessonDate];
  const first = dates.filter((date): date is string => date !== null).sort()[0];
  return first === undefined ? null : first.slice(0, 7);
}

async function loadSheet(
  services: Services,
  schedule: ReportScheduleRow,
  period: MonthPeriod,
): Promise<Sheet> {
  try {
    return await services.sheets.sheet(SYSTEM_ACTOR, schedule.cohortId, period.from, period.to);
  } catch (error) {
    // Refusals (a cohort gone, a bad period) will not change on a retry.
    if (isAppError(error) && error.statusCode < 500) {
      throw new UnrecoverableJobError(error.message, { cause: error });
    }
    throw error;
  }
}

async function sendReport(
  deps: ReportJobDeps,
  schedule: ReportScheduleRow,
  sheet: Sheet,
  period: MonthPeriod,
  requestId: string | undefined,
) {
  const exportsDir = path.join(deps.config.dataDir, 'exports');
  await mkdir(exportsDir, { recursive: true });
  const fileName = `${fileBaseName('sheet', [sheet.cohort.name], period)}.${schedule.format}`;
  const suffix = randomBytes(4).toString('hex');
  const filePath = path.join(exportsDir, `report-schedule-${schedule.id}-${suffix}-${fileName}`);
  try {
    await writeSheet(deps.services, schedule, sheet, filePath);
    const file = { fileName, filePath };
    return await mail(deps, message(schedule, sheet, period, file, requestId));
  } finally {
    await rm(filePath, { force: true });
  }
}

async function writeSheet(
  services: Services,
  schedule: ReportScheduleRow,
  sheet: Sheet,
  file: string,
): Promise<void> {
  const options = { generatedAt: services.clock.now(), timeZone: services.timeZone };
  const noProgress = () => undefined;
  switch (schedule.format) {
    case 'xlsx':
      await writeSheetXlsx(sheet, file, noProgress, options);
      return;
    case 'pdf':
      await writeSheetPdf(sheet, file, noProgress, options);
      return;
    case 'csv':
      await writeSheetCsv(sheet, file, noProgress);
      return;
  }
}

function message(
  schedule: ReportScheduleRow,
  sheet: Sheet,
  period: MonthPeriod,
  file: { fileName: string; filePath: string },
  requestId: string | undefined,
): MailMessage {
  const content = reportEmail({
    cohortName: sheet.cohort.name,
    period,
    reportName: REPORT_NAMES[schedule.report],
  });
  return {
    ...content,
    to: recipientsOf(schedule),
    attachments: [
      {
        filename: file.fileName,
        path: file.filePath,
        contentType: CONTENT_TYPES[schedule.format],
      },
    ],
    // Once per period for the ticks; once per request for "Enviar agora".
    idempotencyKey:
      requestId === undefined
        ? `report-schedule:${schedule.id}:${period.to}`
        : `report-schedule:${schedule.id}:${period.to}:asked:${requestId}`,
  };
}

async function mail(deps: ReportJobDeps, mailMessage: MailMessage) {
  const mailer = createMailer({
    smtpUrl: deps.config.smtpUrl,
    outboxDir: path.join(deps.config.dataDir, 'outbox'),
    from: defaultFromAddress(deps.config.baseUrl),
    logger: deps.logger,
    db: deps.database.db,
  });
  try {
    return await mailer.send(mailMessage);
  } catch (error) {
    // A refused address or a malformed message will not get better by retrying.
    if (error instanceof MailError && !error.isRetryable) {
      throw new UnrecoverableJobError(error.message, { cause: error });
    }
    throw error;
  } finally {
    mailer.close();
  }
}
