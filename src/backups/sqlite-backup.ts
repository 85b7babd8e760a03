/**
 * SQLite backups: SQLite's online backup API on a separate handle (the
 * application keeps working meanwhile), verification by opening the
 * copy, and restore by replacing the database file while OMAUM is stopped.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';

import SqliteDatabase from 'better-sqlite3';

import { BackupError } from './backup-error.ts';
import { sha256File } from './backup-files.ts';

export interface TableRows {
  readonly name: string;
  /** Null when the format cannot tell without restoring (pg_dump). */
  readonly rows: number | null;
}

/** What opening a backup found: no problems means it can be restored. */
export interface Inspection {
  readonly problems: readonly string[];
  readonly tables: readonly TableRows[];
}

// Pages copied per step (4 MiB with 4 KiB pages). The backup yields to the
// event loop between steps; a write by another connection restarts it, so
// steps are large enough for the application's database to finish between writes.
const PAGES_PER_STEP = 1024;

/** Copies the database at `databaseFile` into `destination`, a file that must not be in use. */
export async function dumpSqlite(
  databaseFile: string,
  destination: string,
  signal?: AbortSignal,
): Promise<void> {
  if (!existsSync(databaseFile)) throw new BackupError(`no database at ${databaseFile}`);

  // Read-write although it only reads: a read-only handle cannot clean up
  // after itself, and would leave -wal and -shm files behind when OMAUM is stopped.
  const source = new SqliteDatabase(databaseFile, { fileMustExist: true });
  try {
    await source.backup(destination, {
      progress: () => {
        if (signal?.aborted) throw new BackupError('the backup was cancelled');
        return PAGES_PER_STEP;
      },
    });
  } finally {
    source.close();
  }

  // The copy inherits WAL mode, and a read-only handle cannot open a WAL file
  // without its companions: make it one self-contained file.
  const copy = new SqliteDatabase(destination, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/** Opens a copy read-only, runs `pragma integrity_check` and counts the rows of every table. */
export function inspectSqlite(file: string): Inspection {
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    return { problems: [`cannot open the copy: ${messageOf(error)}`], tables: [] };
  }
  try {
    return inspectOpen(db);
  } catch (error) {
    // A damaged header only shows on the first read ("file is not a database").
    return { problems: [`cannot read the copy: ${messageOf(error)}`], tables: [] };
  } finally {
    db.close();
  }
}

function inspectOpen(db: SqliteDatabase.Database): Inspection {
  const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
  const damage = integrity.map((row) => row.integrity_check).filter((line) => line !== 'ok');
  if (damage.length > 0) {
    return { problems: damage.slice(0, 5).map((line) => `integrity check: ${line}`), tables: [] };
  }

  const names = db
    .prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' " +
        'order by name',
    )
    .pluck()
    .all() as string[];
  const tables = names.map((name) => ({
    name,
    rows: db
      .prepare(`select count(*) from "${name.replaceAll('"', '""')}"`)
      .pluck()
      .get() as number,
  }));
  const problems = names.includes('kysely_migration')
    ? []
    : ['not an OMAUM database: it has no kysely_migration table'];
  return { problems, tables };
}

/**
 * Replaces the database file with a verified backup. Refuses while any
 * process has the database open (see `assertNotInUse`). The replaced file is
 * kept beside it as `<database>.before-restore-<stamp>`; returns its path,
 * or null when there was no database yet.
 */
export async function restoreSqlite(
  backupFile: string,
  databaseFile: string,
  expectedDigest: string,
  stamp: string,
): Promise<string | null> {
  if (databaseFile === ':memory:') throw new BackupError('cannot restore into :memory:');
  assertNotInUse(databaseFile);

  const incoming = `${databaseFile}.restoring`;
  await fs.copyFile(backupFile, incoming);
  await fsyncFile(incoming);
  if ((await sha256File(incoming)) !== expectedDigest) {
    await fs.rm(incoming, { force: true });
    throw new BackupError('the copied backup differs from the verified one; nothing was changed');
  }

  const previous = existsSync(databaseFile) ? `${databaseFile}.before-restore-${stamp}` : null;
  if (previous) await keepCopy(databaseFile, previous);
  // rename() replaces the file in one step: the database is either the old or the new one.
  await fs.rename(incoming, databaseFile);
  return previous;
}

/**
 * SQLite cannot tell who has a file open, so two signs are read:
 * - a writer holds the lock: `begin exclusive` fails at once with SQLITE_BUSY;
 * - in WAL mode (how OMAUM opens it), the last connection to close removes
 *   the `-wal` and `-shm` files. Ours closes; if they remain, another process
 *   still has the database open, even idle.
 * Replacing the file under a running OMAUM would let it write into the old
 * file, or apply its old WAL to the new one and corrupt it.
 */
export function assertNotInUse(databaseFile: string): void {
  if (!existsSync(databaseFile)) return;

  const probe = new SqliteDatabase(databaseFile, { fileMustExist: true, timeout: 0 });
  try {
    probe.exec('begin exclusive');
    probe.exec('rollback');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
    throw new BackupError(`${databaseFile} is locked by a writer: stop OMAUM before restoring`);
  } finally {
    probe.close();
  }

  const companions = ['-wal', '-shm'].filter((suffix) => existsSync(`${databaseFile}${suffix}`));
  if (companions.length > 0) {
    throw new BackupError(
      `${databaseFile} is open in another process (${companions.join(', ')} remain): ` +
        'stop OMAUM before restoring',
    );
  }
}

async function keepCopy(file: string, copy: string): Promise<void> {
  try {
    await fs.link(file, copy);
  } catch {
    // Some file systems have no hard links.
    await fs.copyFile(file, copy);
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
