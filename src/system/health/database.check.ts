import { sql } from 'kysely';

import type { Database } from '../../platform/db/database.ts';
import { hasPendingMigrations } from '../../platform/db/migrate.ts';
import { combine, messageOf, roundMs, withTimeout } from './health-report.ts';
import type { Finding, HealthDeps } from './health-report.ts';

/**
 * The database answers within the probe timeout, every migration has run,
 * and (SQLite) `PRAGMA quick_check` finds the file sound. A database that
 * cannot be opened, reached or read fails.
 */
export async function checkDatabase(deps: HealthDeps): Promise<Finding> {
  const { database } = deps;
  if (database === null) {
    return { status: 'fail', reason: `não abre: ${messageOf(deps.databaseError)}` };
  }
  const timeoutMs = deps.probeTimeoutMs ?? 2000;

  const reach = await reachability(database, timeoutMs);
  if (reach.status === 'fail') return reach;
  const migrations = await pendingMigrations(database, timeoutMs);
  const integrity = await integrityOf(database);
  return combine([reach, migrations, integrity], {
    dialect: database.dialect,
    ...reach.details,
    ...migrations.details,
    ...integrity.details,
  });
}

async function reachability(database: Database, timeoutMs: number): Promise<Finding> {
  const startedAt = performance.now();
  try {
    await withTimeout(sql`select 1`.execute(database.db), timeoutMs);
  } catch (error) {
    return { status: 'fail', reason: `inacessível: ${messageOf(error)}` };
  }
  const latencyMs = roundMs(performance.now() - startedAt);
  return { status: 'pass', reason: `responde em ${latencyMs} ms`, details: { latencyMs } };
}

async function pendingMigrations(database: Database, timeoutMs: number): Promise<Finding> {
  if (!(await withTimeout(hasPendingMigrations(database), timeoutMs))) {
    return { status: 'pass', reason: 'migrações em dia', details: { isMigrated: true } };
  }
  return {
    status: 'fail',
    reason: 'há migrações pendentes: rode `omaum migrate` ou `omaum deploy setup`',
    details: { isMigrated: false },
  };
}

/** SQLite only; PostgreSQL guards its own pages and has no cheap equivalent. */
async function integrityOf(database: Database): Promise<Finding> {
  if (database.dialect !== 'sqlite') {
    return { status: 'pass', reason: 'integridade a cargo do PostgreSQL' };
  }
  const result = await sql<{ quick_check: string }>`pragma quick_check`.execute(database.db);
  const problems = result.rows.map((row) => Object.values(row)[0]).map(String);
  if (problems.length === 1 && problems[0] === 'ok') {
    return { status: 'pass', reason: 'integridade ok', details: { integrity: 'ok' } };
  }
  return {
    status: 'fail',
    reason: `integridade comprometida: ${problems.slice(0, 3).join('; ')}`,
    details: { integrity: problems },
  };
}
