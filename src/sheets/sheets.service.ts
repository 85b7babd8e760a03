import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, requireRole } from '../auth/actor.ts';
import { assertCohortVisible, visibleCohortIds } from '../cohorts/cohort-scope.ts';
import { AttendanceRepo } from '../attendance/attendance.repo.ts';
import { monthRange, monthsBetween } from '../attendance/calendar.ts';
import type { ActivityCounters, AttendancePolicy } from '../attendance/statistics.ts';
import {
  activityResult,
  enrollmentCovers,
  forecast,
  sheetSummary,
  studentResult,
} from '../attendance/statistics.ts';
import type { Cache, CacheScope } from '../platform/cache/cache.ts';
import type { Db } from '../platform/db/database.ts';
import type { Activity, Session } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import { SessionsRepo } from '../sessions/sessions.repo.ts';
import { sheetScope, studentReportScope } from './sheet-cache.ts';
import type { ActivityCell, Sheet, SheetRow } from './sheets.schemas.ts';

type Cohort = NonNullable<Awaited<ReturnType<AttendanceRepo['findCohort']>>>;
type RosterEntry = Awaited<ReturnType<AttendanceRepo['rosterOf']>>[number];

interface CounterSums {
  readonly activityId: number;
  readonly studentId: number;
  readonly expected: number;
  readonly present: number;
  readonly absent: number;
  readonly excused: number;
  readonly volunteerExtra: number;
  readonly volunteerSimple: number;
  readonly summonedUnmarked: number;
}

export interface Period {
  readonly from: string;
  readonly to: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly months: string[];
}

/** Everything a sheet is computed from, loaded once. */
interface SheetData {
  readonly cohort: Cohort;
  readonly period: Period;
  readonly activities: Activity[];
  readonly sessions: Session[];
  readonly roster: RosterEntry[];
  readonly people: Map<number, string>;
}

// Read-only maximum so one request cannot ask for decades of sheets.
const MAX_MONTHS = 36;

export type StudentReport = Awaited<ReturnType<SheetsService['computeStudentReport']>>;

/**
 * The monthly and accumulated sheets ("Relatório mensal / acumulado") and the
 * reports built on them. Numbers come from the monthly counters and the rules
 * module; nothing here re-derives a rule.
 *
 * Sheets and student reports are cached (docs/cache.md) once the actor's
 * access is checked: what is cached is the same for everyone allowed to see it.
 */
export class SheetsService {
  constructor(
    private readonly db: Db,
    /** Where computed sheets are kept; without one, every call computes. */
    private readonly cache: Cache | null = null,
  ) {}

  async sheet(actor: Actor, cohortId: number, from: string, to = from): Promise<Sheet> {
    requireRole(actor, ALL_ROLES, 'read sheets');
    await assertCohortVisible(this.db, actor, cohortId);
    return this.cached(sheetScope(cohortId), `cohort:${cohortId}:${from}..${to}`, () =>
      this.computeSheet(cohortId, from, to),
    );
  }

  async notCleared(actor: Actor, cohortId: number, from: string, to = from) {
    const sheet = await this.sheet(actor, cohortId, from, to);
    const names = new Map(sheet.activities.map((a) => [a.activityId, a.name]));
    const items = sheet.rows
      .filter((row) => !row.cleared && isFollowedUp(row.situation))
      .map((row) => ({
        studentId: row.studentId,
        fullName: row.fullName,
        situation: row.situation,
        shortfalls: row.shortfalls,
        activities: row.activities
          .filter((cell) => cell.shortfall)
          .map((cell) => ({
            activityId: cell.activityId,
            name: names.get(cell.activityId) ?? '',
            pct: cell.pct,
            missingToMinimum: cell.missingToMinimum,
          })),
      }));
    return { cohortId, period: sheet.period, items, total: items.length };
  }

  /**
   * How many more absences each student can afford per activity, given the
   * sessions already scheduled in the period that are not marked yet.
   */
  async forecast(actor: Actor, cohortId: number, from: string, to = from) {
    const sheet = await this.sheet(actor, cohortId, from, to);
    const policy = policyOf(sheet.cohort);
    const names = new Map(sheet.activities.map((a) => [a.activityId, a.name]));
    const items = sheet.rows
      .filter((row) => isFollowedUp(row.situation))
      .map((row) => ({
        studentId: row.studentId,
        fullName: row.fullName,
        activities: row.activities.map((cell) => {
          const outlook = forecast(cell, 0, policy);
          return {
            activityId: cell.activityId,
            name: names.get(cell.activityId) ?? '',
            expected: cell.expected,
            present: cell.present,
            undecided: outlook.undecided,
            presencesNeeded: outlook.presencesNeeded,
            affordableAbsences: outlook.affordableAbsences,
            canReachMinimum: outlook.canReachMinimum,
          };
        }),
      }));
    return { cohortId, period: sheet.period, items };
  }

  /**
   * The attendance % of each month's sheet of several cohorts (present over
   * expected, summed over the students the sheet lists and their
   * activities; null when nothing was expected), read in two queries
   * however many cohorts and months: what the home page charts.
   */
  async monthlyAttendance(
    actor: Actor,
    cohortIds: readonly number[],
    months: readonly string[],
  ): Promise<Map<number, (number | null)[]>> {
    requireRole(actor, ALL_ROLES, 'read sheets');
    const visible = await visibleCohortIds(this.db, actor);
    const hidden = visible === null ? [] : cohortIds.filter((id) => !visible.includes(id));
    if (hidden[0] !== undefined) {
      throw new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${hidden[0]}`);
    }
    const first = months[0];
    const last = months.at(-1);
    const result = new Map(cohortIds.map((id) => [id, months.map((): number | null => null)]));
    if (first === undefined || last === undefined) return result;

    const repo = new AttendanceRepo(this.db);
    const [totals, windows] = await Promise.all([
      repo.monthlyTotals(cohortIds, first, last),
      repo.enrollmentWindows(cohortIds),
    ]);
    const windowOf = new Map(windows.map((w) => [`${w.cohortId}:${w.studentId}`, w]));
    const rangeOf = new Map(months.map((month) => [month, monthRange(month)]));
    const sums = new Map<string, { present: number; expected: number }>();
    for (const row of totals) {
      // The sheet of a month lists the students whose enrollment overlaps it (rosterOf).
      const window = windowOf.get(`${row.cohortId}:${row.studentId}`);
      const range = rangeOf.get(row.month);
      const isListed =
        window !== undefined &&
        range !== undefined &&
        window.enrolledOn <= range.last &&
        (window.endedOn === null || window.endedOn >= range.first);
      if (!isListed) continue;
      const key = `${row.cohortId}:${row.month}`;
      const sum = sums.get(key) ?? { present: 0, expected: 0 };
      sum.present += row.present;
      sum.expected += row.expected;
      sums.set(key, sum);
    }
    for (const [cohortId, values] of result) {
      months.forEach((month, index) => {
        const sum = sums.get(`${cohortId}:${month}`);
        values[index] =
          sum && sum.expected > 0 ? Math.round((sum.present / sum.expected) * 100) : null;
      });
    }
    return result;
  }

  /** The student report ("boletim"): each month and the whole period, per activity. */
  async studentReport(
    actor: Actor,
    studentId: number,
    cohortId: number,
    from: string,
    to = from,
  ): Promise<StudentReport> {
    requireRole(actor, ALL_ROLES, 'read student reports');
    await assertCohortVisible(this.db, actor, cohortId);
    const key = `student:${studentId}:cohort:${cohortId}:${from}..${to}`;
    return this.cached(studentReportScope(cohortId), key, () =>
      this.computeStudentReport(studentId, cohortId, from, to),
    );
  }

  private cached<T>(scope: CacheScope, key: string, compute: () => Promise<T>): Promise<T> {
    return this.cache ? this.cache.wrap(scope, key, compute) : compute();
  }

  private async computeSheet(cohortId: number, from: string, to: string): Promise<Sheet> {
    const data = await this.load(cohortId, from, to);
    const sums = await new AttendanceRepo(this.db).sumCounters(cohortId, from, to);
    return buildSheet(data, sums);
  }

  private async computeStudentReport(
    studentId: number,
    cohortId: number,
    from: string,
    to: string,
  ) {
    const data = await this.load(cohortId, from, to);
    const student = data.roster.find((entry) => entry.studentId === studentId);
    if (!student) {
      throw new AppError(
        'OMAUM_STUDENT_NOT_FOUND',
        `Student ${studentId} is not enrolled in cohort ${cohortId} in ${from}..${to}`,
      );
    }
    const rows = await new AttendanceRepo(this.db).countersOf(cohortId, from, to);
    const own = rows.filter((row) => row.studentId === studentId);
    const months = data.period.months.map((month) => {
      const range = monthRange(month);
      const sessions = data.sessions.filter((s) => s.month === month);
      const sums = own.filter((row) => row.month === month);
      const monthData = { ...data, sessions, period: { ...data.period, ...range } };
      return { month, activities: cellsOf(monthData, student, sums) };
    });
    const total = rowOf(data, student, own.length > 0 ? sumRows(own) : []);
    return {
      studentId,
      fullName: student.fullName,
      cohortId,
      cohortName: data.cohort.name,
      period: data.period,
      activities: data.activities.map((a) => ({ activityId: a.id, name: a.name })),
      months,
      total: {
        activities: total.activities,
        volunteer: total.volunteer,
        shortfalls: total.shortfalls,
        cleared: total.cleared,
      },
    };
  }

  private async load(cohortId: number, from: string, to: string): Promise<SheetData> {
    const period = periodOf(from, to);
    const repo = new AttendanceRepo(this.db);
    const cohort = await repo.findCohort(cohortId);
    if (!cohort) throw new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${cohortId}`);

    const [activities, sessions, roster] = await Promise.all([
      repo.activitiesOf(cohortId),
      new SessionsRepo(this.db).listForCohort(cohortId, period.from, period.to),
      repo.rosterOf(cohortId, period.firstDay, period.lastDay),
    ]);
    const staffIds = [cohort.instructorId, cohort.assistantInstructorId, cohort.aideId].filter(
      (id): id is number => id !== null,
    );
    const people = new Map(
      (await repo.studentNames(staffIds)).map((person) => [person.id, person.fullName]),
    );
    const withSessions = new Set(sessions.map((s) => s.activityId));
    const shown = activities.filter((a) => a.archivedAt === null || withSessions.has(a.id));
    return { cohort, period, activities: shown, sessions, roster, people };
  }
}

/**
 * Whether the school still follows a student up: the not-cleared list and the
 * forecast leave out, as the sheet summary does (rule 8), disconnected,
 * deceased and excluded students, so the list matches `summary.notCleared`.
 */
function isFollowedUp(situation: string): boolean {
  return situation === 'active' || situation === 'on_leave';
}

/** Validates a `from`..`to` month range. */
export function periodOf(from: string, to: string): Period {
  if (to < from) throw invalidFields([{ field: 'to', message: `must not be before ${from}` }]);
  const months = monthsBetween(from, to);
  if (months.length > MAX_MONTHS) {
    throw invalidFields([{ field: 'to', message: `a sheet covers at most ${MAX_MONTHS} months` }]);
  }
  return { from, to, firstDay: monthRange(from).first, lastDay: monthRange(to).last, months };
}

function policyOf(cohort: {
  minAttendancePct: number;
  maxShortfallsToClear: number;
}): AttendancePolicy {
  return {
    minAttendancePct: cohort.minAttendancePct,
    maxShortfallsToClear: cohort.maxShortfallsToClear,
  };
}

function buildSheet(data: SheetData, sums: readonly CounterSums[]): Sheet {
  const rows = data.roster.map((student) => rowOf(data, student, sums));
  return {
    cohort: cohortHeader(data),
    period: data.period,
    activities: data.activities.map((activity) => {
      const own = data.sessions.filter((s) => s.activityId === activity.id);
      const extra = own.filter((s) => s.isExtra).length;
      return {
        activityId: activity.id,
        name: activity.name,
        kind: activity.kind,
        mode: activity.mode,
        position: activity.position,
        sessions: own.length - extra,
        extraSessions: extra,
      };
    }),
    rows,
    summary: sheetSummary(
      data.roster.map((student, index) => ({
        situation: student.situation,
        shortfalls: rows[index]?.shortfalls ?? 0,
        cleared: rows[index]?.cleared ?? false,
      })),
    ),
  };
}

function rowOf(data: SheetData, student: RosterEntry, sums: readonly CounterSums[]): SheetRow {
  const activities = cellsOf(data, student, sums);
  const result = studentResult(activities, policyOf(data.cohort));
  return {
    studentId: student.studentId,
    fullName: student.fullName,
    initiaticNumber: student.initiaticNumber,
    situation: student.situation,
    activities,
    ...result,
  };
}

/**
 * One cell per activity. Counters come from marks; a mandatory session with
 * no mark row at all is still pending, so those are counted from the
 * sessions and the student's enrollment window.
 */
function cellsOf(
  data: SheetData,
  student: RosterEntry,
  sums: readonly CounterSums[],
): ActivityCell[] {
  const policy = policyOf(data.cohort);
  const mine = new Map(
    sums.filter((s) => s.studentId === student.studentId).map((s) => [s.activityId, s]),
  );
  return data.activities.map((activity) => {
    const sum = mine.get(activity.id);
    const counters: ActivityCounters = {
      expected: sum?.expected ?? 0,
      present: sum?.present ?? 0,
      absent: sum?.absent ?? 0,
      excused: sum?.excused ?? 0,
      volunteerExtra: sum?.volunteerExtra ?? 0,
      volunteerSimple: sum?.volunteerSimple ?? 0,
      pending: pendingOf(data, student, activity, sum),
    };
    return { activityId: activity.id, ...activityResult(counters, policy) };
  });
}

function pendingOf(
  data: SheetData,
  student: RosterEntry,
  activity: Activity,
  sum: CounterSums | undefined,
): number {
  if (activity.mode === 'convocation') return sum?.summonedUnmarked ?? 0;
  const due = data.sessions.filter(
    (s) => s.activityId === activity.id && !s.isExtra && enrollmentCovers(student, s.heldOn),
  ).length;
  return Math.max(0, due - (sum?.expected ?? 0));
}

function sumRows(rows: readonly CounterSums[]): CounterSums[] {
  const byActivity = new Map<number, CounterSums>();
  for (const row of rows) {
    const prev = byActivity.get(row.activityId);
    byActivity.set(row.activityId, {
      activityId: row.activityId,
      studentId: row.studentId,
      expected: (prev?.expected ?? 0) + row.expected,
      present: (prev?.present ?? 0) + row.present,
      absent: (prev?.absent ?? 0) + row.absent,
      excused: (prev?.excused ?? 0) + row.excused,
      volunteerExtra: (prev?.volunteerExtra ?? 0) + row.volunteerExtra,
      volunteerSimple: (prev?.volunteerSimple ?? 0) + row.volunteerSimple,
      summonedUnmarked: (prev?.summonedUnmarked ?? 0) + row.summonedUnmarked,
    });
  }
  return [...byActivity.values()];
}

function cohortHeader(data: SheetData): Sheet['cohort'] {
  const { cohort, people } = data;
  const person = (id: number | null) =>
    id === null ? null : { id, name: people.get(id) ?? `#${id}` };
  return {
    id: cohort.id,
    name: cohort.name,
    courseId: cohort.courseId,
    courseName: cohort.courseName,
    bookNumber: cohort.bookNumber,
    initiationDate: cohort.initiationDate,
    activitiesStartDate: cohort.activitiesStartDate,
    firstLessonDate: cohort.firstLessonDate,
    endDate: cohort.endDate,
    weekday: cohort.weekday,
    time: cohort.time,
    place: cohort.place,
    status: cohort.status,
    minAttendancePct: cohort.minAttendancePct,
    maxShortfallsToClear: cohort.maxShortfallsToClear,
    instructor: person(cohort.instructorId),
    assistantInstructor: person(cohort.assistantInstructorId),
    aide: person(cohort.aideId),
  };
}
