import { sql } from 'kysely';

import { BulkInsert } from '../platform/db/bulk-insert.ts';
import type { Queryable } from '../platform/db/database.ts';
import type {
  ActivityMode,
  AttendanceCounters,
  Mark,
  MarkHistoryEntry,
  MarkSource,
  MarkStatus,
  NewMark,
} from '../platform/db/tables.ts';

/** What the attendance rules need to know about one mark. */
export interface MarkFactRow {
  readonly studentId: number;
  readonly activityId: number;
  readonly status: MarkStatus | null;
  readonly isSummoned: boolean;
  readonly isExtra: boolean;
  readonly heldOn: string;
  readonly mode: ActivityMode;
  readonly enrolledOn: string | null;
  readonly endedOn: string | null;
}

export interface CounterScope {
  readonly cohortId: number;
  readonly month: string;
  readonly activityIds?: readonly number[];
  readonly studentIds?: readonly number[];
}

export interface HistoryRow {
  readonly markId: number;
  readonly sessionId: number;
  readonly studentId: number;
  readonly changedBy: number | null;
  readonly changedAt: string;
  readonly source: MarkSource;
  readonly oldStatus: MarkStatus | null;
  readonly newStatus: MarkStatus | null;
  readonly oldIsSummoned: boolean | null;
  readonly newIsSummoned: boolean;
  readonly oldJustification: string | null;
  readonly newJustification: string | null;
  readonly version: number;
}

export type CounterRow = Omit<AttendanceCounters, 'updatedAt'>;

// SQLite accepts 32766 bound values per statement; marks have 13 columns.
const ROWS_PER_INSERT = 1000;

/** Every column a mark write sets: all but the id. */
const MARK_COLUMNS = [
  'sessionId',
  'studentId',
  'cohortId',
  'activityId',
  'month',
  'status',
  'isSummoned',
  'justification',
  'recordedBy',
  'recordedAt',
  'version',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof NewMark)[];

// A month saves hundreds of marks and as many history rows at once: compiled once per size.
const UPSERT_MARKS = new BulkInsert<NewMark, Mark>(MARK_COLUMNS, (db, rows) =>
  db
    .insertInto('marks')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['sessionId', 'studentId']).doUpdateSet((eb) => ({
        status: eb.ref('excluded.status'),
        isSummoned: eb.ref('excluded.isSummoned'),
        justification: eb.ref('excluded.justification'),
        recordedBy: eb.ref('excluded.recordedBy'),
        recordedAt: eb.ref('excluded.recordedAt'),
        updatedAt: eb.ref('excluded.updatedAt'),
        version: sql<number>`marks.version + 1`,
      })),
    )
    .returningAll(),
);

const HISTORY_COLUMNS = [
  'markId',
  'sessionId',
  'studentId',
  'changedBy',
  'changedAt',
  'source',
  'oldStatus',
  'newStatus',
  'oldIsSummoned',
  'newIsSummoned',
  'oldJustification',
  'newJustification',
  'version',
] as const satisfies readonly (keyof HistoryRow)[];

const INSERT_HISTORY = new BulkInsert<HistoryRow, never>(HISTORY_COLUMNS, (db, rows) =>
  db.insertInto('markHistory').values(rows),
);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    result.push(items.slice(start, start + size));
  }
  return result;
}

/**
 * SQLite stores booleans as 0 and 1, and only columns named isX, hasX or mustX
 * are read back as booleans: the history's oldIsSummoned and newIsSummoned
 * are not, so they are turned into booleans here.
 */
function withBooleans(entry: MarkHistoryEntry): MarkHistoryEntry {
  const old: unknown = entry.oldIsSummoned;
  return {
    ...entry,
    oldIsSummoned: old === null ? null : Boolean(old),
    newIsSummoned: Boolean(entry.newIsSummoned as unknown),
  };
}

/** SQL for marks, their history and the monthly counters. */
export class AttendanceRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * Makes attendance writes to one cohort run one at a time, so a transaction
   * reads marks and counters only once the previous writer has committed
   * (otherwise a stale version passes the check, and two writers replacing
   * one student's counters collide or lose a mark). A no-op update takes the
   * cohort row's lock on PostgreSQL, held until commit, and the write lock on
   * SQLite, with no dialect-specific SQL.
   */
  async lockCohort(cohortId: number): Promise<void> {
    await this.db
      .updateTable('cohorts')
      .set((eb) => ({ updatedAt: eb.ref('updatedAt') }))
      .where('id', '=', cohortId)
      .execute();
  }

  marksOfSessions(sessionIds: readonly number[]): Promise<Mark[]> {
    if (sessionIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('marks')
      .selectAll()
      .where('sessionId', 'in', [...sessionIds])
      .execute();
  }

  findMark(id: number): Promise<Mark | undefined> {
    return this.db.selectFrom('marks').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Inserts or replaces marks by (session, student), bumping the version of
   * replaced ones, and returns the stored rows.
   */
  async upsertMarks(marks: readonly NewMark[]): Promise<Mark[]> {
    const stored: Mark[] = [];
    for (const batch of chunks(marks, ROWS_PER_INSERT)) {
      stored.push(...(await UPSERT_MARKS.execute(this.db, batch)));
    }
    return stored;
  }

  async insertHistory(entries: readonly HistoryRow[]): Promise<void> {
    for (const batch of chunks(entries, ROWS_PER_INSERT)) {
      await INSERT_HISTORY.execute(this.db, batch);
    }
  }

  /** Marks joined with what decides whether each session was expected of its student. */
  factsFor(scope: CounterScope): Promise<MarkFactRow[]> {
    let query = this.db
      .selectFrom('marks')
      .innerJoin('sessions', 'sessions.id', 'marks.sessionId')
      .innerJoin('activities', 'activities.id', 'marks.activityId')
      .leftJoin('enrollments', (join) =>
        join
          .onRef('enrollments.studentId', '=', 'marks.studentId')
          .onRef('enrollments.cohortId', '=', 'marks.cohortId'),
      )
      .select([
        'marks.studentId',
        'marks.activityId',
        'marks.status',
        'marks.isSummoned',
        'sessions.isExtra',
        'sessions.heldOn',
        'activities.mode',
        'enrollments.enrolledOn',
        'enrollments.endedOn',
      ])
      .where('marks.cohortId', '=', scope.cohortId)
      .where('marks.month', '=', scope.month);
    if (scope.activityIds) query = query.where('marks.activityId', 'in', [...scope.activityIds]);
    if (scope.studentIds) query = query.where('marks.studentId', 'in', [...scope.studentIds]);
    return query.execute();
  }

  /** Replaces the counters of a scope with freshly computed ones. */
  async replaceCounters(scope: CounterScope, rows: readonly CounterRow[], at: string) {
    let remove = this.db
      .deleteFrom('attendanceCounters')
      .where('cohortId', '=', scope.cohortId)
      .where('month', '=', scope.month);
    if (scope.activityIds) remove = remove.where('activityId', 'in', [...scope.activityIds]);
    if (scope.studentIds) remove = remove.where('studentId', 'in', [...scope.studentIds]);
    await remove.execute();

    const stamped = rows.map((row) => ({ ...row, updatedAt: at }));
    for (const batch of chunks(stamped, ROWS_PER_INSERT)) {
      await this.db.insertInto('attendanceCounters').values(batch).execute();
    }
  }

  /** Counters of a cohort over a range of months, summed per activity and student. */
  sumCounters(cohortId: number, fromMonth: string, toMonth: string) {
    return this.db
      .selectFrom('attendanceCounters')
      .select((eb) => [
        'activityId',
        'studentId',
        eb.fn.sum<number>('expected').as('expected'),
        eb.fn.sum<number>('present').as('present'),
        eb.fn.sum<number>('absent').as('absent'),
        eb.fn.sum<number>('excused').as('excused'),
        eb.fn.sum<number>('volunteerExtra').as('volunteerExtra'),
        eb.fn.sum<number>('volunteerSimple').as('volunteerSimple'),
        eb.fn.sum<number>('summonedUnmarked').as('summonedUnmarked'),
      ])
      .where('cohortId', '=', cohortId)
      .where('month', '>=', fromMonth)
      .where('month', '<=', toMonth)
      .groupBy(['activityId', 'studentId'])
      .execute();
  }

  /** Present and expected of several cohorts, per month and student, over all activities. */
  monthlyTotals(cohortIds: readonly number[], fromMonth: string, toMonth: string) {
    if (cohortIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('attendanceCounters')
      .select((eb) => [
        'cohortId',
        'month',
        'studentId',
        eb.fn.sum<number>('expected').as('expected'),
        eb.fn.sum<number>('present').as('present'),
      ])
      .where('cohortId', 'in', [...cohortIds])
      .where('month', '>=', fromMonth)
      .where('month', '<=', toMonth)
      .groupBy(['cohortId', 'month', 'studentId'])
      .execute();
  }

  /** When each student of these cohorts was enrolled, for deciding who a month's sheet lists. */
  enrollmentWindows(cohortIds: readonly number[]) {
    if (cohortIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('enrollments')
      .select(['cohortId', 'studentId', 'enrolledOn', 'endedOn'])
      .where('cohortId', 'in', [...cohortIds])
      .execute();
  }

  countersOf(cohortId: number, fromMonth: string, toMonth: string) {
    return this.db
      .selectFrom('attendanceCounters')
      .selectAll()
      .where('cohortId', '=', cohortId)
      .where('month', '>=', fromMonth)
      .where('month', '<=', toMonth)
      .execute();
  }

  /** The (cohort, month) pairs that have marks, optionally for one cohort and a range. */
  monthsWithMarks(filter: { cohortId?: number; fromMonth?: string; toMonth?: string }) {
    let query = this.db.selectFrom('marks').select(['cohortId', 'month']).distinct();
    if (filter.cohortId !== undefined) query = query.where('cohortId', '=', filter.cohortId);
    if (filter.fromMonth) query = query.where('month', '>=', filter.fromMonth);
    if (filter.toMonth) query = query.where('month', '<=', filter.toMonth);
    return query.orderBy('cohortId').orderBy('month').execute();
  }

  /** Months of a cohort that have counters, so a rebuild also clears stale ones. */
  monthsWithCounters(filter: { cohortId?: number; fromMonth?: string; toMonth?: string }) {
    let query = this.db.selectFrom('attendanceCounters').select(['cohortId', 'month']).distinct();
    if (filter.cohortId !== undefined) query = query.where('cohortId', '=', filter.cohortId);
    if (filter.fromMonth) query = query.where('month', '>=', filter.fromMonth);
    if (filter.toMonth) query = query.where('month', '<=', filter.toMonth);
    return query.execute();
  }

  async historyOfMark(markId: number): Promise<MarkHistoryEntry[]> {
    const rows = await this.db
      .selectFrom('markHistory')
      .selectAll()
      .where('markId', '=', markId)
      .orderBy('version')
      .execute();
    return rows.map(withBooleans);
  }

  async historyOfSession(sessionId: number): Promise<MarkHistoryEntry[]> {
    const rows = await this.db
      .selectFrom('markHistory')
      .selectAll()
      .where('sessionId', '=', sessionId)
      .orderBy('changedAt')
      .orderBy('id')
      .execute();
    return rows.map(withBooleans);
  }

  async historyOfStudent(
    studentId: number,
    limit: number,
    offset: number,
  ): Promise<MarkHistoryEntry[]> {
    const rows = await this.db
      .selectFrom('markHistory')
      .selectAll()
      .where('studentId', '=', studentId)
      .orderBy('changedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(withBooleans);
  }

  /** Enrollment windows of the listed students in a cohort. */
  enrollmentsOf(cohortId: number, studentIds: readonly number[]) {
    if (studentIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('enrollments')
      .innerJoin('students', 'students.id', 'enrollments.studentId')
      .select([
        'enrollments.studentId',
        'enrollments.enrolledOn',
        'enrollments.endedOn',
        'enrollments.status',
        'students.fullName',
        'students.archivedAt',
      ])
      .where('enrollments.cohortId', '=', cohortId)
      .where('enrollments.studentId', 'in', [...studentIds])
      .execute();
  }

  findCohort(cohortId: number) {
    return this.db
      .selectFrom('cohorts')
      .innerJoin('courses', 'courses.id', 'cohorts.courseId')
      .selectAll('cohorts')
      .select('courses.name as courseName')
      .where('cohorts.id', '=', cohortId)
      .executeTakeFirst();
  }

  /** Activities of a cohort in sheet order (archived ones too: they carry history). */
  activitiesOf(cohortId: number) {
    return this.db
      .selectFrom('activities')
      .selectAll()
      .where('cohortId', '=', cohortId)
      .orderBy('position')
      .orderBy('id')
      .execute();
  }

  /** Students whose enrollment in the cohort overlaps the period, in name order. */
  rosterOf(cohortId: number, firstDay: string, lastDay: string) {
    return this.db
      .selectFrom('enrollments')
      .innerJoin('students', 'students.id', 'enrollments.studentId')
      .select([
        'enrollments.studentId',
        'enrollments.enrolledOn',
        'enrollments.endedOn',
        'enrollments.status as enrollmentStatus',
        'students.fullName',
        'students.initiaticNumber',
        'students.situation',
        'students.archivedAt',
      ])
      .where('enrollments.cohortId', '=', cohortId)
      .where('enrollments.enrolledOn', '<=', lastDay)
      .where((eb) =>
        eb.or([eb('enrollments.endedOn', 'is', null), eb('enrollments.endedOn', '>=', firstDay)]),
      )
      .orderBy('students.fullName')
      .orderBy('students.id')
      .execute();
  }

  studentNames(ids: readonly number[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('students')
      .select(['id', 'fullName'])
      .where('id', 'in', [...ids])
      .execute();
  }

  /** Sessions with what a mark write checks of their activity and cohort. */
  sessionsWithActivity(sessionIds: readonly number[]) {
    if (sessionIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('sessions')
      .innerJoin('activities', 'activities.id', 'sessions.activityId')
      .innerJoin('cohorts', 'cohorts.id', 'activities.cohortId')
      .selectAll('sessions')
      .select([
        'activities.mode',
        'activities.archivedAt as activityArchivedAt',
        'cohorts.archivedAt as cohortArchivedAt',
      ])
      .where('sessions.id', 'in', [...sessionIds])
      .execute();
  }
}
