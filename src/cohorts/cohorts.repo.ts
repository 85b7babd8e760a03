import type { Queryable } from '../platform/db/database.ts';
import type {
  Cohort,
  CohortStatus,
  CohortUpdate,
  NewCohort,
  Student,
} from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';

export interface CohortFilter {
  readonly courseId?: number;
  readonly status?: CohortStatus;
  readonly search?: string;
  readonly includeArchived?: boolean;
  /** Only these cohorts (an instructor's scope); absent means all. */
  readonly ids?: readonly number[];
}

/** A cohort with the names a reader wants next to the ids. */
export interface CohortView extends Cohort {
  readonly courseName: string;
  readonly instructorName: string | null;
  readonly assistantInstructorName: string | null;
  readonly aideName: string | null;
}

export type StaffCandidate = Pick<Student, 'id' | 'fullName' | 'situation' | 'archivedAt'>;

/** SQL for cohorts. */
export class CohortsRepo {
  constructor(private readonly db: Queryable) {}

  findById(id: number): Promise<Cohort | undefined> {
    return this.db.selectFrom('cohorts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findView(id: number): Promise<CohortView | undefined> {
    return this.views().where('cohorts.id', '=', id).executeTakeFirst();
  }

  /** Case-insensitive, as the unique index is. */
  findByName(name: string): Promise<Cohort | undefined> {
    return this.db
      .selectFrom('cohorts')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
      .executeTakeFirst();
  }

  async list(filter: CohortFilter, page: PageRequest): Promise<Page<CohortView>> {
    let query = this.db.selectFrom('cohorts');
    if (filter.ids !== undefined) {
      // `in ()` is not valid SQL: an empty scope matches nothing.
      if (filter.ids.length === 0) return { items: [], total: 0 };
      query = query.where('cohorts.id', 'in', filter.ids);
    }
    if (!filter.includeArchived) query = query.where('cohorts.archivedAt', 'is', null);
    if (filter.courseId !== undefined)
      query = query.where('cohorts.courseId', '=', filter.courseId);
    if (filter.status !== undefined) query = query.where('cohorts.status', '=', filter.status);
    if (filter.search) {
      const pattern = `%${filter.search.toLowerCase()}%`;
      query = query.where((eb) => eb(eb.fn('lower', ['cohorts.name']), 'like', pattern));
    }

    const ids = query.select('cohorts.id');
    const [items, total] = await Promise.all([
      this.views()
        .where('cohorts.id', 'in', ids)
        .orderBy('cohorts.name')
        .orderBy('cohorts.id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }

  insert(cohort: NewCohort): Promise<Cohort> {
    return this.db.insertInto('cohorts').values(cohort).returningAll().executeTakeFirstOrThrow();
  }

  update(id: number, changes: CohortUpdate): Promise<Cohort | undefined> {
    return this.db
      .updateTable('cohorts')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async countActiveEnrollments(cohortId: number): Promise<number> {
    const row = await this.db
      .selectFrom('enrollments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('cohortId', '=', cohortId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** The students proposed as instructor, assistant or aide (missing ids are left out). */
  findStaffCandidates(studentIds: readonly number[]): Promise<StaffCandidate[]> {
    if (studentIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('students')
      .select(['id', 'fullName', 'situation', 'archivedAt'])
      .where('id', 'in', studentIds)
      .execute();
  }

  /**
   * Active, unarchived cohorts other than `exceptId` where any of the students
   * holds one of the three instructor roles.
   */
  findActiveTaughtBy(studentIds: readonly number[], exceptId: number | null): Promise<Cohort[]> {
    if (studentIds.length === 0) return Promise.resolve([]);
    let query = this.db
      .selectFrom('cohorts')
      .selectAll()
      .where('status', '=', 'active')
      .where('archivedAt', 'is', null)
      .where((eb) =>
        eb.or([
          eb('instructorId', 'in', studentIds),
          eb('assistantInstructorId', 'in', studentIds),
          eb('aideId', 'in', studentIds),
        ]),
      );
    if (exceptId !== null) query = query.where('id', '!=', exceptId);
    return query.orderBy('id').execute();
  }

  private views() {
    return this.db
      .selectFrom('cohorts')
      .innerJoin('courses', 'courses.id', 'cohorts.courseId')
      .leftJoin('students as instructor', 'instructor.id', 'cohorts.instructorId')
      .leftJoin('students as assistant', 'assistant.id', 'cohorts.assistantInstructorId')
      .leftJoin('students as aide', 'aide.id', 'cohorts.aideId')
      .selectAll('cohorts')
      .select([
        'courses.name as courseName',
        'instructor.fullName as instructorName',
        'assistant.fullName as assistantInstructorName',
        'aide.fullName as aideName',
      ]);
  }
}
