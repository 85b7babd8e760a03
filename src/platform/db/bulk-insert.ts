import { CompiledQuery } from 'kysely';
import type { Compilable, DialectAdapter } from 'kysely';

import type { Queryable } from './database.ts';

/**
 * A compiled statement and where each of its parameters comes from: parameter
 * i is `rows[rowOf[i]][columnOf[i]]`, or `fixed[i]` when `rowOf[i]` is -1
 * (a value of the statement itself rather than of a row).
 */
interface Shape {
  readonly sql: string;
  readonly rowOf: Int32Array;
  readonly columnOf: readonly string[];
  readonly fixed: readonly unknown[];
}

// Shapes kept per dialect: batch sizes vary with the request, and a few dozen cover them.
const MAX_SHAPES = 64;
const SENTINEL = '\u0000omaum-bulk:';

/**
 * An insert of many rows of one shape, for the statements that write hundreds
 * of rows at once (a month's marks and their history). Kysely parses every
 * row object and builds a node per value, which for hundreds of rows costs
 * more than the database's own work. Here the statement for a number of rows
 * is built and compiled once, through Kysely and its plugins, with a
 * placeholder in every value; later inserts of that many rows only lay their
 * values out in the compiled parameters' order and run the same SQL.
 *
 * `build` must put every row value in the statement as a parameter (plain
 * `.values(rows)` does), and the rows must have a value, null included, in
 * every column listed and no other column (the first row is checked for
 * those, every row for missing values).
 */
export class BulkInsert<Row extends object, Result> {
  private readonly shapes = new WeakMap<DialectAdapter, Map<number, Shape>>();
  private readonly columnSet: ReadonlySet<string>;

  constructor(
    private readonly columns: readonly (keyof Row & string)[],
    private readonly build: (db: Queryable, rows: readonly Row[]) => Compilable<Result>,
  ) {
    this.columnSet = new Set(columns);
  }

  async execute(db: Queryable, rows: readonly Row[]): Promise<Result[]> {
    if (rows.length === 0) return [];
    this.checkColumns(rows[0] ?? {});
    const { sql, rowOf, columnOf, fixed } = this.shapeFor(db, rows.length);
    const parameters: unknown[] = new Array(rowOf.length);
    for (let i = 0; i < rowOf.length; i++) {
      const row = rowOf[i] ?? -1;
      if (row < 0) {
        parameters[i] = fixed[i];
        continue;
      }
      const column = columnOf[i] ?? '';
      const value = (rows[row] as Record<string, unknown>)[column];
      if (value === undefined) throw new Error(`bulk insert: row ${row} has no ${column}`);
      parameters[i] = value;
    }
    const result = await db.executeQuery<Result>(CompiledQuery.raw(sql, parameters));
    return result.rows;
  }

  /** A column the list leaves out would be dropped without a word: refused instead. */
  private checkColumns(row: object): void {
    const unlisted = Object.keys(row).filter((key) => !this.columnSet.has(key));
    if (unlisted.length > 0) {
      throw new Error(`bulk insert: ${unlisted.join(', ')} not among the columns it writes`);
    }
  }

  private shapeFor(db: Queryable, count: number): Shape {
    const adapter = db.getExecutor().adapter;
    let shapes = this.shapes.get(adapter);
    if (!shapes) {
      shapes = new Map();
      this.shapes.set(adapter, shapes);
    }
    const known = shapes.get(count);
    if (known) return known;

    const placeholders = Array.from({ length: count }, (_row, row) =>
      Object.fromEntries(this.columns.map((column) => [column, `${SENTINEL}${row}:${column}`])),
    ) as Row[];
    const { sql, parameters } = this.build(db, placeholders).compile();
    const rowOf = new Int32Array(parameters.length).fill(-1);
    const columnOf: string[] = [];
    const fixed: unknown[] = [];
    parameters.forEach((parameter, i) => {
      const isPlaceholder = typeof parameter === 'string' && parameter.startsWith(SENTINEL);
      const [row, column] = isPlaceholder ? parameter.slice(SENTINEL.length).split(':') : [];
      if (row !== undefined && column !== undefined) rowOf[i] = Number(row);
      columnOf.push(column ?? '');
      fixed.push(isPlaceholder ? undefined : parameter);
    });
    const seen = rowOf.filter((row) => row >= 0).length;
    if (seen !== count * this.columns.length) {
      throw new Error(
        `bulk insert: ${seen} row values in the statement, expected ${count * this.columns.length}`,
      );
    }
    const shape = { sql, rowOf, columnOf, fixed };
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(count, shape);
    return shape;
  }
}
