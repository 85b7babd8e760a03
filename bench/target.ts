import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { LogEvent } from 'kysely';
import pg from 'pg';

import type { CounterRow } from '../src/attendance/attendance.repo.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import type { Database, Dialect } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import type { MarkStatus } from '../src/platform/db/tables.ts';

/** A marks row as stored, in the column order of MARK_COLUMNS. */
export interface MarkRow {
  readonly sessionId: number;
  readonly studentId: number;
  readonly cohortId: number;
  readonly activityId: number;
  readonly month: string;
  readonly status: MarkStatus | null;
  readonly isSummoned: boolean;
  readonly justification: string | null;
  readonly recordedBy: number | null;
  readonly recordedAt: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type CounterInsert = CounterRow & { readonly updatedAt: string };

const MARK_COLUMNS = [
  'session_id',
  'student_id',
  'cohort_id',
  'activity_id',
  'month',
  'status',
  'is_summoned',
  'justification',
  'recorded_by',
  'recorded_at',
  'version',
  'created_at',
  'updated_at',
] as const;

const COUNTER_COLUMNS = [
  'cohort_id',
  'activity_id',
  'student_id',
  'month',
  'expected',
  'present',
  'absent',
  'excused',
  'volunteer_extra',
  'volunteer_simple',
  'summoned_unmarked',
  'updated_at',
] as const;

function markValues(row: MarkRow): unknown[] {
  return [
    row.sessionId,
    row.studentId,
    row.cohortId,
    row.activityId,
    row.month,
    row.status,
    row.isSummoned,
    row.justification,
    row.recordedBy,
    row.recordedAt,
    row.version,
    row.createdAt,
    row.updatedAt,
  ];
}

function counterValues(row: CounterInsert): unknown[] {
  return [
    row.cohortId,
    row.activityId,
    row.studentId,
    row.month,
    row.expected,
    row.present,
    row.absent,
    row.excused,
    row.volunteerExtra,
    row.volunteerSimple,
    row.summonedUnmarked,
    row.updatedAt,
  ];
}

const UPSERT_TAIL = `on conflict (session_id, student_id) do update set
  status = excluded.status,
  is_summoned = excluded.is_summoned,
  justification = excluded.justification,
  recorded_by = excluded.recorded_by,
  recorded_at = excluded.recorded_at,
  updated_at = excluded.updated_at,
  version = marks.version + 1`;

/** The raw reference for a sheet: one GROUP BY over a cohort's marks in a period. */
const GROUP_BY_SQL = `select activity_id, student_id, status, count(*) as n
  from marks
  where cohort_id = $1 and month >= $2 and month <= $3
  group by activity_id, student_id, status`;

/**
 * Direct driver access, beside the application's Kysely database: bulk loading
 * for data generation, and the hand-written baselines the goals are stated
 * against.
 */
export interface RawAccess {
  /** Plain inserts in one transaction (data generation). */
  insertMarks(rows: readonly MarkRow[]): Promise<void>;
  insertCounters(rows: readonly CounterInsert[]): Promise<void>;
  /** Baseline of a save: a prepared upsert of the rows in one transaction. */
  upsertMarks(rows: readonly MarkRow[]): Promise<void>;
  /** Baseline of a sheet: count per activity, student and status. Returns the group count. */
  countMarks(cohortId: number, fromMonth: string, toMonth: string): Promise<number>;
  /**
   * After bulk loading: PostgreSQL vacuums and analyzes (as autovacuum would
   * have); SQLite folds the WAL back into the file and keeps the statistics
   * its migration left, as a production file has.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Statements the application ran while `isRecording`. */
export class QueryLog {
  isRecording = false;
  readonly entries: { sql: string; ms: number }[] = [];

  readonly onQuery = (event: LogEvent): void => {
    if (!this.isRecording) return;
    this.entries.push({ sql: event.query.sql, ms: event.queryDurationMillis });
  };

  async record<T>(
    run: () => Promise<T>,
  ): Promise<{ value: T; entries: { sql: string; ms: number }[] }> {
    this.entries.length = 0;
    this.isRecording = true;
    try {
      const value = await run();
      return { value, entries: [...this.entries] };
    } finally {
      this.isRecording = false;
    }
  }
}

export interface BenchTarget {
  readonly dialect: Dialect;
  readonly database: Database;
  readonly raw: RawAccess;
  readonly queryLog: QueryLog;
  /** Where the data lives, for the report (no credentials). */
  readonly description: string;
  /** Closes every connection and removes the file or schema. */
  destroy(): Promise<void>;
}

/** A fresh, migrated database: a SQLite file in `workDir`, or a new PostgreSQL schema. */
export async function openTarget(dialect: Dialect, workDir: string): Promise<BenchTarget> {
  const target = dialect === 'postgres' ? await openPostgresTarget() : openSqliteTarget(workDir);
  try {
    await migrateToLatest(target.database);
  } catch (error) {
    await target.destroy();
    throw error;
  }
  return target;
}

function openSqliteTarget(dir: string): BenchTarget {
  const file = path.join(dir, 'bench.sqlite');
  const queryLog = new QueryLog();
  const database = openDatabase({ dialect: 'sqlite', file }, { onQuery: queryLog.onQuery });
  const raw = new SqliteRaw(file);
  return {
    dialect: 'sqlite',
    database,
    raw,
    queryLog,
    description: `sqlite file in ${dir} (WAL, synchronous=NORMAL)`,
    async destroy() {
      await raw.close();
      await database.close();
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    },
  };
}

class SqliteRaw implements RawAccess {
  private readonly sqlite: SqliteDatabase.Database;
  private readonly statements = new Map<string, SqliteDatabase.Statement>();

  constructor(file: string) {
    this.sqlite = new SqliteDatabase(file);
    // The same settings as the application's connection (database.ts).
    this.sqlite.pragma('journal_mode = WAL');
    this.sqlite.pragma('busy_timeout = 5000');
    this.sqlite.pragma('foreign_keys = ON');
    this.sqlite.pragma('synchronous = NORMAL');
  }

  private statement(text: string): SqliteDatabase.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.sqlite.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private runAll(text: string, rows: readonly unknown[][]): void {
    const statement = this.statement(text);
    this.sqlite.transaction(() => {
      for (const values of rows) statement.run(...values);
    })();
  }

  insertMarks(rows: readonly MarkRow[]): Promise<void> {
    this.runAll(
      `insert into marks (${MARK_COLUMNS.join(', ')}) values (${placeholders(MARK_COLUMNS.length)})`,
      rows.map((row) => sqliteValues(markValues(row))),
    );
    return Promise.resolve();
  }

  insertCounters(rows: readonly CounterInsert[]): Promise<void> {
    this.runAll(
      `insert into attendance_counters (${COUNTER_COLUMNS.join(', ')}) values (${placeholders(COUNTER_COLUMNS.length)})`,
      rows.map(counterValues),
    );
    return Promise.resolve();
  }

  upsertMarks(rows: readonly MarkRow[]): Promise<void> {
    this.runAll(
      `insert into marks (${MARK_COLUMNS.join(', ')}) values (${placeholders(MARK_COLUMNS.length)}) ${UPSERT_TAIL}`,
      rows.map((row) => sqliteValues(markValues(row))),
    );
    return Promise.resolve();
  }

  countMarks(cohortId: number, fromMonth: string, toMonth: string): Promise<number> {
    const rows = this.statement(GROUP_BY_SQL.replace(/\$\d/g, '?')).all(
      cohortId,
      fromMonth,
      toMonth,
    );
    return Promise.resolve(rows.length);
  }

  settle(): Promise<void> {
    this.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.sqlite.open) this.sqlite.close();
    return Promise.resolve();
  }
}

function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

function sqliteValues(values: unknown[]): unknown[] {
  return values.map((value) => (typeof value === 'boolean' ? Number(value) : value));
}

export function postgresUrl(): string {
  const url = process.env.OMAUM_BENCH_POSTGRES_URL || process.env.OMAUM_TEST_POSTGRES_URL || '';
  if (url === '') {
    throw new Error(
      '--dialect postgres needs OMAUM_BENCH_POSTGRES_URL or OMAUM_TEST_POSTGRES_URL ' +
        '(e.g. postgres://postgres@127.0.0.1:5432/test)',
    );
  }
  return url;
}

async function openPostgresTarget(): Promise<BenchTarget> {
  const url = postgresUrl();
  const schema = `omaum_bench_${randomBytes(6).toString('hex')}`;
  const admin = openDatabase({ dialect: 'postgres', url }, { poolSize: 1 });
  try {
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
  } finally {
    await admin.close();
  }
  const queryLog = new QueryLog();
  const database = openDatabase(
    { dialect: 'postgres', url },
    { schema, poolSize: 10, onQuery: queryLog.onQuery },
  );
  const raw = new PostgresRaw(url, schema);
  return {
    dialect: 'postgres',
    database,
    raw,
    queryLog,
    description: `${database.description}, dropped after`,
    async destroy() {
      await raw.close();
      await database.close();
      const cleaner = openDatabase({ dialect: 'postgres', url }, { poolSize: 1 });
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(cleaner.db);
      } finally {
        await cleaner.close();
      }
    },
  };
}

const MARK_TYPES = [
  'int',
  'int',
  'int',
  'int',
  'text',
  'text',
  'bool',
  'text',
  'int',
  'timestamptz',
  'int',
  'timestamptz',
  'timestamptz',
];
const COUNTER_TYPES = [
  'int',
  'int',
  'int',
  'text',
  'int',
  'int',
  'int',
  'int',
  'int',
  'int',
  'int',
  'timestamptz',
];

class PostgresRaw implements RawAccess {
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(url: string, schema: string) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 1,
      options: `-c search_path=${schema}`,
    });
  }

  /** Column-wise arrays through unnest(): one statement, one parameter per column. */
  private async unnestInsert(
    table: string,
    columns: readonly string[],
    types: readonly string[],
    rows: readonly unknown[][],
  ): Promise<void> {
    if (rows.length === 0) return;
    const arrays = columns.map((_, column) => rows.map((row) => row[column]));
    const casts = types.map((type, index) => `$${index + 1}::${type}[]`).join(', ');
    await this.pool.query(
      `insert into ${table} (${columns.join(', ')}) select * from unnest(${casts})`,
      arrays,
    );
  }

  insertMarks(rows: readonly MarkRow[]): Promise<void> {
    return this.unnestInsert('marks', MARK_COLUMNS, MARK_TYPES, rows.map(markValues));
  }

  insertCounters(rows: readonly CounterInsert[]): Promise<void> {
    return this.unnestInsert(
      'attendance_counters',
      COUNTER_COLUMNS,
      COUNTER_TYPES,
      rows.map(counterValues),
    );
  }

  async upsertMarks(rows: readonly MarkRow[]): Promise<void> {
    if (rows.length === 0) return;
    const width = MARK_COLUMNS.length;
    const tuples = rows.map(
      (_, row) =>
        `(${MARK_COLUMNS.map((__, column) => `$${row * width + column + 1}`).join(', ')})`,
    );
    await this.pool.query({
      // Named: parsed and planned once, then executed as a prepared statement.
      name: `bench_upsert_marks_${rows.length}`,
      text: `insert into marks (${MARK_COLUMNS.join(', ')}) values ${tuples.join(', ')} ${UPSERT_TAIL}`,
      values: rows.flatMap(markValues),
    });
  }

  async countMarks(cohortId: number, fromMonth: string, toMonth: string): Promise<number> {
    const result = await this.pool.query({
      name: 'bench_count_marks',
      text: GROUP_BY_SQL,
      values: [cohortId, fromMonth, toMonth],
    });
    return result.rowCount ?? result.rows.length;
  }

  async settle(): Promise<void> {
    // What autovacuum would have done by the time a production database is
    // read; left to autovacuum, it runs during the measurements instead.
    await this.pool.query('vacuum analyze');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
