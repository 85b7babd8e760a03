import type { CounterRow, CounterScope, MarkFactRow } from './attendance.repo.ts';
import { AttendanceRepo } from './attendance.repo.ts';
import type { Queryable } from '../platform/db/database.ts';
import { invalidateCohortSheets } from '../sheets/sheet-cache.ts';
import type { SessionFact } from './statistics.ts';
import { countFacts, enrollmentCovers } from './statistics.ts';

/** Turns a stored mark into the fact the attendance rules read. */
export function toSessionFact(row: MarkFactRow): SessionFact {
  const isEnrolledOnDate =
    row.enrolledOn !== null &&
    enrollmentCovers({ enrolledOn: row.enrolledOn, endedOn: row.endedOn }, row.heldOn);
  return {
    date: row.heldOn,
    status: row.status,
    isSummoned: row.isSummoned,
    isExtra: row.isExtra,
    mode: row.mode,
    isEnrolledOnDate,
  };
}

/** Counts stored marks per (activity, student) with the rules of statistics.ts. */
export function countersFromFacts(scope: CounterScope, rows: readonly MarkFactRow[]): CounterRow[] {
  const groups = new Map<string, { activityId: number; studentId: number; facts: SessionFact[] }>();
  for (const row of rows) {
    const key = `${row.activityId}:${row.studentId}`;
    let group = groups.get(key);
    if (!group) {
      group = { activityId: row.activityId, studentId: row.studentId, facts: [] };
      groups.set(key, group);
    }
    group.facts.push(toSessionFact(row));
  }

  return [...groups.values()].map((group) => {
    const counters = countFacts(group.facts);
    return {
      cohortId: scope.cohortId,
      activityId: group.activityId,
      studentId: group.studentId,
      month: scope.month,
      expected: counters.expected,
      present: counters.present,
      absent: counters.absent,
      excused: counters.excused,
      volunteerExtra: counters.volunteerExtra,
      volunteerSimple: counters.volunteerSimple,
      summonedUnmarked: counters.pending,
    };
  });
}

/**
 * Recomputes the monthly counters of a scope from its marks. Called inside
 * the transaction that wrote the marks, so counters never lag behind them.
 */
export async function refreshCounters(
  db: Queryable,
  scope: CounterScope,
  at: string,
): Promise<void> {
  const repo = new AttendanceRepo(db);
  const facts = await repo.factsFor(scope);
  await repo.replaceCounters(scope, countersFromFacts(scope, facts), at);
}

/**
 * Recomputes every month of a cohort that has marks of the given students or
 * activities. For changes that decide which sessions are expected of whom
 * after marks exist: an enrollment window, an activity's mode.
 */
export async function refreshCountersWhere(
  db: Queryable,
  scope: { cohortId: number; studentIds?: readonly number[]; activityIds?: readonly number[] },
  at: string,
): Promise<void> {
  const repo = new AttendanceRepo(db);
  // Waits for mark writes in flight, so their marks are counted too.
  await repo.lockCohort(scope.cohortId);
  const months = await repo.monthsWithMarks({ cohortId: scope.cohortId });
  for (const { month } of months) {
    await refreshCounters(db, { ...scope, month }, at);
  }
}

export interface RebuildFilter {
  readonly cohortId?: number;
  readonly fromMonth?: string;
  readonly toMonth?: string;
}

/**
 * Rebuilds the counters of every (cohort, month) matching the filter from
 * the marks, one month per transaction (which also moves the cohort's cached
 * sheets on). Returns how many months were rebuilt.
 */
export async function rebuildCounters(
  db: Queryable & { transaction: Queryable['transaction'] },
  filter: RebuildFilter,
  at: string,
): Promise<number> {
  const repo = new AttendanceRepo(db);
  const months = new Map<string, { cohortId: number; month: string }>();
  for (const row of [
    ...(await repo.monthsWithMarks(filter)),
    ...(await repo.monthsWithCounters(filter)),
  ]) {
    months.set(`${row.cohortId}:${row.month}`, row);
  }
  for (const scope of months.values()) {
    await db.transaction().execute(async (trx) => {
      await new AttendanceRepo(trx).lockCohort(scope.cohortId);
      await refreshCounters(trx, scope, at);
      await invalidateCohortSheets(trx, [scope.cohortId]);
    });
  }
  return months.size;
}
