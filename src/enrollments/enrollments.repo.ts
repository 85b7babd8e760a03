import type { Queryable } from '../platform/db/database.ts';
import type {
  Cohort,
  Enrollment,
  EnrollmentStatus,
  EnrollmentUpdate,
  NewEnrollment,
  Student,
} from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';

export interface EnrollmentFilter {
  readonly status?: EnrollmentStatus;
}

export type CohortEnrollment = Enrollment & { studentName: string; initiaticNumber: string };
export type StudentEnrollment = Enrollment & { cohortName: string };

/** What the enrollment rules need of a student (personal data is left out on purpose). */
export type EnrollableStudent = Pick<Student, 'id' | 'fullName' | 'situation' | 'archivedAt'>;

/** Another cohort where a student is already actively enrolled. */
export interface ActiveElsewhere {
  readonly studentId: number;
  readonly cohortId: number;
  readonly cohortName: string;
}

/**
 * `lock` adds `FOR UPDATE`: only PostgreSQL has it (SQLite has a single
 * writer and would reject the syntax).
 */
export interface LockOption {
  readonly lock: boolean;
}

export const NO_LOCK: LockOption = { lock: false };

/** SQL for enrollments, plus the few reads of students and cohorts their rules need. */
export class EnrollmentsRepo {
  constructor(private readonly db: Queryable) {}

  findById(id: number, { lock }: LockOption = NO_LOCK): Promise<Enrollment | undefined> {
    return this.db
      .selectFrom('enrollments')
      .selectAll()
      .where('id', '=', id)
      .$if(lock, (query) => query.forUpdate())
      .executeTakeFirst();
  }

  findCohort(id: number, { lock }: LockOption): Promise<Cohort | undefined> {
    return this.db
      .selectFrom('cohorts')
      .selectAll()
      .where('id', '=', id)
      .$if(lock, (query) => query.forUpdate())
      .executeTakeFirst();
  }

  /** Ordered by id, so that concurrent transactions lock students in the same order. */
  async findStudents(ids: readonly number[], { lock }: LockOption): Promise<EnrollableStudent[]> {
    if (ids.length === 0) return [];
    return this.db
      .selectFrom('students')
      .select(['id', 'fullName', 'situation', 'archivedAt'])
      .where('id', 'in', ids)
      .orderBy('id')
      .$if(lock, (query) => query.forUpdate())
      .execute();
  }

  async studentExists(id: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('students')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The students of the list already enrolled in the cohort, whatever the status. */
  async enrolledStudentIds(cohortId: number, studentIds: readonly number[]): Promise<number[]> {
    if (studentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('enrollments')
      .select('studentId')
      .where('cohortId', '=', cohortId)
      .where('studentId', 'in', studentIds)
      .execute();
    return rows.map((row) => row.studentId);
  }

  /** Active enrollments of the students in active, unarchived cohorts other than this one. */
  async activeElsewhere(
    studentIds: readonly number[],
    cohortId: number,
  ): Promise<ActiveElsewhere[]> {
    if (studentIds.length === 0) return [];
    return this.db
      .selectFrom('enrollments')
      .innerJoin('cohorts', 'cohorts.id', 'enrollments.cohortId')
      .select(['enrollments.studentId', 'cohorts.id as cohortId', 'cohorts.name as cohortName'])
      .where('enrollments.studentId', 'in', studentIds)
      .where('enrollments.cohortId', '!=', cohortId)
      .where('enrollments.status', '=', 'active')
      .where('cohorts.status', '=', 'active')
      .where('cohorts.archivedAt', 'is', null)
      .orderBy('enrollments.id')
      .execute();
  }

  async countActive(cohortId: number): Promise<number> {
    const row = await this.db
      .selectFrom('enrollments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('cohortId', '=', cohortId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return row.n;
  }

  async listForCohort(
    cohortId: number,
    filter: EnrollmentFilter,
    page: PageRequest,
  ): Promise<Page<CohortEnrollment>> {
    let query = this.db
      .selectFrom('enrollments')
      .innerJoin('students', 'students.id', 'enrollments.studentId')
      .where('enrollments.cohortId', '=', cohortId);
    if (filter.status) query = query.where('enrollments.status', '=', filter.status);

    const [items, total] = await Promise.all([
      query
        .selectAll('enrollments')
        .select(['students.fullName as studentName', 'students.initiaticNumber'])
        .orderBy('students.fullName')
        .orderBy('enrollments.id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }

  /** `cohortIds` narrows the list to those cohorts (an instructor's scope); null: all. */
  async listForStudent(
    studentId: number,
    filter: EnrollmentFilter & { readonly cohortIds: readonly number[] | null },
    page: PageRequest,
  ): Promise<Page<StudentEnrollment>> {
    if (filter.cohortIds?.length === 0) return { items: [], total: 0 };
    let query = this.db
      .selectFrom('enrollments')
      .innerJoin('cohorts', 'cohorts.id', 'enrollments.cohortId')
      .where('enrollments.studentId', '=', studentId);
    if (filter.status) query = query.where('enrollments.status', '=', filter.status);
    if (filter.cohortIds) query = query.where('enrollments.cohortId', 'in', filter.cohortIds);

    const [items, total] = await Promise.all([
      query
        .selectAll('enrollments')
        .select('cohorts.name as cohortName')
        .orderBy('enrollments.enrolledOn', 'desc')
        .orderBy('enrollments.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }

  insertMany(enrollments: readonly NewEnrollment[]): Promise<Enrollment[]> {
    return this.db
      .insertInto('enrollments')
      .values([...enrollments])
      .returningAll()
      .execute();
  }

  update(id: number, changes: EnrollmentUpdate): Promise<Enrollment | undefined> {
    return this.db
      .updateTable('enrollments')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }
}
