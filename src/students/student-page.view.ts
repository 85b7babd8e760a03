import type { Actor } from '../auth/actor.ts';
import { hasRole } from '../auth/actor.ts';
import { formatMonth as monthOf, parseMonth } from '../attendance/calendar.ts';
import { dateIn } from '../platform/clock.ts';
import type { MarkHistoryEntry, MarkSource, MarkStatus } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { StudentEnrollment } from '../enrollments/enrollments.repo.ts';
import type { Services } from '../services.ts';
import type { ActivityCell } from '../sheets/sheets.schemas.ts';
import {
  MONTH_NAMES,
  formatDate,
  formatDateTime,
  formatMonth,
  formatPct,
  label,
} from '../web/format.ts';
import type { StudentView } from './students.schemas.ts';

/**
 * What the student page shows besides the personal data: enrollments, the
 * report ("boletim") of each cohort with its chart, and the history of
 * changes to the student's marks.
 */

// The institution's default time zone (product spec); pages have no config of their own.
const REPORT_MONTHS = 12;
export const HISTORY_PAGE_SIZE = 25;
const HISTORY_ROLES = ['admin', 'secretary', 'viewer'] as const;

const SOURCE_PT: Record<MarkSource, string> = {
  api: 'API',
  grid: 'Grade de presença',
  month: 'Mês inteiro',
  import: 'Importação',
  system: 'Sistema',
};

export interface EnrollmentView {
  readonly cohortId: number;
  readonly cohortName: string;
  readonly enrolledOn: string;
  readonly endedOn: string;
  readonly status: string;
}

export interface CellView {
  readonly present: number;
  readonly absent: number;
  readonly pct: string;
  readonly shortfall: boolean;
}

export interface ReportView {
  readonly cohortId: number;
  readonly cohortName: string;
  readonly periodLabel: string;
  readonly activities: readonly string[];
  readonly months: readonly { label: string; cells: CellView[] }[];
  readonly total: readonly CellView[];
  readonly volunteer: number;
  readonly shortfalls: number;
  readonly cleared: boolean;
  readonly minAttendancePct: number | null;
  /** The chart's data, safe to put raw inside `<script type="application/json">`. */
  readonly chartJson: string;
}

export interface HistoryRowView {
  readonly when: string;
  readonly session: string;
  readonly change: string;
  readonly by: string;
  readonly source: string;
}

export interface HistoryView {
  readonly rows: readonly HistoryRowView[];
  readonly page: number;
  readonly previousHref: string | null;
  readonly nextHref: string | null;
}

type Report = Awaited<ReturnType<Services['sheets']['studentReport']>>;

export async function studentPageData(
  services: Services,
  actor: Actor,
  student: StudentView,
  historyPage: number,
) {
  const enrollments = await services.enrollments.listForStudent(
    actor,
    student.id,
    {},
    { limit: 100, offset: 0 },
  );
  const currentMonth = dateIn(new Date(), services.timeZone).slice(0, 7);
  const reports = await Promise.all(
    enrollments.items.map((enrollment) =>
      reportFor(services, actor, enrollment, reportPeriod(enrollment, currentMonth)),
    ),
  );
  const history = hasRole(actor, HISTORY_ROLES)
    ? await historyFor(services, actor, student.id, historyPage)
    : null;
  return {
    enrollments: enrollments.items.map(enrollmentView),
    reports: reports.filter((report): report is ReportView => report !== null),
    history,
  };
}

function enrollmentView(enrollment: StudentEnrollment): EnrollmentView {
  return {
    cohortId: enrollment.cohortId,
    cohortName: enrollment.cohortName,
    enrolledOn: formatDate(enrollment.enrolledOn),
    endedOn: formatDate(enrollment.endedOn),
    status: label('enrollmentStatus', enrollment.status),
  };
}

// ---------------------------------------------------------------------------------------------
// The report ("boletim")

function shiftMonth(month: string, delta: number): string {
  const { year, month: number } = parseMonth(month);
  const index = year * 12 + number - 1 + delta;
  return monthOf(Math.floor(index / 12), (index % 12) + 1);
}

/** The last 12 months of the enrollment, up to this month or the enrollment's end. */
export function reportPeriod(
  enrollment: { enrolledOn: string; endedOn: string | null },
  currentMonth: string,
): { from: string; to: string } {
  const start = enrollment.enrolledOn.slice(0, 7);
  const end = enrollment.endedOn?.slice(0, 7) ?? currentMonth;
  let to = end < currentMonth ? end : currentMonth;
  if (to < start) to = start;
  const earliest = shiftMonth(to, 1 - REPORT_MONTHS);
  return { from: start > earliest ? start : earliest, to };
}

async function reportFor(
  services: Services,
  actor: Actor,
  enrollment: StudentEnrollment,
  period: { from: string; to: string },
): Promise<ReportView | null> {
  const { studentId, cohortId } = enrollment;
  try {
    const [report, cohort] = await Promise.all([
      services.sheets.studentReport(actor, studentId, cohortId, period.from, period.to),
      services.cohorts.get(actor, cohortId),
    ]);
    return reportView(report, cohort.minAttendancePct);
  } catch (error) {
    // Not in the roster of the period, or a cohort outside an instructor's scope.
    if (error instanceof AppError && error.statusCode === 404) return null;
    throw error;
  }
}

function hasData(cell: ActivityCell): boolean {
  return cell.expected + cell.pending + cell.volunteerExtra + cell.volunteerSimple > 0;
}

function cellView(cell: ActivityCell): CellView {
  return {
    present: cell.present,
    absent: cell.absent + cell.excused,
    pct: formatPct(cell.pct),
    shortfall: cell.shortfall,
  };
}

function shortMonth(month: string): string {
  const { year, month: number } = parseMonth(month);
  return `${MONTH_NAMES[number - 1]?.slice(0, 3) ?? ''}/${year}`;
}

function reportView(report: Report, minAttendancePct: number | null): ReportView {
  const months = report.months.filter((month) => month.activities.some(hasData));
  const chart = {
    labels: months.map((month) => shortMonth(month.month)),
    minimum: minAttendancePct,
    series: report.activities.map((activity, index) => ({
      label: activity.name,
      values: months.map((month) => month.activities[index]?.pct ?? null),
    })),
  };
  const first = report.period.months[0] ?? report.period.from;
  const last = report.period.months.at(-1) ?? report.period.to;
  return {
    cohortId: report.cohortId,
    cohortName: report.cohortName,
    periodLabel:
      first === last ? formatMonth(first) : `de ${formatMonth(first)} a ${formatMonth(last)}`,
    activities: report.activities.map((activity) => activity.name),
    months: months.map((month) => ({
      label: formatMonth(month.month),
      cells: month.activities.map(cellView),
    })),
    total: report.total.activities.map(cellView),
    volunteer: report.total.volunteer,
    shortfalls: report.total.shortfalls,
    cleared: report.total.cleared,
    minAttendancePct,
    chartJson: jsonForScript(chart),
  };
}

/** JSON that cannot close its `<script>` element nor start markup. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// ---------------------------------------------------------------------------------------------
// The history of changes to the marks

async function historyFor(
  services: Services,
  actor: Actor,
  studentId: number,
  page: number,
): Promise<HistoryView> {
  const entries = await services.attendance.studentHistory(actor, studentId, {
    limit: HISTORY_PAGE_SIZE + 1,
    offset: (page - 1) * HISTORY_PAGE_SIZE,
  });
  const shown = entries.slice(0, HISTORY_PAGE_SIZE);
  const sessions = await lookup(
    shown.map((entry) => entry.sessionId),
    (id) => services.sessions.get(actor, id),
  );
  const activities = await lookup(
    [...sessions.values()].map((session) => session.activityId),
    (id) => services.activities.get(actor, id),
  );
  // Only the names of whoever recorded a change, for people already allowed to read it.
  const userNames = await services.users.displayNames(
    actor,
    shown.flatMap((entry) => (entry.changedBy === null ? [] : [entry.changedBy])),
  );
  const sessionLabel = (id: number) => {
    const session = sessions.get(id);
    if (!session) return `Dia de atividade nº ${id}`;
    const activity = activities.get(session.activityId)?.name ?? 'Atividade';
    const time = session.time ? ` ${session.time.slice(0, 5)}` : '';
    return `${formatDate(session.date)}${time} · ${activity}`;
  };
  const base = `/alunos/${studentId}`;
  return {
    rows: shown.map((entry) => ({
      when: formatDateTime(entry.changedAt, services.timeZone),
      session: sessionLabel(entry.sessionId),
      change: changeText(entry),
      by: byWhom(entry.changedBy, userNames),
      source: SOURCE_PT[entry.source],
    })),
    page,
    previousHref: page > 1 ? `${base}?historico=${page - 1}#historico` : null,
    nextHref: entries.length > HISTORY_PAGE_SIZE ? `${base}?historico=${page + 1}#historico` : null,
  };
}

/** Loads each distinct id once; ids the actor may not see (404) are left out. */
async function lookup<T>(ids: number[], load: (id: number) => Promise<T>): Promise<Map<number, T>> {
  const found = new Map<number, T>();
  for (const id of new Set(ids)) {
    try {
      found.set(id, await load(id));
    } catch (error) {
      if (!(error instanceof AppError) || error.statusCode !== 404) throw error;
    }
  }
  return found;
}

function statusText(status: MarkStatus | null): string {
  return status === null ? 'sem registro' : label('markStatus', status);
}

function changeText(entry: MarkHistoryEntry): string {
  const status = `${statusText(entry.oldStatus)} → ${statusText(entry.newStatus)}`;
  if (entry.oldIsSummoned === null || entry.oldIsSummoned === entry.newIsSummoned) return status;
  const summoned = (value: boolean) => (value ? 'sim' : 'não');
  const change = `${summoned(entry.oldIsSummoned)} → ${summoned(entry.newIsSummoned)}`;
  return `${status} (convocado: ${change})`;
}

function byWhom(userId: number | null, users: Map<number, string>): string {
  if (userId === null) return 'Sistema';
  return users.get(userId) ?? `Usuário nº ${userId}`;
}
