import { Migrator } from 'kysely';
import type { Migration, MigrationInfo, MigrationProvider, MigrationResult } from 'kysely';

import type { Database, Dialect } from './database.ts';
import { academicStructure } from './migrations/0001-academic-structure.ts';
import { attendance } from './migrations/0002-attendance.ts';

/** Every migration, in order. Names sort in the order they must run. */
function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-academic-structure': academicStructure(dialect),
    '0002-attendance': attendance(dialect),
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

export async function hasPendingMigrations(database: Database): Promise<boolean> {
  const status = await migrationStatus(database);
  return status.some((migration) => migration.executedAt === undefined);
}
