import { refreshCountersWhere } from '../attendance/counters.ts';
import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, STAFF_ROLES, requireRole } from '../auth/actor.ts';
import { assertCohortVisible, visibleCohortIds } from '../cohorts/cohort-scope.ts';
import type { Clock } from '../platform/clock.ts';
import { dateIn } from '../platform/clock.ts';
import type { Db, Dialect } from '../platform/db/database.ts';
import { isUniqueViolation } from '../platform/db/errors.ts';
import type { Cohort, Enrollment, EnrollmentStatus } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import { invalidateCohortSheets } from '../sheets/sheet-cache.ts';
import type {
  ActiveElsewhere,
  CohortEnrollment,
  EnrollableStudent,
  EnrollmentFilter,
  LockOption,
  StudentEnrollment,
} from './enrollments.repo.ts';
import { EnrollmentsRepo, NO_LOCK } from './enrollments.repo.ts';
import type {
  BulkEnrollmentBody,
  CreateEnrollmentBody,
  UpdateEnrollmentBody,
} from './enrollments.schemas.ts';

/** One student of an enrollment request that the rules refuse. */
interface Refusal {
  /** Position in the request's list of students. */
  readonly index: number;
  readonly studentId: number;
  readonly error: AppError;
}

/** What the rules need to know about one student, gathered in a few queries. */
interface StudentFacts {
  readonly student: EnrollableStudent | undefined;
  readonly isEnrolledHere: boolean;
  readonly activeElsewhere: ActiveElsewhere | undefined;
}

type DatedState = Pick<Enrollment, 'status' | 'enrolledOn' | 'endedOn'>;

/**
 * Enrollments ("Matrículas"): a student's membership in a cohort. Everyone
 * reads them (instructors only in the cohorts they teach); staff change them.
 *
 * Every write checks its rules and writes in one transaction. On PostgreSQL
 * the cohort row, then the students' rows (by id), are locked `FOR UPDATE`
 * first, so two requests cannot both take a cohort's last seat nor give one
 * student two active enrollments. SQLite has no row locks and needs none: it
 * has a single writer. In this process Kysely hands the one connection to one
 * transaction at a time; a write by another process after our reads makes our
 * first write fail (WAL snapshot) instead of overbooking.
 */
export class EnrollmentsService {
  private readonly locking: LockOption;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** The institution's time zone: "today" for a default end date. */
    private readonly timeZone: string,
    dialect: Dialect,
  ) {
    this.locking = { lock: dialect === 'postgres' };
  }

  async listForCohort(
    actor: Actor,
    cohortId: number,
    filter: EnrollmentFilter,
    page: PageRequest,
  ): Promise<Page<CohortEnrollment>> {
    requireRole(actor, ALL_ROLES, 'read enrollments');
    await assertCohortVisible(this.db, actor, cohortId);
    const repo = new EnrollmentsRepo(this.db);
    if (!(await repo.findCohort(cohortId, NO_LOCK))) throw cohortNotFound(cohortId);
    return repo.listForCohort(cohortId, filter, page);
  }

  /** A student's enrollments; an instructor sees only those in cohorts they teach. */
  async listForStudent(
    actor: Actor,
    studentId: number,
    filter: EnrollmentFilter,
    page: PageRequest,
  ): Promise<Page<StudentEnrollment>> {
    requireRole(actor, ALL_ROLES, 'read enrollments');
    const repo = new EnrollmentsRepo(this.db);
    if (!(await repo.studentExists(studentId))) throw studentNotFound(studentId);
    const cohortIds = await visibleCohortIds(this.db, actor);
    return repo.listForStudent(studentId, { ...filter, cohortIds }, page);
  }

  async get(actor: Actor, id: number): Promise<Enrollment> {
    requireRole(actor, ALL_ROLES, 'read enrollments');
    const enrollment = await this.load(new EnrollmentsRepo(this.db), id);
    const visible = await visibleCohortIds(this.db, actor);
    // Same answer as an unknown id: an instructor should not learn other cohorts' rolls.
    if (visible !== null && !visible.includes(enrollment.cohortId)) throw enrollmentNotFound(id);
    return enrollment;
  }

  async create(actor: Actor, cohortId: number, input: CreateEnrollmentBody): Promise<Enrollment> {
    requireRole(actor, STAFF_ROLES, 'enroll students');
    const notes = cleanNotes(input.notes) ?? null;
    const created = await this.enroll(cohortId, [input.studentId], input.enrolledOn, notes, {
      // A single student is refused with the rule's own code (404, 409 or 422).
      onRefused: (first) => first.error,
      onRace: () => duplicate(input.studentId),
    });
    const [enrollment] = created;
    if (!enrollment) throw new Error('inserting an enrollment returned no row');
    return enrollment;
  }

  /** Enrolls every listed student or, when any of them is refused, none. */
  async bulkCreate(
    actor: Actor,
    cohortId: number,
    input: BulkEnrollmentBody,
  ): Promise<Page<Enrollment>> {
    requireRole(actor, STAFF_ROLES, 'enroll students');
    const items = await this.enroll(cohortId, input.studentIds, input.enrolledOn, null, {
      onRefused: (first, all) => bulkRefused(first, all, input.studentIds.length),
      onRace: () => new AppError('OMAUM_ENROLLMENT_DUPLICATE'),
    });
    return { items, total: items.length };
  }

  async update(actor: Actor, id: number, input: UpdateEnrollmentBody): Promise<Enrollment> {
    requireRole(actor, STAFF_ROLES, 'change enrollments');
    return this.db.transaction().execute(async (trx) => {
      const repo = new EnrollmentsRepo(trx);
      const current = await this.load(repo, id, this.locking);
      const next = this.nextState(current, input);
      if (current.status !== 'active' && next.status === 'active') {
        await this.checkReactivation(repo, current);
      }
      const now = this.clock.now().toISOString();
      const updated = await repo.update(id, {
        ...next,
        notes: cleanNotes(input.notes),
        updatedAt: now,
      });
      // The window decides which sessions are expected of the student.
      if (next.enrolledOn !== current.enrolledOn || next.endedOn !== current.endedOn) {
        const scope = { cohortId: current.cohortId, studentIds: [current.studentId] };
        await refreshCountersWhere(trx, scope, now);
      }
      await invalidateCohortSheets(trx, [current.cohortId]);
      return updated ?? current;
    });
  }

  private async enroll(
    cohortId: number,
    studentIds: readonly number[],
    enrolledOn: string,
    notes: string | null,
    errors: {
      readonly onRefused: (first: Refusal, all: readonly Refusal[]) => AppError;
      readonly onRace: () => AppError;
    },
  ): Promise<Enrollment[]> {
    return this.db.transaction().execute(async (trx) => {
      const repo = new EnrollmentsRepo(trx);
      const cohort = await this.lockCohort(repo, cohortId);
      const refusals = await this.refusals(repo, cohort, studentIds, { isNew: true });
      const [first] = refusals;
      if (first) throw errors.onRefused(first, refusals);

      const now = this.clock.now().toISOString();
      let created: Enrollment[];
      try {
        created = await repo.insertMany(
          studentIds.map((studentId) => ({
            studentId,
            cohortId,
            enrolledOn,
            endedOn: null,
            status: 'active' as const,
            notes,
            createdAt: now,
            updatedAt: now,
          })),
        );
      } catch (error) {
        // The checks above make this unreachable (see the class comment); kept as a last guard.
        if (isUniqueViolation(error)) throw errors.onRace();
        throw error;
      }
      await invalidateCohortSheets(trx, [cohortId]);
      return created;
    });
  }

  /** Going back to active is enrolling again: the same rules, except the duplicate one. */
  private async checkReactivation(repo: EnrollmentsRepo, enrollment: Enrollment): Promise<void> {
    const cohort = await this.lockCohort(repo, enrollment.cohortId);
    const refusals = await this.refusals(repo, cohort, [enrollment.studentId], { isNew: false });
    const refusal = refusals[0];
    if (refusal) throw refusal.error;
  }

  /** Reads (and on PostgreSQL locks) the cohort; refuses one that takes no enrollments. */
  private async lockCohort(repo: EnrollmentsRepo, cohortId: number): Promise<Cohort> {
    const cohort = await repo.findCohort(cohortId, this.locking);
    if (!cohort) throw cohortNotFound(cohortId);
    if (cohort.archivedAt !== null) {
      throw notAllowed(`The cohort "${cohort.name}" is archived and takes no enrollments`);
    }
    if (cohort.status !== 'active') {
      throw notAllowed(
        `The cohort "${cohort.name}" is ${cohort.status}; only active cohorts take enrollments`,
      );
    }
    return cohort;
  }

  /**
   * Every student of the list the rules refuse. Seats are given in list
   * order, so the students past the cohort's capacity are the ones refused.
   */
  private async refusals(
    repo: EnrollmentsRepo,
    cohort: Cohort,
    studentIds: readonly number[],
    { isNew }: { readonly isNew: boolean },
  ): Promise<Refusal[]> {
    const facts = await this.gatherFacts(repo, cohort.id, studentIds, isNew);
    let seatsLeft = cohort.capacity - (await repo.countActive(cohort.id));
    const refusals: Refusal[] = [];
    studentIds.forEach((studentId, index) => {
      const error =
        studentRefusal(studentId, facts.get(studentId)) ?? seatRefusal(cohort, seatsLeft);
      if (error) refusals.push({ index, studentId, error });
      else seatsLeft -= 1;
    });
    return refusals;
  }

  private async gatherFacts(
    repo: EnrollmentsRepo,
    cohortId: number,
    studentIds: readonly number[],
    isNew: boolean,
  ): Promise<Map<number, StudentFacts>> {
    const students = await repo.findStudents(studentIds, this.locking);
    const enrolled = new Set(isNew ? await repo.enrolledStudentIds(cohortId, studentIds) : []);
    const elsewhere = await repo.activeElsewhere(studentIds, cohortId);
    return new Map(
      studentIds.map((studentId) => [
        studentId,
        {
          student: students.find((student) => student.id === studentId),
          isEnrolledHere: enrolled.has(studentId),
          activeElsewhere: elsewhere.find((other) => other.studentId === studentId),
        },
      ]),
    );
  }

  private nextState(current: Enrollment, input: UpdateEnrollmentBody): DatedState {
    const status = input.status ?? current.status;
    const enrolledOn = input.enrolledOn ?? current.enrolledOn;
    const endedOn = this.endedOnFor(current, input, status);
    if (endedOn !== null && endedOn < enrolledOn) {
      const field = input.enrolledOn !== undefined && !input.endedOn ? 'enrolledOn' : 'endedOn';
      throw invalidFields([
        { field, message: `the end (${endedOn}) must not be before the start (${enrolledOn})` },
      ]);
    }
    return { status, enrolledOn, endedOn };
  }

  /** An active enrollment has no end; a cancelled or finished one always has one. */
  private endedOnFor(
    current: Enrollment,
    input: UpdateEnrollmentBody,
    status: EnrollmentStatus,
  ): string | null {
    if (status === 'active') {
      if (input.endedOn) {
        throw invalidFields([
          { field: 'endedOn', message: 'must be empty while the enrollment is active' },
        ]);
      }
      return null;
    }
    if (input.endedOn === null) {
      throw invalidFields([
        { field: 'endedOn', message: `is required when the status is ${status}` },
      ]);
    }
    return input.endedOn ?? current.endedOn ?? dateIn(this.clock.now(), this.timeZone);
  }

  private async load(
    repo: EnrollmentsRepo,
    id: number,
    locking: LockOption = NO_LOCK,
  ): Promise<Enrollment> {
    const enrollment = await repo.findById(id, locking);
    if (!enrollment) throw enrollmentNotFound(id);
    return enrollment;
  }
}

/** Why one student may not be enrolled, or null when nothing but capacity is left to check. */
function studentRefusal(studentId: number, facts: StudentFacts | undefined): AppError | null {
  const student = facts?.student;
  if (!facts || !student) return studentNotFound(studentId);
  const name = student.fullName;
  if (student.archivedAt !== null) return notAllowed(`The student "${name}" is archived`);
  if (student.situation !== 'active') {
    return notAllowed(`The student "${name}" is ${student.situation}, not active`);
  }
  if (facts.isEnrolledHere) return duplicate(studentId, name);
  const other = facts.activeElsewhere;
  if (other) {
    return new AppError(
      'OMAUM_ENROLLMENT_ACTIVE_ELSEWHERE',
      `The student "${name}" is already actively enrolled in the cohort "${other.cohortName}"`,
      { cohortId: other.cohortId, cohortName: other.cohortName },
    );
  }
  return null;
}

function seatRefusal(cohort: Cohort, seatsLeft: number): AppError | null {
  if (seatsLeft > 0) return null;
  return new AppError(
    'OMAUM_ENROLLMENT_COHORT_FULL',
    `The cohort "${cohort.name}" is full (capacity ${cohort.capacity})`,
  );
}

/**
 * All or nothing: one refused student refuses the request. The answer is a
 * conflict (409, with the first refusal's code) when every refusal is one,
 * otherwise 422; `details` lists each refused student.
 */
function bulkRefused(first: Refusal, refusals: readonly Refusal[], requested: number): AppError {
  const isConflict = refusals.every((refusal) => refusal.error.statusCode === 409);
  const code = isConflict ? first.error.code : 'OMAUM_ENROLLMENT_NOT_ALLOWED';
  return new AppError(
    code,
    `${refusals.length} of ${requested} students cannot be enrolled; nobody was enrolled`,
    refusals.map((refusal) => ({
      field: `studentIds[${refusal.index}]`,
      studentId: refusal.studentId,
      code: refusal.error.code,
      message: refusal.error.message,
    })),
  );
}

/** undefined: leave as is; blank: clear. */
function cleanNotes(notes: string | null | undefined): string | null | undefined {
  if (notes === undefined) return undefined;
  return notes?.trim() || null;
}

function notAllowed(reason: string): AppError {
  return new AppError('OMAUM_ENROLLMENT_NOT_ALLOWED', reason);
}

function duplicate(studentId: number, name?: string): AppError {
  const who = name === undefined ? `The student ${studentId}` : `The student "${name}"`;
  return new AppError('OMAUM_ENROLLMENT_DUPLICATE', `${who} is already enrolled in this cohort`, [
    { field: 'studentId', message: 'is already enrolled in this cohort' },
  ]);
}

function enrollmentNotFound(id: number): AppError {
  return new AppError('OMAUM_ENROLLMENT_NOT_FOUND', `There is no enrollment ${id}`);
}

function studentNotFound(id: number): AppError {
  return new AppError('OMAUM_STUDENT_NOT_FOUND', `There is no student ${id}`);
}

function cohortNotFound(id: number): AppError {
  return new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${id}`);
}
