import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, STAFF_ROLES, requireRole } from '../auth/actor.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/database.ts';
import { isUniqueViolation } from '../platform/db/errors.ts';
import type { Course } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import { invalidateAllSheets } from '../sheets/sheet-cache.ts';
import type { CourseFilter } from './courses.repo.ts';
import { CoursesRepo } from './courses.repo.ts';
import type { CreateCourseBody, UpdateCourseBody } from './courses.schemas.ts';

/** Courses ("Cursos", the degrees). Everyone reads them; staff change them. */
export class CoursesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async list(actor: Actor, filter: CourseFilter, page: PageRequest): Promise<Page<Course>> {
    requireRole(actor, ALL_ROLES, 'read courses');
    return new CoursesRepo(this.db).list(filter, page);
  }

  async get(actor: Actor, id: number): Promise<Course> {
    requireRole(actor, ALL_ROLES, 'read courses');
    return this.load(new CoursesRepo(this.db), id);
  }

  async create(actor: Actor, input: CreateCourseBody): Promise<Course> {
    requireRole(actor, STAFF_ROLES, 'create courses');
    const name = checkedName(input.name);
    const repo = new CoursesRepo(this.db);
    if (await repo.findByName(name)) throw duplicate(name);

    const now = this.clock.now().toISOString();
    try {
      return await repo.insert({
        name,
        description: input.description?.trim() || null,
        isActive: input.isActive ?? true,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(name);
      throw error;
    }
  }

  async update(actor: Actor, id: number, input: UpdateCourseBody): Promise<Course> {
    requireRole(actor, STAFF_ROLES, 'change courses');
    const repo = new CoursesRepo(this.db);
    const course = await this.load(repo, id);
    if (course.archivedAt !== null) throw archived(course);

    const name = input.name === undefined ? undefined : checkedName(input.name);
    if (name !== undefined) {
      const other = await repo.findByName(name);
      if (other && other.id !== id) throw duplicate(name);
    }
    let updated: Course | undefined;
    try {
      updated = await repo.update(id, {
        name,
        description:
          input.description === undefined ? undefined : input.description?.trim() || null,
        isActive: input.isActive,
        updatedAt: this.clock.now().toISOString(),
      });
    } catch (error) {
      if (isUniqueViolation(error) && name !== undefined) throw duplicate(name);
      throw error;
    }
    // Sheets show the course's name (one update, no transaction: bump after it).
    if (name !== undefined) await invalidateAllSheets(this.db);
    return updated ?? course;
  }

  /** Archives a course; its cohorts and their history stay. Idempotent. */
  async archive(actor: Actor, id: number): Promise<Course> {
    requireRole(actor, STAFF_ROLES, 'archive courses');
    const repo = new CoursesRepo(this.db);
    const course = await this.load(repo, id);
    if (course.archivedAt !== null) return course;

    const activeCohorts = await repo.countActiveCohorts(id);
    if (activeCohorts > 0) {
      throw new AppError(
        'OMAUM_COURSE_ARCHIVED',
        `The course "${course.name}" still has ${activeCohorts} active cohort(s); ` +
          'finish or archive them first',
      );
    }
    const now = this.clock.now().toISOString();
    return (await repo.update(id, { archivedAt: now, isActive: false, updatedAt: now })) ?? course;
  }

  private async load(repo: CoursesRepo, id: number): Promise<Course> {
    const course = await repo.findById(id);
    if (!course) throw new AppError('OMAUM_COURSE_NOT_FOUND', `There is no course ${id}`);
    return course;
  }
}

/** Services check what the HTTP schema checks too: pages and the CLI call them directly. */
function checkedName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw invalidFields([{ field: 'name', message: 'must not be blank' }]);
  if (name.length > 120) {
    throw invalidFields([{ field: 'name', message: 'must have at most 120 characters' }]);
  }
  return name;
}

function duplicate(name: string): AppError {
  return new AppError('OMAUM_COURSE_DUPLICATE', `A course named "${name}" already exists`, [
    { field: 'name', message: 'is already in use' },
  ]);
}

function archived(course: Course): AppError {
  return new AppError('OMAUM_COURSE_ARCHIVED', `The course "${course.name}" is archived`);
}
