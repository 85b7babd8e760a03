import type { Queryable } from '../platform/db/database.ts';
import type { Course, CourseUpdate, NewCourse } from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';

export interface CourseFilter {
  readonly search?: string;
  readonly isActive?: boolean;
  readonly includeArchived?: boolean;
}

/** SQL for courses. */
export class CoursesRepo {
  constructor(private readonly db: Queryable) {}

  findById(id: number): Promise<Course | undefined> {
    return this.db.selectFrom('courses').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Case-insensitive, as the unique index is.
   * TODO(#2): SQLite's lower() folds only ASCII, so accented names differ by case there
   * (docs/known-issues.md).
   */
  findByName(name: string): Promise<Course | undefined> {
    return this.db
      .selectFrom('courses')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
      .executeTakeFirst();
  }

  async list(filter: CourseFilter, page: PageRequest): Promise<Page<Course>> {
    let query = this.db.selectFrom('courses');
    if (!filter.includeArchived) query = query.where('archivedAt', 'is', null);
    if (filter.isActive !== undefined) query = query.where('isActive', '=', filter.isActive);
    if (filter.search) {
      const pattern = `%${filter.search.toLowerCase()}%`;
      query = query.where((eb) => eb(eb.fn('lower', ['name']), 'like', pattern));
    }

    const [items, total] = await Promise.all([
      query
        .selectAll()
        .orderBy('name')
        .orderBy('id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }

  insert(course: NewCourse): Promise<Course> {
    return this.db.insertInto('courses').values(course).returningAll().executeTakeFirstOrThrow();
  }

  update(id: number, changes: CourseUpdate): Promise<Course | undefined> {
    return this.db
      .updateTable('courses')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async countActiveCohorts(courseId: number): Promise<number> {
    const row = await this.db
      .selectFrom('cohorts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('courseId', '=', courseId)
      .where('archivedAt', 'is', null)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return row.n;
  }
}
