/**
 * Databases with real data for the backup tests: the demo institution
 * (courses, cohorts, students, marks with history and counters), loaded
 * through the services, or a smaller sample inserted directly.
 */
import SqliteDatabase from 'better-sqlite3';
import pino from 'pino';

import { loadConfig } from '../../src/config/config.ts';
import { loadDemoInstitution } from '../../src/demo/demo-loader.ts';
import type { Clock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import type { Database, Db } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { createServices } from '../../src/services.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';

export const silentLogger = pino({ level: 'silent' });

const clock: Clock = { now: () => new Date('2026-03-03T15:00:00.000Z') };

/** Fills a migrated database with the demo institution. */
export async function loadDemo(database: Database): Promise<void> {
  const services = createServices({
    config: loadConfig({ OMAUM_DATA_DIR: '/tmp/omaum-test-data' }, { useDotenv: false }),
    database,
    clock,
    logger: silentLogger,
  });
  await loadDemoInstitution(services, { clock, timeZone: 'America/Sao_Paulo' });
}

/**
 * A smaller data set for PostgreSQL, where the demo takes long to load:
 * cohorts with their activities, students with accented names, enrollments
 * and sent e-mails.
 */
export async function loadSample(db: Db): Promise<void> {
  for (let index = 0; index < 3; index += 1) {
    const cohort = await insertCohort(db, { name: `Turma São João ${index + 1}` });
    for (let member = 0; member < 8; member += 1) {
      const student = await insertStudent(db, {
        fullName: `Conceição Araújo ${index}-${member}`,
        notes: member % 2 === 0 ? 'observação: "aspas" & <sinais>' : null,
      });
      await insertEnrollment(db, student.id, cohort.id);
    }
  }
  await db
    .insertInto('sentEmails')
    .values({
      idempotencyKey: 'report:1:2026-03',
      messageId: '<abc@omaum.test>',
      transport: 'smtp',
      sentAt: '2026-03-03T06:00:00.000Z',
    })
    .execute();
}

/** A SQLite database file, opened as the application opens it (WAL), migrated and filled. */
export async function createDemoSqlite(file: string): Promise<Database> {
  const database = openDatabase({ dialect: 'sqlite', file });
  await migrateToLatest(database);
  await loadDemo(database);
  return database;
}

/** Every row of every table of a SQLite file, in storage order, read through a separate handle. */
export function sqliteContents(file: string): Record<string, unknown[]> {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .pluck()
      .all() as string[];
    return Object.fromEntries(
      tables.map((table) => [table, db.prepare(`select * from "${table}" order by rowid`).all()]),
    );
  } finally {
    db.close();
  }
}
