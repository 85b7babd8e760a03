/**
 * BulkInsert against both databases: rows come back as Kysely's own insert
 * returns them (booleans and nulls included), a statement compiled for one
 * size serves later inserts of that size with their own values, values of
 * the statement itself stay in place, and a row without a column is refused
 * before anything is written, as is one with a column it would leave out.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { sql } from 'kysely';

import { BulkInsert } from '../../../src/platform/db/bulk-insert.ts';
import type { Db } from '../../../src/platform/db/database.ts';
import type { NewCourse } from '../../../src/platform/db/tables.ts';
import { createTestDatabase, describeEachDatabase } from '../../support/databases.ts';
import type { TestDatabase } from '../../support/databases.ts';

const AT = '2026-03-01T12:00:00.000Z';

type CourseRow = Required<Omit<NewCourse, 'id' | 'archivedAt'>>;

const COURSE_COLUMNS = ['name', 'description', 'isActive', 'createdAt', 'updatedAt'] as const;

function course(name: string, isActive: boolean, description: string | null = null): CourseRow {
  return { name, description, isActive, createdAt: AT, updatedAt: AT };
}

describeEachDatabase('BulkInsert', (dialect) => {
  let testDb: TestDatabase;
  let db: Db;

  beforeEach(async () => {
    testDb = await createTestDatabase(dialect);
    db = testDb.database.db;
  });
  afterEach(() => testDb.destroy());

  const insertCourses = new BulkInsert(COURSE_COLUMNS, (queryable, rows: readonly CourseRow[]) =>
    queryable.insertInto('courses').values(rows).returningAll(),
  );

  it('returns the rows as a plain Kysely insert would, for each size it is given', async () => {
    const first = await insertCourses.execute(db, [
      course('Curso A', true, 'primeiro'),
      course('Curso B', false),
      course('Curso C', true),
    ]);
    // The same size again, compiled once: its own values, not the first batch's.
    const second = await insertCourses.execute(db, [
      course('Curso D', false, 'quarto'),
      course('Curso E', true),
      course('Curso F', false),
    ]);
    const third = await insertCourses.execute(db, [course('Curso G', true)]);

    const stored = await db.selectFrom('courses').selectAll().orderBy('id').execute();
    assert.deepEqual([...first, ...second, ...third], stored);
    assert.deepEqual(
      stored.map((row) => [row.name, row.description, row.isActive]),
      [
        ['Curso A', 'primeiro', true],
        ['Curso B', null, false],
        ['Curso C', null, true],
        ['Curso D', 'quarto', false],
        ['Curso E', null, true],
        ['Curso F', null, false],
        ['Curso G', null, true],
      ],
    );
  });

  it('keeps the values that belong to the statement, around the rows', async () => {
    const bump = (step: number) =>
      new BulkInsert(['namespace', 'version'] as const, (queryable, rows) =>
        queryable
          .insertInto('cacheVersions')
          .values(rows)
          .onConflict((oc) =>
            oc.column('namespace').doUpdateSet({
              version: sql<number>`cache_versions.version + ${step}`,
            }),
          ),
      );
    const rows = [
      { namespace: 'bulk-a', version: 1 },
      { namespace: 'bulk-b', version: 1 },
    ];
    await bump(10).execute(db, rows);
    await bump(10).execute(db, rows);
    await bump(5).execute(db, [{ namespace: 'bulk-b', version: 1 }]);

    const versions = await db
      .selectFrom('cacheVersions')
      .select(['namespace', 'version'])
      .where('namespace', 'like', 'bulk-%')
      .orderBy('namespace')
      .execute();
    assert.deepEqual(versions, [
      { namespace: 'bulk-a', version: 11 },
      { namespace: 'bulk-b', version: 16 },
    ]);
  });

  it('refuses a row without a value for a column, writing nothing', async () => {
    const incomplete = { name: 'Sem data', description: null, isActive: true } as CourseRow;
    await assert.rejects(
      insertCourses.execute(db, [course('Curso H', true), incomplete]),
      /row 1 has no createdAt/,
    );
    const count = await db
      .selectFrom('courses')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    assert.equal(count.count, 0);
  });

  it('refuses a row with a column it does not write', async () => {
    const extra = { ...course('Curso I', true), archivedAt: AT };
    await assert.rejects(insertCourses.execute(db, [extra]), /archivedAt not among the columns/);
  });

  it('writes nothing for no rows', async () => {
    assert.deepEqual(await insertCourses.execute(db, []), []);
  });
});
