import type Sqlite from 'better-sqlite3';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  SqliteDatabase,
  UnknownRow,
} from 'kysely';

/**
 * better-sqlite3 refuses to bind JavaScript booleans; SQLite stores them as
 * 0 and 1. This wrapper turns boolean parameters into integers so queries can
 * be written once for both dialects.
 */
export function wrapSqliteBindings(sqlite: Sqlite.Database): SqliteDatabase {
  const statements = new StatementCache(sqlite);
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sql: string) => {
      const statement = statements.get(sql);
      return {
        reader: statement.reader,
        // One array argument binds like spread arguments, without spreading thousands of them.
        all: (parameters) => statement.all(toSqliteValues(parameters)),
        run: (parameters) => statement.run(toSqliteValues(parameters)),
        iterate: (parameters) => statement.iterate(toSqliteValues(parameters)),
      };
    },
  };
}

const MAX_CACHED_STATEMENTS = 500;

/**
 * better-sqlite3 compiles SQL on every prepare(); the application sends the
 * same few hundred statements again and again, so compiled ones are kept,
 * least recently used first out.
 */
class StatementCache {
  private readonly statements = new Map<string, Sqlite.Statement>();

  constructor(private readonly sqlite: Sqlite.Database) {}

  get(sql: string): Sqlite.Statement {
    const cached = this.statements.get(sql);
    if (cached) {
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.sqlite.prepare(sql);
    this.statements.set(sql, statement);
    if (this.statements.size > MAX_CACHED_STATEMENTS) {
      const oldest = this.statements.keys().next().value;
      if (oldest !== undefined) this.statements.delete(oldest);
    }
    return statement;
  }

  clear(): void {
    this.statements.clear();
  }
}

function toSqliteValues(parameters: readonly unknown[]): unknown[] {
  return parameters.map((value) => (typeof value === 'boolean' ? Number(value) : value));
}

const BOOLEAN_COLUMN = /^(is|has|must)(_[a-z]|[A-Z])/;

/**
 * Reads 0/1 back as booleans for columns named `isX`, `hasX` or `mustX`, the
 * naming rule every boolean column follows.
 */
export class SqliteBooleanPlugin implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const { result } = args;
    for (const row of result.rows) {
      for (const key of Object.keys(row)) {
        const value = row[key];
        if ((value === 0 || value === 1) && BOOLEAN_COLUMN.test(key)) row[key] = value === 1;
      }
    }
    return Promise.resolve(result);
  }
}
