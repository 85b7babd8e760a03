import { Migrator, sql } from 'kysely';
import type { Migration, MigrationInfo, MigrationProvider, MigrationResult } from 'kysely';

import type { Database, Dialect } from './database.ts';
import { academicStructure } from './migrations/0001-academic-structure.ts';
import { attendance } from './migrations/0002-attendance.ts';
import { jobs } from './migrations/0003-jobs.ts';
import { sentEmails } from './migrations/0004-sent-emails.ts';
import { exportsTable } from './migrations/0005-exports.ts';
import { reportSchedules } from './migrations/0006-report-schedules.ts';
import { operations } from './migrations/0007-operations.ts';

/** Every migration, in order. Names sort in the order they must run. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-academic-structure': academicStructure(dialect),
    '0002-attendance': attendance(dialect),
    '0003-jobs': jobs(dialect),
    '0004-sent-emails': sentEmails(dialect),
    '0005-exports': exportsTable(dialect),
    '0006-report-schedules': reportSchedules(dialect),
    '0007-operations': operations(dialect),
  };
}

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(migrations(this.dialect));
  }
}

function migrator(database: Database): Migrator {
  return new Migrator({
    db: database.db,
    provider: new StaticMigrationProvider(database.dialect),
    // Kysely looks for its bookkeeping tables in any schema unless told which.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
}

export class MigrationError extends Error {
  constructor(
    readonly migrationName: string | undefined,
    override readonly cause: unknown,
  ) {
    super(`migration ${migrationName ?? '(unknown)'} failed: ${String(cause)}`);
    this.name = 'MigrationError';
  }
}

/** Applies every pending migration; throws MigrationError naming the one that failed. */
export async function migrateToLatest(database: Database): Promise<MigrationResult[]> {
  const { error, results = [] } = await migrator(database).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationError(failed?.migrationName, error);
  }
  return results;
}

export async function migrationStatus(database: Database): Promise<readonly MigrationInfo[]> {
  return migrator(database).getMigrations();
}

/**
 * True when some migration has not run. Reads Kysely's bookkeeping table
 * directly: the Migrator would first introspect every schema of the
 * database, which is slow and, on PostgreSQL, fails if another schema is
 * dropped meanwhile. Readiness probes call this often.
 */
export async function hasPendingMigrations(database: Database): Promise<boolean> {
  const known = Object.keys(migrations(database.dialect));
  let applied: Set<string>;
  try {
    const result = await sql<{ name: string }>`select name from kysely_migration`.execute(
      database.db,
    );
    applied = new Set(result.rows.map((row) => row.name));
  } catch (error) {
    if (isMissingTable(error)) return true;
    throw error;
  }
  return known.some((name) => !applied.has(name));
}

function isMissingTable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '42P01' || (typeof message === 'string' && message.includes('no such table'));
}
