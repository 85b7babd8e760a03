import type { Actor } from '../auth/actor.ts';
import type { Queryable } from '../platform/db/database.ts';
import { AppError } from '../platform/errors/app-error.ts';

/**
 * The cohorts an actor may see: `null` means all of them (admin, secretary,
 * viewer); an instructor sees only the cohorts where their student record is
 * instructor, assistant instructor or aide.
 */
export async function visibleCohortIds(db: Queryable, actor: Actor): Promise<number[] | null> {
  if (actor.role !== 'instructor') return null;
  if (actor.studentId === null) return [];
  const studentId = actor.studentId;
  const rows = await db
    .selectFrom('cohorts')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('instructorId', '=', studentId),
        eb('assistantInstructorId', '=', studentId),
        eb('aideId', '=', studentId),
      ]),
    )
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Throws 404 (not 403: an instructor should not learn which other cohorts
 * exist) when the actor may not see the cohort.
 */
export async function assertCohortVisible(
  db: Queryable,
  actor: Actor,
  cohortId: number,
): Promise<void> {
  if (!(await isCohortVisible(db, actor, cohortId))) {
    throw new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${cohortId}`);
  }
}

/**
 * Whether the actor may see one cohort; for records that belong to a cohort
 * (activities, enrollments) and answer with their own 404 code.
 */
export async function isCohortVisible(
  db: Queryable,
  actor: Actor,
  cohortId: number,
): Promise<boolean> {
  if (actor.role !== 'instructor') return true;
  if (actor.studentId === null) return false;
  const studentId = actor.studentId;
  // One indexed lookup instead of listing every cohort the instructor teaches.
  const row = await db
    .selectFrom('cohorts')
    .select('id')
    .where('id', '=', cohortId)
    .where((eb) =>
      eb.or([
        eb('instructorId', '=', studentId),
        eb('assistantInstructorId', '=', studentId),
        eb('aideId', '=', studentId),
      ]),
    )
    .executeTakeFirst();
  return row !== undefined;
}
