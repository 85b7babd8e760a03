import type { CacheScope } from '../platform/cache/cache.ts';
import { invalidateCache } from '../platform/cache/cache-versions.ts';
import type { Queryable } from '../platform/db/database.ts';

/**
 * The cache namespaces of sheets and student reports. A cohort's namespace
 * covers what belongs to that cohort (marks and counters, sessions,
 * enrollments, activities, the cohort's own fields); `sheet:all` covers what
 * many cohorts show (students' names, numbers and situations, course names).
 */
export const ALL_SHEETS_NAMESPACE = 'sheet:all';

export function cohortNamespace(cohortId: number): string {
  return `sheet:cohort:${cohortId}`;
}

/** What a cohort's sheet, and every report computed from it, depends on. */
export function sheetScope(cohortId: number): CacheScope {
  return { kind: 'sheet', namespaces: [cohortNamespace(cohortId), ALL_SHEETS_NAMESPACE] };
}

/** What a student's report in a cohort depends on. */
export function studentReportScope(cohortId: number): CacheScope {
  return {
    kind: 'student_report',
    namespaces: [cohortNamespace(cohortId), ALL_SHEETS_NAMESPACE],
  };
}

/** Call with the writing transaction after changing anything of these cohorts. */
export function invalidateCohortSheets(db: Queryable, cohortIds: readonly number[]): Promise<void> {
  return invalidateCache(db, cohortIds.map(cohortNamespace));
}

/** Call with the writing transaction after changing what every sheet may show. */
export function invalidateAllSheets(db: Queryable): Promise<void> {
  return invalidateCache(db, [ALL_SHEETS_NAMESPACE]);
}
