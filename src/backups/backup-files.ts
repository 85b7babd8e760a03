/**
 * Names, checksums and listing of the files in the backups folder. A backup
 * is `omaum-YYYYMMDD-HHMMSS[-N].sqlite` (SQLite) or `.dump` (pg_dump custom
 * format), stamped in UTC, with `<name>.sha256` beside it in the format of
 * `sha256sum`, so that `sha256sum -c` checks it without OMAUM.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export type BackupKind = 'sqlite' | 'postgres';

/** `unchecked`: the listing was asked not to read the files. */
export type ChecksumStatus = 'ok' | 'mismatch' | 'missing' | 'unchecked';

export interface BackupName {
  readonly file: string;
  readonly kind: BackupKind;
  readonly createdAt: Date;
  /** Tells apart backups taken in the same second (0 for the first). */
  readonly sequence: number;
}

const EXTENSIONS: Record<BackupKind, string> = { sqlite: '.sqlite', postgres: '.dump' };
const NAME = /^omaum-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d+))?\.(sqlite|dump)$/;

export const CHECKSUM_SUFFIX = '.sha256';
export const PARTIAL_SUFFIX = '.partial';

/** `omaum-20260315-030000.sqlite`; `sequence` > 0 tells apart backups of the same second. */
export function backupFileName(kind: BackupKind, at: Date, sequence = 0): string {
  return `omaum-${fileStamp(at)}${sequence > 0 ? `-${sequence}` : ''}${EXTENSIONS[kind]}`;
}

/** `YYYYMMDD-HHMMSS` in UTC, for file names. */
export function fileStamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** What a backup's name says, or null for any other file. */
export function parseBackupName(file: string): BackupName | null {
  const match = NAME.exec(file);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const createdAt = new Date(
    Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0),
  );
  if (Number.isNaN(createdAt.getTime())) return null;
  const sequence = Number(match[7] ?? 0);
  return { file, kind: match[8] === 'dump' ? 'postgres' : 'sqlite', createdAt, sequence };
}

/** Orders backups newest first. */
export function newestFirst(a: BackupName, b: BackupName): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || b.sequence - a.sequence;
}

/** The kind of a backup file by its extension, whatever its name. */
export function backupKindOf(file: string): BackupKind | null {
  if (file.endsWith(EXTENSIONS.sqlite)) return 'sqlite';
  if (file.endsWith(EXTENSIONS.postgres)) return 'postgres';
  return null;
}

/** The backups in a folder, newest first; a missing folder has none. */
export async function readBackupNames(dir: string): Promise<BackupName[]> {
  const files = await fs.readdir(dir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  });
  return files
    .map(parseBackupName)
    .filter((name): name is BackupName => name !== null)
    .sort(newestFirst);
}

/** SHA-256 of a file, hex, read as a stream (backups may be large). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `<file>.sha256` for a digest computed before the file got its final name. */
export async function writeChecksum(file: string, digest: string): Promise<void> {
  const target = `${file}${CHECKSUM_SUFFIX}`;
  const partial = `${target}${PARTIAL_SUFFIX}`;
  await fs.writeFile(partial, `${digest}  ${path.basename(file)}\n`);
  await fs.rename(partial, target);
}

/** The digest recorded beside a file, or null when there is none. */
export async function readChecksum(file: string): Promise<string | null> {
  try {
    const content = await fs.readFile(`${file}${CHECKSUM_SUFFIX}`, 'utf8');
    const digest = content.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    return /^[0-9a-f]{64}$/.test(digest) ? digest : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Compares a file with its recorded digest; gives the digest read when it matches. */
export async function checkChecksum(
  file: string,
): Promise<{ status: ChecksumStatus; digest: string | null }> {
  const recorded = await readChecksum(file);
  if (recorded === null) return { status: 'missing', digest: null };
  const actual = await sha256File(file);
  return actual === recorded
    ? { status: 'ok', digest: actual }
    : { status: 'mismatch', digest: null };
}

/** Removes a backup and its checksum; a file already gone is not an error. */
export async function removeBackup(file: string): Promise<void> {
  await fs.rm(file, { force: true });
  await fs.rm(`${file}${CHECKSUM_SUFFIX}`, { force: true });
}
