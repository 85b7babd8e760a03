/**
 * Backups of the application database: create, list, verify, apply the
 * retention rule (see `retention.ts`) and restore. Used by the
 * `maintenance.backup` job (`runScheduled`) and by `omaum backup`.
 *
 * The files live in `<dataDir>/backups`; they and their `.sha256` files are
 * the whole record (no table: a restored database would carry a stale one).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

import type { Config, DatabaseTarget } from '../config/config.ts';
import type { Clock } from '../platform/clock.ts';
import { systemClock } from '../platform/clock.ts';
import type { Logger } from '../platform/logging/logger.ts';
import { BackupError } from './backup-error.ts';
import {
  backupFileName,
  backupKindOf,
  checkChecksum,
  fileStamp,
  PARTIAL_SUFFIX,
  parseBackupName,
  readBackupNames,
  removeBackup,
  sha256File,
  writeChecksum,
} from './backup-files.ts';
import type { BackupKind, BackupName, ChecksumStatus } from './backup-files.ts';
import { dumpPostgres, inspectPostgres, restorePostgres } from './postgres-backup.ts';
import { backupsToKeep, DEFAULT_RETENTION } from './retention.ts';
import type { RetentionRule } from './retention.ts';
import { dumpSqlite, inspectSqlite, restoreSqlite } from './sqlite-backup.ts';
import type { Inspection, TableRows } from './sqlite-backup.ts';

export { BackupError } from './backup-error.ts';
export type { BackupKind, ChecksumStatus } from './backup-files.ts';
export type { RetentionRule } from './retention.ts';
export type { TableRows } from './sqlite-backup.ts';

export interface BackupServiceOptions {
  readonly target: DatabaseTarget;
  /** PostgreSQL only: back up this schema alone instead of the whole database. */
  readonly schema?: string | null;
  readonly backupsDir: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly retention?: Partial<RetentionRule>;
}

export interface BackupEntry {
  /** The file name, e.g. `omaum-20260315-030000.sqlite`. */
  readonly file: string;
  readonly path: string;
  readonly kind: BackupKind;
  /** When it was taken (ISO-8601 UTC), read from the name. */
  readonly createdAt: string;
  readonly sizeBytes: number;
  readonly checksum: ChecksumStatus;
}

export interface VerifyReport {
  readonly file: string;
  readonly path: string;
  readonly isOk: boolean;
  readonly checksum: ChecksumStatus;
  /** The SHA-256 of the file, hex, when it matches its checksum file. */
  readonly sha256: string | null;
  /** Empty when the backup is good. */
  readonly problems: readonly string[];
  readonly tables: readonly TableRows[];
}

export interface RetentionReport {
  readonly kept: readonly string[];
  readonly deleted: readonly string[];
}

export interface RestoreReport {
  readonly file: string;
  /** Where the backup went, without credentials. */
  readonly target: string;
  /** SQLite: where the replaced database file was kept; null otherwise. */
  readonly previousDatabase: string | null;
  readonly verification: VerifyReport;
}

export interface ScheduledBackupReport {
  readonly backup: BackupEntry;
  readonly verification: VerifyReport;
  readonly retention: RetentionReport;
}

// Left by a backup that crashed; a running backup never takes this long.
const STALE_PARTIAL_MS = 24 * 60 * 60 * 1000;

/** The service for the configured database, keeping backups in `<dataDir>/backups`. */
export function backupServiceFor(config: Config, logger: Logger): BackupService {
  return new BackupService({
    target: config.database,
    backupsDir: path.join(config.dataDir, 'backups'),
    logger,
  });
}

export class BackupService {
  readonly backupsDir: string;
  private readonly clock: Clock;
  private readonly rule: RetentionRule;

  constructor(private readonly options: BackupServiceOptions) {
    this.backupsDir = path.resolve(options.backupsDir);
    this.clock = options.clock ?? systemClock;
    this.rule = { ...DEFAULT_RETENTION, ...options.retention };
  }

  /** What the daily job runs: a backup, verified by opening it, then the retention rule. */
  async runScheduled(signal?: AbortSignal): Promise<ScheduledBackupReport> {
    const backup = await this.create(signal);
    const verification = await this.verify(backup.path);
    if (!verification.isOk) {
      // A backup that does not open must not count towards retention.
      await removeBackup(backup.path);
      throw new BackupError(
        `the new backup ${backup.file} failed verification and was removed: ` +
          verification.problems.join('; '),
      );
    }
    const retention = await this.applyRetention();
    return { backup, verification, retention };
  }

  /** Takes a backup and writes its checksum. The database stays online meanwhile. */
  async create(signal?: AbortSignal): Promise<BackupEntry> {
    const startedAt = Date.now();
    const kind: BackupKind = this.options.target.dialect;
    const file = await this.reserveName(kind);
    const partial = `${file}${PARTIAL_SUFFIX}`;

    try {
      await this.dump(partial, signal);
      const digest = await sha256File(partial);
      await fs.rename(partial, file);
      await writeChecksum(file, digest);
    } catch (error) {
      await fs.rm(partial, { force: true });
      await removeBackup(file);
      throw error instanceof BackupError
        ? error
        : new BackupError(`the backup failed: ${messageOf(error)}`, { cause: error });
    }

    const entry = await this.entryOf(file, 'ok');
    const durationMs = Date.now() - startedAt;
    this.options.logger.info(
      { backup: entry.file, sizeBytes: entry.sizeBytes, durationMs },
      'backup created',
    );
    return entry;
  }

  /** The backups in the folder, newest first; `isChecksumChecked` false skips reading them. */
  async list(options: { isChecksumChecked?: boolean } = {}): Promise<BackupEntry[]> {
    const names = await readBackupNames(this.backupsDir);
    const entries: BackupEntry[] = [];
    for (const name of names) {
      const file = path.join(this.backupsDir, name.file);
      const status =
        (options.isChecksumChecked ?? true) ? (await checkChecksum(file)).status : 'unchecked';
      entries.push(await this.entryOf(file, status));
    }
    return entries;
  }

  /**
   * Recomputes the checksum and opens the copy: SQLite runs its integrity
   * check and counts the rows of every table; a PostgreSQL dump must list its
   * contents with `pg_restore --list` and read to the end. `file` is a name in
   * the backups folder or a path. Throws BackupError only when there is no
   * such file or it is not a backup; a bad backup gives `isOk: false`.
   */
  async verify(file: string): Promise<VerifyReport> {
    const backupPath = this.resolve(file);
    const kind = kindOrThrow(backupPath);

    const checksum = await checkChecksum(backupPath);
    const inspection: Inspection =
      kind === 'sqlite' ? inspectSqlite(backupPath) : await inspectPostgres(backupPath);
    const problems = [...checksumProblems(checksum.status), ...inspection.problems];

    const report: VerifyReport = {
      file: path.basename(backupPath),
      path: backupPath,
      isOk: problems.length === 0,
      checksum: checksum.status,
      sha256: checksum.digest,
      problems,
      tables: inspection.tables,
    };
    this.logVerification(report);
    return report;
  }

  /** Deletes the backups the retention rule does not keep, with their checksums. */
  async applyRetention(): Promise<RetentionReport> {
    const names = await readBackupNames(this.backupsDir);
    const keep = backupsToKeep(names, this.clock.now(), this.rule);
    const deleted = names.filter((name) => !keep.has(name.file)).map((name) => name.file);

    for (const file of deleted) await removeBackup(path.join(this.backupsDir, file));
    await this.removeStalePartials();
    if (deleted.length > 0) this.options.logger.info({ deleted }, 'old backups deleted');
    return { kept: names.map((name) => name.file).filter((file) => keep.has(file)), deleted };
  }

  /**
   * Verifies the backup, then restores it. SQLite: OMAUM must be stopped (a
   * database still open elsewhere is refused) and the replaced file is kept.
   * PostgreSQL: `pg_restore --clean` into the configured database, in one
   * transaction. Throws BackupError when the backup is not good.
   */
  async restore(file: string): Promise<RestoreReport> {
    const verification = await this.verify(file);
    if (!verification.isOk) {
      throw new BackupError(
        `${verification.file} failed verification; nothing was restored: ` +
          verification.problems.join('; '),
      );
    }
    const kind = kindOrThrow(verification.path);
    const target = this.options.target;
    if (kind !== target.dialect) {
      throw new BackupError(
        `${verification.file} is a ${kind} backup; the database is ${target.dialect}`,
      );
    }

    const previousDatabase = await this.restoreFile(verification);
    const report = {
      file: verification.file,
      target: describeTarget(target),
      previousDatabase,
      verification,
    };
    this.options.logger.info({ backup: report.file, previousDatabase }, 'backup restored');
    return report;
  }

  /** A name in the backups folder, or a path (relative to the working folder). */
  resolve(file: string): string {
    const candidate =
      path.basename(file) === file ? path.join(this.backupsDir, file) : path.resolve(file);
    if (!existsSync(candidate)) throw new BackupError(`no backup at ${candidate}`);
    return candidate;
  }

  private async dump(destination: string, signal?: AbortSignal): Promise<void> {
    const target = this.options.target;
    if (target.dialect === 'postgres') {
      await dumpPostgres({ url: target.url, schema: this.options.schema }, destination, signal);
      return;
    }
    if (target.file === ':memory:') throw new BackupError('an in-memory database has no backup');
    await dumpSqlite(target.file, destination, signal);
  }

  private async restoreFile(verification: VerifyReport): Promise<string | null> {
    const target = this.options.target;
    if (target.dialect === 'postgres') {
      await restorePostgres({ url: target.url, schema: this.options.schema }, verification.path);
      return null;
    }
    if (verification.sha256 === null) throw new BackupError('the backup has no valid checksum');
    const stamp = fileStamp(this.clock.now());
    return restoreSqlite(verification.path, target.file, verification.sha256, stamp);
  }

  /**
   * Picks the name for a new backup and creates its partial file at once
   * (exclusive create), so two backups in the same second never share a name.
   */
  private async reserveName(kind: BackupKind): Promise<string> {
    await fs.mkdir(this.backupsDir, { recursive: true });
    const now = this.clock.now();
    for (let sequence = 0; ; sequence += 1) {
      const file = path.join(this.backupsDir, backupFileName(kind, now, sequence));
      if (existsSync(file)) continue;
      try {
        await (await fs.open(`${file}${PARTIAL_SUFFIX}`, 'wx')).close();
        return file;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  private async entryOf(file: string, checksum: ChecksumStatus): Promise<BackupEntry> {
    const name: BackupName | null = parseBackupName(path.basename(file));
    const stat = await fs.stat(file);
    return {
      file: path.basename(file),
      path: file,
      kind: name?.kind ?? kindOrThrow(file),
      createdAt: (name?.createdAt ?? stat.mtime).toISOString(),
      sizeBytes: stat.size,
      checksum,
    };
  }

  private async removeStalePartials(): Promise<void> {
    const files = await fs.readdir(this.backupsDir).catch(() => [] as string[]);
    const cutoff = this.clock.now().getTime() - STALE_PARTIAL_MS;
    for (const file of files.filter((name) => name.endsWith(PARTIAL_SUFFIX))) {
      const full = path.join(this.backupsDir, file);
      const stat = await fs.stat(full).catch(() => null);
      if (stat && stat.mtimeMs < cutoff) await fs.rm(full, { force: true });
    }
  }

  private logVerification(report: VerifyReport): void {
    if (report.isOk) {
      this.options.logger.info({ backup: report.file }, 'backup verified');
      return;
    }
    this.options.logger.error(
      { backup: report.file, problems: report.problems },
      'backup failed verification',
    );
  }
}

function kindOrThrow(file: string): BackupKind {
  const kind = backupKindOf(file);
  if (kind === null) throw new BackupError(`${file} is not a backup (.sqlite or .dump)`);
  return kind;
}

function checksumProblems(status: ChecksumStatus): string[] {
  if (status === 'missing') return ['no checksum file (.sha256) beside the backup'];
  if (status === 'mismatch') return ['the checksum does not match: the file changed or is damaged'];
  return [];
}

function describeTarget(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return `sqlite:${target.file}`;
  const url = new URL(target.url);
  return `postgres://${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
