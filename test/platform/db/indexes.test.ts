/**
 * The index catalogue against freshly migrated databases, and ensureIndexes
 * putting back a dropped index (and, on PostgreSQL, rebuilding an INVALID
 * one) with the definition the migration gave it.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { sql } from 'kysely';

import type { Database } from '../../../src/platform/db/database.ts';
import { ensureIndexes, indexCatalogue, readIndexes } from '../../../src/platform/db/indexes.ts';
import type { ActualIndex } from '../../../src/platform/db/indexes.ts';
import { createTestDatabase, describeEachDatabase } from '../../support/databases.ts';
import type { TestDatabase } from '../../support/databases.ts';

const NOTHING_TO_DO = { recreated: [], rebuilt: [], extra: [] };

function byName(indexes: readonly ActualIndex[]): Map<string, ActualIndex> {
  return new Map(indexes.map((index) => [index.name, index]));
}

async function dropIndex(database: Database, name: string): Promise<void> {
  await sql`drop index ${sql.id(name)}`.execute(database.db);
}

describeEachDatabase('index catalogue', (dialect) => {
  let testDb: TestDatabase;
  let database: Database;

  beforeEach(async () => {
    testDb = await createTestDatabase(dialect);
    database = testDb.database;
  });
  afterEach(() => testDb.destroy());

  it('lists exactly the indexes a freshly migrated database has', async () => {
    const catalogue = await indexCatalogue(dialect);
    const actual = await readIndexes(database);
    const describe = (index: { name: string; table: string; isUnique: boolean }) =>
      `${index.table}.${index.name}${index.isUnique ? ' (unique)' : ''}`;
    assert.deepEqual(actual.map(describe).sort(), catalogue.map(describe).sort());
    assert.ok(catalogue.length >= 27, `only ${catalogue.length} indexes`);
    assert.ok(
      actual.every((index) => index.isValid),
      'a fresh database has no INVALID index',
    );
    if (dialect === 'sqlite') {
      // SQLite keeps the statement as sent, only its leading keywords upper-cased: so the
      // catalogue's statement is, to the letter, the one the migration ran.
      const stored = byName(actual);
      for (const index of catalogue) {
        const asStored = index.statement.replace(/^create (unique )?index/, (k) => k.toUpperCase());
        assert.equal(stored.get(index.name)?.definition, asStored);
      }
    }
  });

  it('reports nothing to do on a freshly migrated database', async () => {
    const report = await ensureIndexes(database);
    assert.deepEqual(report, { checked: (await indexCatalogue(dialect)).length, ...NOTHING_TO_DO });
  });

  it('recreates dropped indexes with the definition the migration gave them', async () => {
    const before = byName(await readIndexes(database));
    // A partial index and a unique expression index: the parts easiest to lose.
    const dropped = ['courses_name_key', 'marks_absences_idx'];
    for (const name of dropped) await dropIndex(database, name);

    const report = await ensureIndexes(database);
    assert.deepEqual([...report.recreated].sort(), dropped);
    assert.deepEqual(report.rebuilt, []);
    assert.deepEqual(report.extra, []);
    assert.deepEqual(byName(await readIndexes(database)), before);

    const again = await ensureIndexes(database);
    assert.deepEqual(again, { checked: report.checked, ...NOTHING_TO_DO });
  });

  it('reports an index no migration creates and leaves it in place', async () => {
    await sql`create index students_notes_idx on students (notes)`.execute(database.db);
    const report = await ensureIndexes(database);
    assert.deepEqual(report.extra, ['students_notes_idx']);
    assert.deepEqual(report.recreated, []);
    assert.ok(byName(await readIndexes(database)).has('students_notes_idx'));
  });

  if (dialect === 'postgres') {
    it('rebuilds an index a failed concurrent build left INVALID', async () => {
      const before = byName(await readIndexes(database));
      const catalogue = await indexCatalogue(dialect);
      const statement = catalogue.find((index) => index.name === 'courses_name_key')?.statement;
      assert.ok(statement);

      // The way it happens in production: CREATE INDEX CONCURRENTLY meets duplicates,
      // fails, and leaves the index behind, marked INVALID.
      await dropIndex(database, 'courses_name_key');
      const now = new Date().toISOString();
      for (const name of ['Astrologia', 'ASTROLOGIA']) {
        await sql`insert into courses (name, created_at, updated_at)
          values (${name}, ${now}, ${now})`.execute(database.db);
      }
      const concurrently = statement.replace(/^create unique index/, '$& concurrently');
      await assert.rejects(sql.raw(concurrently).execute(database.db), /could not create unique/);
      assert.equal(byName(await readIndexes(database)).get('courses_name_key')?.isValid, false);
      await sql`delete from courses where name = 'ASTROLOGIA'`.execute(database.db);

      const report = await ensureIndexes(database);
      assert.deepEqual(report.rebuilt, ['courses_name_key']);
      assert.deepEqual(report.recreated, []);
      assert.deepEqual(byName(await readIndexes(database)), before);

      const again = await ensureIndexes(database);
      assert.deepEqual(again, { checked: report.checked, ...NOTHING_TO_DO });
    });
  }
});
