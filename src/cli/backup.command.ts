/**
 * `omaum backup create|list|verify|restore`. These commands do not open the
 * database through the runtime: a restore must find the SQLite file closed
 * by everyone, this process included, and the others copy it from a
 * separate handle or through pg_dump.
 */
import { BackupError, backupServiceFor } from '../backups/backup.service.ts';
import type { BackupEntry, BackupService, VerifyReport } from '../backups/backup.service.ts';
import { loadConfig } from '../config/config.ts';
import type { Config } from '../config/config.ts';
import { CACHE_KEY_PREFIX } from '../platform/cache/create-cache.ts';
import { RedisStore } from '../platform/cache/redis-cache.ts';
import { createLogger } from '../platform/logging/logger.ts';
import type { Logger } from '../platform/logging/logger.ts';
import { CliError, reportError } from './cli-error.ts';

/** Runs one backup command; any failure is reported on stderr and sets exit code 1. */
export async function runBackupCommand(
  task: (service: BackupService, context: { config: Config; logger: Logger }) => Promise<void>,
): Promise<void> {
  try {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, destination: process.stderr });
    await task(backupServiceFor(config, logger), { config, logger });
  } catch (error) {
    // A BackupError says what to do; its stack would only hide that.
    reportError(error instanceof BackupError ? new CliError(error.message) : error);
    process.exitCode = 1;
  }
}

export async function createBackup(service: BackupService, isJson: boolean): Promise<void> {
  const entry = await service.create();
  write(isJson ? json(entry) : `created ${entry.path} (${formatBytes(entry.sizeBytes)})\n`);
}

export async function listBackups(
  service: BackupService,
  options: { isJson: boolean; isChecksumChecked: boolean },
): Promise<void> {
  const items = await service.list({ isChecksumChecked: options.isChecksumChecked });
  if (options.isJson) {
    write(json({ items, total: items.length, backupsDir: service.backupsDir }));
    return;
  }
  if (items.length === 0) {
    write(`no backups in ${service.backupsDir}\n`);
    return;
  }
  write(items.map(formatEntry).join(''));
}

/** Verifies one backup, by default the newest; exits 1 when it is not good. */
export async function verifyBackup(
  service: BackupService,
  file: string | undefined,
  isJson: boolean,
): Promise<void> {
  const target = file ?? (await newestBackup(service));
  const report = await service.verify(target);
  write(isJson ? json(report) : formatVerification(report));
  if (!report.isOk) process.exitCode = 1;
}

export async function restoreBackup(
  service: BackupService,
  file: string,
  options: {
    isJson: boolean;
    isConfirmed: boolean;
    /** Empties the shared (Redis) cache; absent when the cache lives in each process. */
    clearCache?: () => Promise<number>;
  },
): Promise<void> {
  if (!options.isConfirmed) {
    throw new CliError(
      'restore replaces the whole database with the backup; stop OMAUM, then run again with --yes',
    );
  }
  const report = await service.restore(file);
  // The restored database has older cache versions; values cached since the backup was
  // taken sit under the numbers it will reach again, so they must go.
  let cacheCleared: number | null = null;
  let cacheError: string | null = null;
  if (options.clearCache) {
    try {
      cacheCleared = await options.clearCache();
    } catch (error) {
      cacheError = error instanceof Error ? error.message : String(error);
      process.exitCode = 1;
    }
  }
  if (options.isJson) {
    write(json({ ...report, cacheCleared, cacheError }));
    return;
  }
  const kept = report.previousDatabase
    ? `; the replaced database is kept at ${report.previousDatabase}`
    : '';
  write(`restored ${report.file} into ${report.target}${kept}\n`);
  if (cacheCleared !== null) write(`cache: ${cacheCleared} values removed from Redis\n`);
  if (cacheError !== null) {
    process.stderr.write(
      `the Redis cache could not be emptied (${cacheError}): sheets may show numbers from ` +
        'after the backup; delete the keys omaum:cache:* before starting OMAUM\n',
    );
  }
}

/**
 * What empties the shared cache after a restore: with OMAUM_REDIS_URL, the
 * Redis keys of the cache; without it there is nothing to do, each process
 * keeps its own cache in memory and a restore needs them stopped anyway.
 */
export function sharedCacheClearer(
  config: Config,
  logger: Logger,
): (() => Promise<number>) | undefined {
  const { redisUrl } = config;
  if (redisUrl === null) return undefined;
  return async () => {
    const store = new RedisStore({ url: redisUrl, prefix: CACHE_KEY_PREFIX, logger });
    try {
      return await store.clear();
    } finally {
      await store.close();
    }
  };
}

async function newestBackup(service: BackupService): Promise<string> {
  const [newest] = await service.list({ isChecksumChecked: false });
  if (!newest) throw new CliError(`no backups in ${service.backupsDir}`);
  return newest.path;
}

function formatEntry(entry: BackupEntry): string {
  const size = formatBytes(entry.sizeBytes).padStart(10);
  return `${entry.file}  ${size}  ${entry.createdAt}  checksum ${entry.checksum}\n`;
}

function formatVerification(report: VerifyReport): string {
  if (!report.isOk) {
    return `${report.file}: FAILED\n${report.problems.map((line) => `  - ${line}\n`).join('')}`;
  }
  const rows = report.tables.reduce((sum, table) => sum + (table.rows ?? 0), 0);
  const counted = report.tables.some((table) => table.rows !== null) ? `, ${rows} rows` : '';
  return `${report.file}: ok (checksum ok, ${report.tables.length} tables${counted})\n`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit] ?? 'TiB'}`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

function write(text: string): void {
  process.stdout.write(text);
}
