import { defaultActivities } from '../activities/activities.service.ts';
import { ActivitiesRepo } from '../activities/activities.repo.ts';
import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, STAFF_ROLES, requireRole } from '../auth/actor.ts';
import { CoursesRepo } from '../courses/courses.repo.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db, Queryable } from '../platform/db/database.ts';
import { isUniqueViolation } from '../platform/db/errors.ts';
import type { Cohort } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { FieldProblem } from '../platform/errors/app-error.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import { blankToNull } from '../platform/text.ts';
import { invalidateCohortSheets } from '../sheets/sheet-cache.ts';
import { assertCohortVisible, visibleCohortIds } from './cohort-scope.ts';
import type { CohortFilter, CohortView } from './cohorts.repo.ts';
import { CohortsRepo } from './cohorts.repo.ts';
import type { CreateCohortBody, UpdateCohortBody } from './cohorts.schemas.ts';

/** What a caller may filter cohorts by; the instructor scope is the service's business. */
export type CohortQuery = Omit<CohortFilter, 'ids'>;

/** Every column a caller sets (the rest is bookkeeping). */
type CohortFields = Omit<Cohort, 'id' | 'archivedAt' | 'createdAt' | 'updatedAt'>;

type StaffField = 'instructorId' | 'assistantInstructorId' | 'aideId';
const STAFF_FIELDS: readonly StaffField[] = ['instructorId', 'assistantInstructorId', 'aideId'];

const START_DATES = ['initiationDate', 'activitiesStartDate', 'firstLessonDate'] as const;

interface StaffCheck {
  readonly cohortId: number | null;
  readonly fields: CohortFields;
  /** Roles given to a new person: that person must be an active student. */
  readonly newcomers: readonly StaffField[];
  /** The cohort will be active, so its staff may not hold a role in another active one. */
  readonly isExclusive: boolean;
}

/**
 * Cohorts ("Turmas"). Everyone reads them, instructors only the ones they
 * teach; staff change them. Creating one also creates its two mandatory
 * activities, in the same transaction.
 */
export class CohortsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async list(actor: Actor, query: CohortQuery, page: PageRequest): Promise<Page<CohortView>> {
    requireRole(actor, ALL_ROLES, 'read cohorts');
    const visible = await visibleCohortIds(this.db, actor);
    const filter: CohortFilter = visible === null ? query : { ...query, ids: visible };
    return new CohortsRepo(this.db).list(filter, page);
  }

  async get(actor: Actor, id: number): Promise<CohortView> {
    requireRole(actor, ALL_ROLES, 'read cohorts');
    await assertCohortVisible(this.db, actor, id);
    return loadView(new CohortsRepo(this.db), id);
  }

  async create(actor: Actor, input: CreateCohortBody): Promise<CohortView> {
    requireRole(actor, STAFF_ROLES, 'create cohorts');
    const fields = fieldsFromCreate(input);
    throwIfAny(fieldProblems(fields));

    try {
      return await this.db.transaction().execute(async (trx) => {
        const repo = new CohortsRepo(trx);
        await checkCourse(trx, fields.courseId);
        if (await repo.findByName(fields.name)) throw duplicate(fields.name);
        await checkStaff(repo, {
          cohortId: null,
          fields,
          newcomers: STAFF_FIELDS,
          isExclusive: fields.status === 'active',
        });

        const now = this.clock.now().toISOString();
        const cohort = await repo.insert({ ...fields, createdAt: now, updatedAt: now });
        await new ActivitiesRepo(trx).insertMany(defaultActivities(cohort.id, now));
        return loadView(repo, cohort.id);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(fields.name);
      throw error;
    }
  }

  async update(actor: Actor, id: number, input: UpdateCohortBody): Promise<CohortView> {
    requireRole(actor, STAFF_ROLES, 'change cohorts');
    const changes = changesFromUpdate(input);

    try {
      return await this.db.transaction().execute(async (trx) => {
        const repo = new CohortsRepo(trx);
        const cohort = await load(repo, id);
        if (cohort.archivedAt !== null) throw archived(cohort);

        const fields: CohortFields = { ...fieldsOf(cohort), ...changes };
        throwIfAny(fieldProblems(fields));
        if (fields.courseId !== cohort.courseId) await checkCourse(trx, fields.courseId);
        await checkNameFree(repo, id, changes.name);
        await checkStaff(repo, staffCheckForUpdate(cohort, fields));
        if (changes.capacity !== undefined) await checkCapacity(repo, id, changes.capacity);

        await repo.update(id, { ...changes, updatedAt: this.clock.now().toISOString() });
        await invalidateCohortSheets(trx, [id]);
        return loadView(repo, id);
      });
    } catch (error) {
      if (isUniqueViolation(error) && changes.name !== undefined) throw duplicate(changes.name);
      throw error;
    }
  }

  /**
   * Archives a cohort: it leaves default lists and refuses changes, while its
   * activities, enrollments and marks stay. Idempotent.
   */
  async archive(actor: Actor, id: number): Promise<CohortView> {
    requireRole(actor, STAFF_ROLES, 'archive cohorts');
    const repo = new CohortsRepo(this.db);
    const cohort = await load(repo, id);
    if (cohort.archivedAt === null) {
      const now = this.clock.now().toISOString();
      await repo.update(id, { archivedAt: now, updatedAt: now });
      // Not a transaction: the single update commits first, then the sheets move on.
      await invalidateCohortSheets(this.db, [id]);
    }
    return loadView(repo, id);
  }
}

async function load(repo: CohortsRepo, id: number): Promise<Cohort> {
  const cohort = await repo.findById(id);
  if (!cohort) throw notFound(id);
  return cohort;
}

async function loadView(repo: CohortsRepo, id: number): Promise<CohortView> {
  const cohort = await repo.findView(id);
  if (!cohort) throw notFound(id);
  return cohort;
}

function fieldsFromCreate(input: CreateCohortBody): CohortFields {
  return {
    courseId: input.courseId,
    name: input.name.trim(),
    bookNumber: blankToNull(input.bookNumber),
    initiationDate: input.initiationDate ?? null,
    activitiesStartDate: input.activitiesStartDate ?? null,
    firstLessonDate: input.firstLessonDate ?? null,
    endDate: input.endDate ?? null,
    weekday: input.weekday ?? null,
    time: input.time ?? null,
    place: blankToNull(input.place),
    capacity: input.capacity,
    status: input.status ?? 'active',
    minAttendancePct: input.minAttendancePct ?? 70,
    maxShortfallsToClear: input.maxShortfallsToClear ?? 1,
    instructorId: input.instructorId ?? null,
    assistantInstructorId: input.assistantInstructorId ?? null,
    aideId: input.aideId ?? null,
  };
}

/**
 * The fields a PATCH sets, normalised. Keys given as `undefined` (possible
 * from non-HTTP callers) are dropped so they cannot blank the stored values.
 */
function changesFromUpdate(input: UpdateCohortBody): Partial<CohortFields> {
  const given = Object.entries(input).filter(([, value]) => value !== undefined);
  const changes = Object.fromEntries(given) as Partial<CohortFields>;
  if (input.name !== undefined) changes.name = input.name.trim();
  if (input.bookNumber !== undefined) changes.bookNumber = blankToNull(input.bookNumber);
  if (input.place !== undefined) changes.place = blankToNull(input.place);
  return changes;
}

function fieldsOf(cohort: Cohort): CohortFields {
  const {
    id: _id,
    archivedAt: _archived,
    createdAt: _created,
    updatedAt: _updated,
    ...rest
  } = cohort;
  return rest;
}

/**
 * Rules the schema cannot express (or that non-HTTP callers could break):
 * blank name, numeric ranges, and an end date before any start date.
 */
function fieldProblems(fields: CohortFields): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (fields.name === '') problems.push({ field: 'name', message: 'must not be blank' });
  if (!Number.isInteger(fields.capacity) || fields.capacity < 1) {
    problems.push({ field: 'capacity', message: 'must be an integer of at least 1' });
  }
  if (!isIntegerBetween(fields.minAttendancePct, 0, 100)) {
    problems.push({ field: 'minAttendancePct', message: 'must be an integer from 0 to 100' });
  }
  if (!Number.isInteger(fields.maxShortfallsToClear) || fields.maxShortfallsToClear < 0) {
    problems.push({ field: 'maxShortfallsToClear', message: 'must be an integer of at least 0' });
  }
  const endProblem = endDateProblem(fields);
  if (endProblem) problems.push(endProblem);
  return problems;
}

function endDateProblem(fields: CohortFields): FieldProblem | null {
  const { endDate } = fields;
  if (endDate === null) return null;
  // YYYY-MM-DD strings compare like the dates they stand for.
  const later = START_DATES.find((key) => {
    const start = fields[key];
    return start !== null && endDate < start;
  });
  return later ? { field: 'endDate', message: `must not be before ${later}` } : null;
}

function isIntegerBetween(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function throwIfAny(problems: readonly FieldProblem[]): void {
  if (problems.length > 0) throw invalidFields(problems);
}

async function checkCourse(db: Queryable, courseId: number): Promise<void> {
  const course = await new CoursesRepo(db).findById(courseId);
  if (!course) {
    throw new AppError('OMAUM_COURSE_NOT_FOUND', `There is no course ${courseId}`, [
      { field: 'courseId', message: 'does not exist' },
    ]);
  }
  if (course.archivedAt !== null) {
    throw new AppError('OMAUM_COURSE_ARCHIVED', `The course "${course.name}" is archived`, [
      { field: 'courseId', message: 'is archived' },
    ]);
  }
}

async function checkNameFree(
  repo: CohortsRepo,
  id: number,
  name: string | undefined,
): Promise<void> {
  if (name === undefined) return;
  const other = await repo.findByName(name);
  if (other && other.id !== id) throw duplicate(name);
}

async function checkCapacity(repo: CohortsRepo, id: number, capacity: number): Promise<void> {
  const enrolled = await repo.countActiveEnrollments(id);
  if (capacity >= enrolled) return;
  throw new AppError(
    'OMAUM_COHORT_CAPACITY_BELOW_ENROLLED',
    `The cohort has ${enrolled} active enrollments; its capacity cannot be ${capacity}`,
    [{ field: 'capacity', message: `must be at least ${enrolled}` }],
  );
}

/**
 * On a change only new people are checked, so that a cohort whose instructor
 * later went on leave can still be edited; exclusivity is checked when the
 * cohort becomes active or gets someone new.
 */
function staffCheckForUpdate(cohort: Cohort, fields: CohortFields): StaffCheck {
  const newcomers = STAFF_FIELDS.filter(
    (field) => fields[field] !== null && fields[field] !== cohort[field],
  );
  const becomesActive = fields.status === 'active' && cohort.status !== 'active';
  return {
    cohortId: cohort.id,
    fields,
    newcomers,
    isExclusive: fields.status === 'active' && (becomesActive || newcomers.length > 0),
  };
}

// TODO(#2): back "one instructor role in one active cohort" with a lock or constraint; two
// simultaneous writes on PostgreSQL can both pass this check (docs/known-issues.md).
async function checkStaff(repo: CohortsRepo, check: StaffCheck): Promise<void> {
  const problems = [
    ...(await candidateProblems(repo, check)),
    ...sharedRoleProblems(check.fields),
    ...(check.isExclusive ? await exclusivityProblems(repo, check) : []),
  ];
  if (problems.length === 0) return;
  throw new AppError(
    'OMAUM_COHORT_INSTRUCTOR_INVALID',
    problems.map((p) => `${p.field} ${p.message}`).join('; '),
    firstPerField(problems),
  );
}

async function candidateProblems(repo: CohortsRepo, check: StaffCheck): Promise<FieldProblem[]> {
  const ids = staffIds(check.fields, check.newcomers);
  const candidates = new Map((await repo.findStaffCandidates(ids)).map((s) => [s.id, s]));
  return check.newcomers.flatMap((field) => {
    const id = check.fields[field];
    if (id === null) return [];
    const student = candidates.get(id);
    if (!student) return [{ field, message: `student ${id} does not exist` }];
    if (student.archivedAt !== null) {
      return [{ field, message: `${student.fullName} is an archived student` }];
    }
    if (student.situation !== 'active') {
      return [{ field, message: `${student.fullName} is not active (${student.situation})` }];
    }
    return [];
  });
}

function sharedRoleProblems(fields: CohortFields): FieldProblem[] {
  const holder = new Map<number, StaffField>();
  const problems: FieldProblem[] = [];
  for (const field of STAFF_FIELDS) {
    const id = fields[field];
    if (id === null) continue;
    const first = holder.get(id);
    if (first) problems.push({ field, message: `is the same person as ${first}` });
    else holder.set(id, field);
  }
  return problems;
}

async function exclusivityProblems(repo: CohortsRepo, check: StaffCheck): Promise<FieldProblem[]> {
  const others = await repo.findActiveTaughtBy(
    staffIds(check.fields, STAFF_FIELDS),
    check.cohortId,
  );
  return STAFF_FIELDS.flatMap((field) => {
    const id = check.fields[field];
    const other = others.find((cohort) => STAFF_FIELDS.some((role) => cohort[role] === id));
    if (id === null || !other) return [];
    return [{ field, message: `already teaches in the active cohort "${other.name}"` }];
  });
}

function staffIds(fields: CohortFields, roles: readonly StaffField[]): number[] {
  const ids = roles.map((role) => fields[role]).filter((id): id is number => id !== null);
  return [...new Set(ids)];
}

function firstPerField(problems: readonly FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    if (seen.has(problem.field)) return false;
    seen.add(problem.field);
    return true;
  });
}

function notFound(id: number): AppError {
  return new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${id}`);
}

function duplicate(name: string): AppError {
  return new AppError('OMAUM_COHORT_DUPLICATE', `A cohort named "${name}" already exists`, [
    { field: 'name', message: 'is already in use' },
  ]);
}

function archived(cohort: Cohort): AppError {
  return new AppError('OMAUM_COHORT_ARCHIVED', `The cohort "${cohort.name}" is archived`);
}
