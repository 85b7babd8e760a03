/**
 * `omaum deploy setup`: everything a host needs before `deploy start`, each
 * step safe to repeat. The configuration was already checked for its
 * environment when it was loaded (production refuses weak settings).
 */
import fs from 'node:fs';
import path from 'node:path';

import { sql } from 'kysely';

import type { Config } from '../../config/config.ts';
import { defaultSchedules } from '../../jobs/job-handlers.ts';
import { systemClock } from '../../platform/clock.ts';
import { openDatabase } from '../../platform/db/database.ts';
import type { Database } from '../../platform/db/database.ts';
import { ensureIndexes } from '../../platform/db/indexes.ts';
import type { IndexReport } from '../../platform/db/indexes.ts';
import { migrateToLatest } from '../../platform/db/migrate.ts';
import { createJobBackend } from '../../platform/jobs/jobs.ts';
import type { Logger } from '../../platform/logging/logger.ts';
import { createServices } from '../../services.ts';
import { buildHealthReport, openHealthDeps } from '../health/health.ts';
import type { HealthReport } from '../health/health-report.ts';
import { logsDir, runDir } from './process-records.ts';

export interface SetupReport {
  readonly dataDir: string;
  readonly folders: readonly string[];
  readonly appliedMigrations: readonly string[];
  /** The migrations' indexes checked against the database, after migrating. */
  readonly indexes: IndexReport;
  readonly isAnalyzed: boolean;
  /** The administrator created now; null when users existed already. */
  readonly admin: { readonly email: string; readonly generatedPassword: string | null } | null;
  readonly schedules: readonly string[];
  readonly health: HealthReport;
}

export async function deploySetup(config: Config, logger: Logger): Promise<SetupReport> {
  const folders = createFolders(config.dataDir);
  const database = openDatabase(config.database);
  let steps: Omit<SetupReport, 'dataDir' | 'folders' | 'health'>;
  try {
    steps = await prepareDatabase(config, database, logger);
  } finally {
    await database.close();
  }
  const health = await runHealth(config, logger);
  return { dataDir: config.dataDir, folders, ...steps, health };
}

function createFolders(dataDir: string): string[] {
  const folders = [
    dataDir,
    path.join(dataDir, 'backups'),
    path.join(dataDir, 'exports'),
    path.join(dataDir, 'outbox'),
    logsDir(dataDir),
    runDir(dataDir),
  ];
  for (const folder of folders) fs.mkdirSync(folder, { recursive: true });
  return folders;
}

async function prepareDatabase(
  config: Config,
  database: Database,
  logger: Logger,
): Promise<Omit<SetupReport, 'dataDir' | 'folders' | 'health'>> {
  // The indexes come with the migrations, but one dropped by hand (or left INVALID by a
  // failed build) goes unnoticed: put them back, then give the planner fresh statistics.
  const applied = await migrateToLatest(database);
  const indexes = await ensureIndexes(database);
  await sql`analyze`.execute(database.db);

  const services = createServices({ config, database, logger, clock: systemClock });
  const admin = await services.users
    .ensureInitialAdmin({ email: config.adminEmail, password: config.adminPassword })
    .finally(() => services.cache.close());

  const backend = await createJobBackend({ config, database, logger });
  const schedules = defaultSchedules(config);
  try {
    for (const schedule of schedules) await backend.queue.upsertSchedule(schedule);
  } finally {
    await backend.close();
  }
  return {
    appliedMigrations: applied.map((result) => result.migrationName),
    indexes,
    isAnalyzed: true,
    admin,
    schedules: schedules.map((schedule) => schedule.id),
  };
}

async function runHealth(config: Config, logger: Logger): Promise<HealthReport> {
  const deps = await openHealthDeps(config, logger);
  try {
    return await buildHealthReport(deps);
  } finally {
    await deps.close();
  }
}
