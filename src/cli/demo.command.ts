import path from 'node:path';

import { SYSTEM_ACTOR } from '../auth/actor.ts';
import type { Config } from '../config/config.ts';
import { DemoNotEmptyError, loadDemoInstitution } from '../demo/demo-loader.ts';
import type { DemoSummary, ExistingRecords } from '../demo/demo-loader.ts';
import { systemClock } from '../platform/clock.ts';
import { hasPendingMigrations } from '../platform/db/migrate.ts';
import { createServices } from '../services.ts';
import type { Services } from '../services.ts';
import { CliError } from './cli-error.ts';
import type { Runtime } from './runtime.ts';

/** The address `omaum start` gives the first administrator when OMAUM_ADMIN_EMAIL is not set. */
const DEFAULT_ADMIN_EMAIL = 'admin@omaum.local';

interface AdminReminder {
  readonly email: string;
  /** False when `omaum start` has not created the administrator yet. */
  readonly exists: boolean;
}

/**
 * `omaum demo`: fills an empty database with the demo institution and prints
 * what it made. Refuses (exit 1, nothing written) when the database already
 * holds a course, a cohort or a student.
 */
export async function loadDemo(runtime: Runtime, isJson: boolean): Promise<void> {
  if (await hasPendingMigrations(runtime.database)) {
    throw new CliError('the database has pending migrations: run `omaum migrate latest` first');
  }
  const services = createServices({ ...runtime, clock: systemClock });
  const startedAt = performance.now();
  let summary: DemoSummary;
  try {
    summary = await loadDemoInstitution(services, {
      clock: systemClock,
      timeZone: runtime.config.timeZone,
    });
  } catch (error) {
    if (error instanceof DemoNotEmptyError) throw new CliError(refusal(error.existing, runtime));
    throw error;
  }
  const seconds = Math.round((performance.now() - startedAt) / 100) / 10;
  const admin = await adminReminder(services, runtime.config);

  if (isJson) {
    process.stdout.write(`${JSON.stringify({ ...summary, admin, seconds })}\n`);
    return;
  }
  const rows: [string, number][] = [
    ['courses', summary.courses],
    ['cohorts', summary.cohorts],
    ['students', summary.students],
    ['enrollments', summary.enrollments],
    ['activities', summary.activities],
    ['sessions', summary.sessions],
    ['marks', summary.marks],
  ];
  process.stdout.write(
    [
      `Demo institution loaded in ${seconds} s ` +
        `(attendance from ${summary.period.from} to ${summary.period.to}):`,
      ...rows.map(([label, count]) => `  ${label.padEnd(12)}${String(count).padStart(6)}`),
      adminText(admin, runtime.config),
      '',
    ].join('\n'),
  );
}

function refusal(existing: ExistingRecords, runtime: Runtime): string {
  const { config } = runtime;
  // A folder next to the current one, so the suggestion never names the folder in use.
  const fresh = path.relative(process.cwd(), `${config.dataDir}-demo`) || `${config.dataDir}-demo`;
  const where =
    config.database.dialect === 'sqlite'
      ? `Start from a fresh data folder instead, e.g.:\n` +
        `    OMAUM_DATA_DIR=${fresh} npx omaum migrate latest\n` +
        `    OMAUM_DATA_DIR=${fresh} npx omaum demo\n` +
        `  (this database is ${config.database.file})`
      : 'Point OMAUM_DATABASE_URL at an empty database, run `omaum migrate latest`, then ' +
        '`omaum demo`; or unset it and use a fresh OMAUM_DATA_DIR (SQLite).';
  return (
    `the database is not empty (${existing.courses} courses, ${existing.cohorts} cohorts, ` +
    `${existing.students} students): the demo only fills an empty database, ` +
    `and nothing was written.\n  ${where}`
  );
}

async function adminReminder(services: Services, config: Config): Promise<AdminReminder> {
  const admins = await services.users.list(
    SYSTEM_ACTOR,
    { role: 'admin', isActive: true },
    { limit: 1, offset: 0 },
  );
  const [admin] = admins.items;
  if (admin) return { email: admin.email, exists: true };
  return { email: config.adminEmail ?? DEFAULT_ADMIN_EMAIL, exists: false };
}

function adminText(admin: AdminReminder, config: Config): string {
  if (admin.exists) return `Sign in as ${admin.email}.`;
  const password =
    config.adminPassword === null
      ? 'prints a generated password once'
      : 'uses OMAUM_ADMIN_PASSWORD as its password';
  return (
    `Sign in as ${admin.email}: \`omaum start\` creates this administrator ` +
    `on its first run and ${password}.`
  );
}
