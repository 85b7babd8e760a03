/**
 * Building a health report: the checks by name, and what they read, as the
 * CLI opens it (`openHealthDeps`) or as a running web process already has it.
 */
import path from 'node:path';

import { BackupService } from '../../backups/backup.service.ts';
import { checkChecksum } from '../../backups/backup-files.ts';
import type { Config } from '../../config/config.ts';
import type { Cache } from '../../platform/cache/cache.ts';
import { createCache } from '../../platform/cache/create-cache.ts';
import { openDatabase } from '../../platform/db/database.ts';
import type { Database } from '../../platform/db/database.ts';
import type { JobBackend } from '../../platform/jobs/job-queue.ts';
import { createJobBackend } from '../../platform/jobs/jobs.ts';
import type { Logger } from '../../platform/logging/logger.ts';
import { checkCache } from './cache.check.ts';
import { checkDatabase } from './database.check.ts';
import { runHealthChecks, withTimeout } from './health-report.ts';
import type {
  BackupLister,
  CheckName,
  HealthCheck,
  HealthDeps,
  HealthReport,
} from './health-report.ts';
import { checkPerformance } from './performance.check.ts';
import { checkQueue } from './queue.check.ts';
import { checkSecurity } from './security.check.ts';
import { checkSystem } from './system.check.ts';

export const HEALTH_CHECKS: ReadonlyMap<CheckName, HealthCheck> = new Map<CheckName, HealthCheck>([
  ['database', checkDatabase],
  ['cache', checkCache],
  ['queue', checkQueue],
  ['performance', checkPerformance],
  ['security', checkSecurity],
  ['system', checkSystem],
]);

export function buildHealthReport(
  deps: HealthDeps,
  names?: readonly CheckName[],
): Promise<HealthReport> {
  return runHealthChecks(deps, HEALTH_CHECKS, names);
}

/**
 * The newest backup in `<dataDir>/backups` whose checksum still matches.
 * Backups the daily job takes are opened and checked before they are kept,
 * so a matching checksum is a verified copy. Only the newest are read.
 */
export function backupListerFor(config: Config, logger: Logger): BackupLister {
  const service = new BackupService({
    target: config.database,
    backupsDir: path.join(config.dataDir, 'backups'),
    logger,
  });
  return {
    async newestVerified() {
      const entries = await service.list({ isChecksumChecked: false });
      for (const entry of entries.slice(0, 3)) {
        if ((await checkChecksum(entry.path)).status === 'ok') return entry;
      }
      return null;
    },
  };
}

/** What `omaum health` opened; `close()` releases it all, never hanging on a dead peer. */
export interface OpenedHealthDeps extends HealthDeps {
  close(): Promise<void>;
}

// Closing a connection to a Redis that went away can wait forever: give up after this.
const CLOSE_TIMEOUT_MS = 3000;

/**
 * Opens the database, the job backend and the cache the configuration names.
 * Whatever fails to open is recorded for its check to report, not thrown.
 */
export async function openHealthDeps(config: Config, logger: Logger): Promise<OpenedHealthDeps> {
  let database: Database | null = null;
  let databaseError: unknown;
  try {
    database = openDatabase(config.database);
  } catch (error) {
    databaseError = error;
  }
  const backend = await openBackend(config, database, logger);
  const cache = openCache(config, database, logger);

  return {
    config,
    database,
    databaseError,
    queueKind: config.queueBackend,
    queue: backend.value?.queue ?? null,
    queueError: backend.error,
    cache: cache.value,
    cacheError: cache.error,
    backups: backupListerFor(config, logger),
    now: () => new Date(),
    close: async () => {
      const closing = [backend.value, cache.value, database].map((it) =>
        it ? it.close() : Promise.resolve(),
      );
      await withTimeout(Promise.allSettled(closing), CLOSE_TIMEOUT_MS).catch(() => undefined);
    },
  };
}

interface Opened<T> {
  readonly value: T | null;
  readonly error?: unknown;
}

async function openBackend(
  config: Config,
  database: Database | null,
  logger: Logger,
): Promise<Opened<JobBackend>> {
  if (database === null && config.queueBackend === 'embedded') {
    return { value: null, error: new Error('a fila embutida vive no banco, que não abre') };
  }
  try {
    // The embedded backend never touches `database` when it is null (bullmq only reads config).
    const value = await createJobBackend({ config, database: database as Database, logger });
    return { value };
  } catch (error) {
    return { value: null, error };
  }
}

function openCache(config: Config, database: Database | null, logger: Logger): Opened<Cache> {
  if (database === null) {
    return { value: null, error: new Error('as versões do cache vivem no banco, que não abre') };
  }
  try {
    return { value: createCache({ config, db: database.db, logger }) };
  } catch (error) {
    return { value: null, error };
  }
}
