import { sql } from 'kysely';
import type { ColumnDataType, CreateTableBuilder, Expression } from 'kysely';

import type { Dialect } from '../database.ts';

type DataType = ColumnDataType | Expression<unknown>;

/** Column types that differ between SQLite and PostgreSQL. */
export interface ColumnTypes {
  readonly timestamp: DataType;
  readonly date: DataType;
  readonly boolean: DataType;
  readonly text: DataType;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  return dialect === 'postgres'
    ? { timestamp: 'timestamptz', date: 'date', boolean: 'boolean', text: 'text' }
    : { timestamp: 'text', date: 'text', boolean: 'integer', text: 'text' };
}

/** An integer primary key the database fills in. */
export function withId<T extends string>(
  table: CreateTableBuilder<T>,
  dialect: Dialect,
): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'integer', (col) => col.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
}

export function withTimestamps<T extends string, C extends string>(
  table: CreateTableBuilder<T, C>,
  types: ColumnTypes,
): CreateTableBuilder<T, C | 'created_at' | 'updated_at'> {
  return table
    .addColumn('created_at', types.timestamp, (col) => col.notNull())
    .addColumn('updated_at', types.timestamp, (col) => col.notNull());
}

export const FALSE = sql<boolean>`false`;
export const TRUE = sql<boolean>`true`;

export function booleanDefault(dialect: Dialect, value: boolean): Expression<unknown> {
  if (dialect === 'postgres') return value ? TRUE : FALSE;
  return sql.lit(value ? 1 : 0);
}
