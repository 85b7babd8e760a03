import { sql } from 'kysely';

import type { Database } from '../../src/platform/db/database.ts';

// Using a token stamps `last_used_at`; the migrator's own tables are not data; a refused
// request is itself a security event (a 403 is recorded in `security_events`).
const IGNORED = new Set([
  'api_tokens',
  'kysely_migration',
  'kysely_migration_lock',
  'security_events',
]);

async function tableNames(database: Database): Promise<string[]> {
  const query =
    database.dialect === 'postgres'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`
      : sql<{ name: string }>`select name from sqlite_master
          where type = 'table' and name not like 'sqlite_%'`;
  const result = await query.execute(database.db);
  return result.rows
    .map((row) => row.name)
    .filter((name) => !IGNORED.has(name))
    .sort();
}

/** Every row of every table, to prove that a refused request wrote nothing. */
export async function snapshotTables(database: Database): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const name of await tableNames(database)) {
    const result = await sql`select * from ${sql.table(name)} order by 1`.execute(database.db);
    snapshot[name] = result.rows;
  }
  return snapshot;
}
