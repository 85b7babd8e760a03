import { sql } from 'kysely';
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';

import type { Queryable } from '../platform/db/database.ts';
import type {
  DB,
  NewStudent,
  Student,
  StudentSituation,
  StudentUpdate,
} from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import { searchKey } from '../platform/text.ts';

export interface StudentFilter {
  /** Name or initiatic name (accents and case ignored), CPF (any punctuation), initiatic number. */
  readonly search?: string;
  readonly situation?: StudentSituation;
  /** Students with an enrollment, of any status, in this cohort. */
  readonly cohortId?: number;
  readonly includeArchived?: boolean;
  /** Students with an enrollment in one of these cohorts (an instructor's scope). */
  readonly withinCohortIds?: readonly number[];
}

/** The columns that are unique among students. */
export const UNIQUE_FIELDS = ['cpf', 'initiaticNumber', 'email'] as const;
export type UniqueField = (typeof UNIQUE_FIELDS)[number];
export type UniqueValues = Partial<Record<UniqueField, string | null>>;

// A CPF search needs a few digits; one or two would match nearly everyone.
const MIN_CPF_SEARCH_DIGITS = 3;

type StudentsEb = ExpressionBuilder<DB, 'students'>;

/** SQL for students. */
export class StudentsRepo {
  constructor(private readonly db: Queryable) {}

  findById(id: number): Promise<Student | undefined> {
    return this.db.selectFrom('students').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(filter: StudentFilter, page: PageRequest): Promise<Page<Student>> {
    const scope = filter.withinCohortIds;
    if (scope?.length === 0) return { items: [], total: 0 };

    let query = this.db.selectFrom('students');
    if (!filter.includeArchived) query = query.where('archivedAt', 'is', null);
    if (filter.situation) query = query.where('situation', '=', filter.situation);
    if (filter.cohortId !== undefined) query = query.where(enrolledIn([filter.cohortId]));
    if (scope) query = query.where(enrolledIn(scope));
    const search = filter.search?.trim();
    if (search) query = query.where((eb) => matchesSearch(eb, search));

    const [items, total] = await Promise.all([
      query
        .selectAll()
        .orderBy('searchText')
        .orderBy('id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }

  /** Whether the student has an enrollment, of any status, in one of the cohorts. */
  async isEnrolledInAny(studentId: number, cohortIds: readonly number[]): Promise<boolean> {
    if (cohortIds.length === 0) return false;
    const row = await this.db
      .selectFrom('enrollments')
      .select('id')
      .where('studentId', '=', studentId)
      .where('cohortId', 'in', cohortIds)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Which of the given values another student (not `exceptId`) already holds. */
  async findTakenFields(values: UniqueValues, exceptId?: number): Promise<UniqueField[]> {
    const wanted = UNIQUE_FIELDS.filter((field) => typeof values[field] === 'string');
    if (wanted.length === 0) return [];

    let query = this.db
      .selectFrom('students')
      .select(['cpf', 'initiaticNumber', 'email'])
      .where((eb) => eb.or(wanted.map((field) => eb(field, '=', values[field] ?? ''))));
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    const rows = await query.execute();
    return wanted.filter((field) => rows.some((row) => row[field] === values[field]));
  }

  insert(student: NewStudent): Promise<Student> {
    return this.db.insertInto('students').values(student).returningAll().executeTakeFirstOrThrow();
  }

  update(id: number, changes: StudentUpdate): Promise<Student | undefined> {
    return this.db
      .updateTable('students')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }
}

function enrolledIn(cohortIds: readonly number[]) {
  return (eb: StudentsEb) =>
    eb(
      'id',
      'in',
      eb.selectFrom('enrollments').select('studentId').where('cohortId', 'in', cohortIds),
    );
}

function matchesSearch(eb: StudentsEb, search: string): Expression<SqlBool> {
  const terms: Expression<SqlBool>[] = [
    like(eb.ref('initiaticNumber'), search, { isCaseInsensitive: true }),
  ];
  const key = searchKey(search);
  if (key !== '') terms.push(like(eb.ref('searchText'), key));
  const digits = cpfDigits(search);
  if (digits !== null) terms.push(like(eb.ref('cpf'), digits));
  return eb.or(terms);
}

/** The digits of a search that looks like (part of) a CPF, with or without punctuation. */
function cpfDigits(search: string): string | null {
  if (!/^[\d.\s-]+$/.test(search)) return null;
  const digits = search.replace(/\D/g, '');
  return digits.length >= MIN_CPF_SEARCH_DIGITS ? digits : null;
}

// `like` with the search text taken literally: `%` and `_` typed by a user
// are not wildcards. Both dialects need the escape character spelled out.
function like(
  column: Expression<string>,
  text: string,
  options: { isCaseInsensitive?: boolean } = {},
): Expression<SqlBool> {
  const pattern = `%${text.replace(/[\\%_]/g, '\\$&')}%`;
  if (options.isCaseInsensitive) {
    return sql<SqlBool>`lower(${column}) like ${pattern.toLowerCase()} escape '\\'`;
  }
  return sql<SqlBool>`${column} like ${pattern} escape '\\'`;
}
