import { migrateToLatest, migrationStatus } from '../platform/db/migrate.ts';
import type { Runtime } from './runtime.ts';

export async function migrateLatest(runtime: Runtime, isJson: boolean): Promise<void> {
  const results = await migrateToLatest(runtime.database);
  const applied = results.map((result) => result.migrationName);
  if (isJson) {
    process.stdout.write(`${JSON.stringify({ applied })}\n`);
    return;
  }
  process.stdout.write(
    applied.length === 0
      ? 'Nothing to migrate.\n'
      : applied.map((name) => `applied ${name}\n`).join(''),
  );
}

/** Prints every migration with its state; resolves to false when some are pending. */
export async function showMigrationStatus(runtime: Runtime, isJson: boolean): Promise<boolean> {
  const status = await migrationStatus(runtime.database);
  const rows = status.map((migration) => ({
    name: migration.name,
    executedAt: migration.executedAt?.toISOString() ?? null,
  }));
  const pending = rows.filter((row) => row.executedAt === null).length;
  if (isJson) {
    process.stdout.write(`${JSON.stringify({ migrations: rows, pending })}\n`);
  } else {
    for (const row of rows) {
      process.stdout.write(`${row.executedAt === null ? 'pending' : 'applied'}  ${row.name}\n`);
    }
  }
  return pending === 0;
}
