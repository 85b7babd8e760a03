import fs from 'node:fs';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { CamelCasePlugin, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { KyselyPlugin, LogEvent, Transaction } from 'kysely';
import pg from 'pg';

import type { DatabaseTarget } from '../../config/config.ts';
import { observeQuery } from '../monitoring/query-context.ts';
import { SqliteBooleanPlugin, wrapSqliteBindings } from './sqlite-compat.ts';
import type { DB } from './tables.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Anything a repository can run queries on: the database or a transaction. */
export type Queryable = Kysely<DB>;

export interface Database {
  readonly db: Db;
  readonly dialect: Dialect;
  /** A short description for logs, without credentials. */
  readonly description: string;
  /** PostgreSQL schema the connection works in, when not the default. */
  readonly schema: string | null;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL only: the schema to use (tests give each run its own). */
  readonly schema?: string;
  readonly poolSize?: number;
  /**
   * Receives every query event. Default: the monitoring hook, which counts
   * queries per request or job (see platform/monitoring/query-context.ts);
   * null: none at all (the bench's reference run).
   */
  readonly onQuery?: ((event: LogEvent) => void) | null;
  /** SQLite only: how long a writer waits for a lock held by another process. */
  readonly busyTimeoutMs?: number;
}

// pg returns bigint counts, numerics, dates and timestamps in forms that
// differ from SQLite; make both dialects hand back the same JavaScript values.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (value) => new Date(value).toISOString());

/** Opens the database a configuration points at. */
export function openDatabase(target: DatabaseTarget, options: DatabaseOptions = {}): Database {
  return target.dialect === 'postgres'
    ? openPostgres(target.url, options)
    : openSqlite(target.file, options);
}

function openSqlite(file: string, options: DatabaseOptions): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);

  // WAL lets readers and one writer work at once across processes; the busy
  // timeout makes a second writer wait instead of failing with SQLITE_BUSY.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');

  const db = new Kysely<DB>({
    dialect: new SqliteDialect({ database: wrapSqliteBindings(sqlite) }),
    plugins: plugins(new SqliteBooleanPlugin()),
    log: queryHook(options),
  });
  return {
    db,
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    schema: null,
    close: () => db.destroy(),
  };
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    plugins: plugins(),
    log: queryHook(options),
  });
  return {
    db,
    dialect: 'postgres',
    description: describePostgres(url, options.schema),
    schema: options.schema ?? null,
    close: () => db.destroy(),
  };
}

function queryHook(options: DatabaseOptions): ((event: LogEvent) => void) | undefined {
  return options.onQuery === null ? undefined : (options.onQuery ?? observeQuery);
}

function plugins(...extra: KyselyPlugin[]): KyselyPlugin[] {
  return [new CamelCasePlugin(), ...extra];
}

function describePostgres(url: string, schema?: string): string {
  const parsed = new URL(url);
  const where = `postgres://${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  return schema ? `${where} (schema ${schema})` : where;
}
