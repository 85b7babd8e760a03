/**
 * PostgreSQL backups with the client tools: `pg_dump --format=custom`,
 * verified with `pg_restore --list`, restored with `pg_restore --clean`.
 * The tools must be on the PATH, at the server's major version or newer.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

import { BackupError } from './backup-error.ts';
import type { Inspection } from './sqlite-backup.ts';

const run = promisify(execFile);

export interface PostgresTarget {
  readonly url: string;
  /** Dump only this schema (tests, or an installation that shares its database). */
  readonly schema?: string | null;
}

export async function dumpPostgres(
  target: PostgresTarget,
  destination: string,
  signal?: AbortSignal,
): Promise<void> {
  const connection = connectionOf(target.url);
  const schema = target.schema ? [`--schema=${target.schema}`] : [];
  await runTool(
    'pg_dump',
    [
      '--format=custom',
      '--no-password',
      `--file=${destination}`,
      ...schema,
      `--dbname=${connection.uri}`,
    ],
    connection.env,
    signal,
  );
}

/**
 * Reads the dump's table of contents (`pg_restore --list`), then the whole
 * dump as SQL thrown away: the contents sit at the start of the file, so
 * only the second read notices damaged or missing data further on.
 */
export async function inspectPostgres(file: string): Promise<Inspection> {
  let listing: string;
  try {
    listing = await runTool('pg_restore', ['--list', file], {});
    await runTool('pg_restore', [`--file=${os.devNull}`, file], {});
  } catch (error) {
    return { problems: [(error as Error).message], tables: [] };
  }
  // TOC lines read `3352; 0 16389 TABLE DATA <schema> <table> <owner>`.
  const tables = listing
    .split('\n')
    .map((line) => /^\d+; \d+ \d+ TABLE DATA (\S+) (\S+) /.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ name: `${match[1] ?? ''}.${match[2] ?? ''}`, rows: null }));
  const problems = tables.some((table) => table.name.endsWith('.kysely_migration'))
    ? []
    : ['not an OMAUM database: the dump has no kysely_migration table'];
  return { problems, tables };
}

/**
 * Restores a dump into the target database in one transaction: objects of
 * the dump are dropped and created again, so a failure leaves the database
 * as it was. Objects that are not in the dump are left alone.
 */
export async function restorePostgres(target: PostgresTarget, file: string): Promise<void> {
  const connection = connectionOf(target.url);
  await runTool(
    'pg_restore',
    [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--single-transaction',
      '--exit-on-error',
      '--no-password',
      `--dbname=${connection.uri}`,
      file,
    ],
    connection.env,
  );
}

/** The URL without its password, which goes through the environment instead of `ps`. */
function connectionOf(url: string): { uri: string; env: Record<string, string> } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { uri: parsed.toString(), env: password ? { PGPASSWORD: password } : {} };
}

async function runTool(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
      ...(signal ? { signal } : {}),
    });
    return stdout;
  } catch (error) {
    throw toolError(command, error);
  }
}

function toolError(command: string, error: unknown): BackupError {
  const { code, stderr } = (error ?? {}) as { code?: unknown; stderr?: unknown };
  if (code === 'ENOENT') {
    return new BackupError(`${command} not found: install the PostgreSQL client tools`, {
      cause: error,
    });
  }
  const detail = typeof stderr === 'string' ? lastLines(stderr) : '';
  const reason = detail || (error instanceof Error ? error.message : String(error));
  return new BackupError(`${command} failed: ${reason}`, { cause: error });
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' ').trim();
}
