import { randomBytes } from 'node:crypto';
import { describe } from 'node:test';

import { sql } from 'kysely';

import { openDatabase } from '../../src/platform/db/database.ts';
import type { Database, Dialect } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';

const postgresUrl = process.env.OMAUM_TEST_POSTGRES_URL ?? '';

export interface TestDatabase {
  readonly database: Database;
  readonly dialect: Dialect;
  /** Closes the connection and removes the database or schema. */
  destroy(): Promise<void>;
}

/** Why a dialect's suite is skipped here, or null when it runs. */
export function skipReason(dialect: Dialect): string | null {
  if (dialect === 'postgres' && postgresUrl === '') return 'OMAUM_TEST_POSTGRES_URL is not set';
  return null;
}

/**
 * A fresh, migrated database: an in-memory SQLite file, or a new schema in
 * the PostgreSQL test database.
 */
export async function createTestDatabase(
  dialect: Dialect,
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const testDb = dialect === 'postgres' ? await createPostgresSchema() : createSqlite();
  if (options.migrate ?? true) await migrateWithRetry(testDb.database);
  return testDb;
}

/**
 * Kysely's migrator looks for its tables across every schema; when another
 * test file creates or drops its own schema at that moment, PostgreSQL can
 * answer with an error about the other schema (3F000 "schema does not
 * exist", or a missing column of a half-made table). Only tests create and
 * drop schemas concurrently, so only tests retry.
 */
async function migrateWithRetry(database: Database, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrateToLatest(database);
      return;
    } catch (error) {
      // PostgreSQL runs each migration run in a transaction, so a retry starts clean.
      if (database.dialect !== 'postgres' || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

function createSqlite(): TestDatabase {
  const database = openDatabase({ dialect: 'sqlite', file: ':memory:' });
  return { database, dialect: 'sqlite', destroy: () => database.close() };
}

async function createPostgresSchema(): Promise<TestDatabase> {
  const schema = `omaum_test_${randomBytes(6).toString('hex')}`;
  const admin = openDatabase({ dialect: 'postgres', url: postgresUrl }, { poolSize: 1 });
  await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  await admin.close();

  const database = openDatabase({ dialect: 'postgres', url: postgresUrl }, { schema, poolSize: 4 });
  return {
    database,
    dialect: 'postgres',
    destroy: async () => {
      // A test may have closed the connection on purpose; the schema still goes.
      await database.close().catch(() => undefined);
      const cleaner = openDatabase({ dialect: 'postgres', url: postgresUrl }, { poolSize: 1 });
      try {
        await dropSchema(cleaner, schema);
      } finally {
        await cleaner.close();
      }
    },
  };
}

// Dropping a schema takes locks on each of its tables; another test file's
// ANALYZE or migration can deadlock with it (40P01). PostgreSQL undoes the
// loser, so trying again is safe.
async function dropSchema(cleaner: Database, schema: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(cleaner.db);
      return;
    } catch (error) {
      const isDeadlock = (error as { code?: unknown }).code === '40P01';
      if (!isDeadlock || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/**
 * Declares the same suite once per database. A dialect that cannot run here
 * is reported as skipped, by name, with the reason.
 */
export function describeEachDatabase(title: string, suite: (dialect: Dialect) => void): void {
  for (const dialect of DIALECTS) {
    const reason = skipReason(dialect);
    describe(`${title} [${dialect}]`, reason ? { skip: reason } : {}, () => {
      suite(dialect);
    });
  }
}
