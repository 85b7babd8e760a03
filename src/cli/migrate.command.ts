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

export async function showMigrationStatus(runtime: Runtime, isJson: boolean): Promise<boolean> {
  const status = await migrationStatus(runtime.database);
  const rows = status.map((m) => ({
    name: m.name,
    executedAt: m.executedAt?.toISOString() ?? null,
  }));
  if (isJson) {
    process.stdout.write(`${JSON.stringify({ migrations: rows })}\n`);
  } else {
    for (const row of rows)
      process.stdout.write(`${row.executedAt ? 'applied' : 'pending'}  ${row.name}\n`);
  }
  return rows.every((row) => row.executedAt !== null);
}
