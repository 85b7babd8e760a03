/**
 * The indexes the migrations create, and `ensureIndexes`, which puts back
 * what an operator (or a failed PostgreSQL `CREATE INDEX CONCURRENTLY`) took
 * away. `omaum deploy setup` runs it after migrating, before ANALYZE.
 *
 * The catalogue is not a second list kept by hand: it replays the real
 * migrations against a driver that executes nothing and keeps the CREATE
 * INDEX statements they compile, so a recreated index is the very statement
 * the migration ran, and a new migration's indexes join the catalogue by
 * themselves (test/platform/db/indexes.test.ts compares it with freshly
 * migrated databases).
 *
 * Only indexes made by CREATE INDEX are covered. Those behind a primary key
 * or a unique constraint belong to their table: they cannot be dropped alone
 * (DROP INDEX refuses), and they come back with the constraint.
 */
import {
  CamelCasePlugin,
  CreateIndexNode,
  DropIndexNode,
  DropTableNode,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import type { CompiledQuery, Dialect as KyselyDialect } from 'kysely';

import type { Database, Dialect } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import type { DB } from './tables.ts';

export interface IndexDefinition {
  readonly name: string;
  readonly table: string;
  readonly isUnique: boolean;
  /** The CREATE INDEX statement the migration ran, compiled for the dialect. */
  readonly statement: string;
}

/** An index the database has, as its catalogue describes it. */
export interface ActualIndex {
  readonly name: string;
  readonly table: string;
  readonly isUnique: boolean;
  /** False for a PostgreSQL index a failed build left unusable; SQLite has no such state. */
  readonly isValid: boolean;
  /** SQLite: the statement as stored; PostgreSQL: `pg_get_indexdef`. */
  readonly definition: string;
}

export interface IndexReport {
  /** How many indexes of the catalogue were checked. */
  readonly checked: number;
  /** Missing, created again from the migration's statement. */
  readonly recreated: readonly string[];
  /** PostgreSQL indexes left INVALID, rebuilt with REINDEX. */
  readonly rebuilt: readonly string[];
  /** Indexes no migration creates: reported, left in place (someone may rely on them). */
  readonly extra: readonly string[];
}

/** Every index the migrations create on this dialect, in the order they create them. */
export async function indexCatalogue(dialect: Dialect): Promise<IndexDefinition[]> {
  const queries: CompiledQuery[] = [];
  const db = recordingKysely(dialect, queries);
  try {
    await migrateToLatest({
      db,
      dialect,
      description: 'index catalogue (records, executes nothing)',
      schema: null,
      close: () => db.destroy(),
    });
  } finally {
    await db.destroy();
  }
  return indexesCreatedBy(queries);
}

/**
 * A Kysely that compiles like the real one (same dialect, same identifier
 * plugin as openDatabase) but whose driver runs nothing and answers every
 * query with no rows: to the migrator, every migration is pending.
 */
function recordingKysely(dialect: Dialect, queries: CompiledQuery[]): Kysely<DB> {
  const parts: KyselyDialect =
    dialect === 'postgres'
      ? {
          createAdapter: () => new PostgresAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new PostgresIntrospector(db),
          createQueryCompiler: () => new PostgresQueryCompiler(),
        }
      : {
          createAdapter: () => new SqliteAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new SqliteIntrospector(db),
          createQueryCompiler: () => new SqliteQueryCompiler(),
        };
  return new Kysely<DB>({
    dialect: parts,
    plugins: [new CamelCasePlugin()],
    log: (event) => {
      if (event.level === 'query') queries.push(event.query);
    },
  });
}

const RAW_CREATE_INDEX = /^\s*create\s+(unique\s+)?index\b/i;

/** Follows creates and drops in order, so an index a later migration drops is not listed. */
function indexesCreatedBy(queries: readonly CompiledQuery[]): IndexDefinition[] {
  const indexes = new Map<string, IndexDefinition>();
  for (const { query, sql: statement, parameters } of queries) {
    if (CreateIndexNode.is(query)) {
      // Values in DDL are inlined; a parameter would make the statement impossible to replay.
      if (parameters.length > 0) throw new Error(`index statement with parameters: ${statement}`);
      const name = query.name.name;
      const table = query.table?.table.identifier.name ?? '';
      indexes.set(name, { name, table, isUnique: query.unique === true, statement });
    } else if (DropIndexNode.is(query)) {
      indexes.delete(query.name.identifier.name);
    } else if (DropTableNode.is(query)) {
      const table = query.table.table.identifier.name;
      for (const index of [...indexes.values()]) {
        if (index.table === table) indexes.delete(index.name);
      }
    } else if (RAW_CREATE_INDEX.test(statement)) {
      throw new Error(
        `a migration creates an index in raw SQL, which the index catalogue cannot read; ` +
          `use db.schema.createIndex: ${statement}`,
      );
    }
  }
  return [...indexes.values()];
}

/** The indexes made by CREATE INDEX in the database's (current) schema, by name. */
export async function readIndexes(database: Database): Promise<ActualIndex[]> {
  return database.dialect === 'postgres'
    ? readPostgresIndexes(database)
    : readSqliteIndexes(database);
}

interface IndexRow {
  readonly name: string;
  readonly tableName: string;
  readonly isUnique: boolean | number;
  readonly isValid: boolean | number;
  readonly definition: string;
}

function toActualIndex(row: IndexRow): ActualIndex {
  return {
    name: row.name,
    table: row.tableName,
    isUnique: Boolean(row.isUnique),
    isValid: Boolean(row.isValid),
    definition: row.definition,
  };
}

// origin 'c' is CREATE INDEX; 'u' and 'pk' are the sqlite_autoindex_* of constraints.
async function readSqliteIndexes(database: Database): Promise<ActualIndex[]> {
  const result = await sql<IndexRow>`
    select i.name as name, i.tbl_name as table_name, l."unique" as is_unique, 1 as is_valid,
      i.sql as definition
    from sqlite_master i
    join pragma_index_list(i.tbl_name) l on l.name = i.name
    where i.type = 'index' and l.origin = 'c'
    order by i.name`.execute(database.db);
  return result.rows.map(toActualIndex);
}

// openDatabase may set search_path (a schema per test run, or the operator's
// choice in the URL): current_schema() is where the migrations created things.
// An index is a constraint's when pg_constraint names it for its own table
// (a foreign key names the referenced table's index, which stays ours).
async function readPostgresIndexes(database: Database): Promise<ActualIndex[]> {
  const result = await sql<IndexRow>`
    select c.relname as name, t.relname as table_name, i.indisunique as is_unique,
      i.indisvalid as is_valid, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_class t on t.oid = i.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema()
      and not exists (
        select 1 from pg_constraint k
        where k.conindid = i.indexrelid and k.conrelid = i.indrelid
          and k.contype in ('p', 'u', 'x'))
    order by c.relname`.execute(database.db);
  return result.rows.map(toActualIndex);
}

/**
 * Compares the database with the catalogue: creates the missing indexes with
 * the migration's own statement, rebuilds INVALID ones, and reports those no
 * migration knows. Safe to run again: a second run finds nothing to do.
 */
export async function ensureIndexes(database: Database): Promise<IndexReport> {
  const catalogue = await indexCatalogue(database.dialect);
  const actual = new Map((await readIndexes(database)).map((index) => [index.name, index]));
  const recreated: string[] = [];
  const rebuilt: string[] = [];
  for (const index of catalogue) {
    const found = actual.get(index.name);
    if (found === undefined) {
      // A plain (not CONCURRENTLY) build, as the migration did: writes to the table wait
      // meanwhile, which setup accepts for the size of a school's tables.
      await sql.raw(index.statement).execute(database.db);
      recreated.push(index.name);
    } else if (!found.isValid) {
      // Unqualified like the statements that made it: found through search_path.
      await sql`reindex index ${sql.id(index.name)}`.execute(database.db);
      rebuilt.push(index.name);
    }
  }
  const known = new Set(catalogue.map((index) => index.name));
  const extra = [...actual.keys()].filter((name) => !known.has(name));
  return { checked: catalogue.length, recreated, rebuilt, extra };
}
