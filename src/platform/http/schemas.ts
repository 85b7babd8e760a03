import { Type } from 'typebox';
import type { Static, TSchema } from 'typebox';

/** Shared pieces of the API's TypeBox schemas. */

/** A string limited to some values; reads better in errors and OpenAPI than a union. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * The largest integer a column holds (PostgreSQL `integer`). Every integer a
 * client sends needs a maximum at or below it: a larger one would reach the
 * database and fail there instead of being refused as a wrong field.
 */
export const MAX_INTEGER = 2_147_483_647;

/** The id of a record, in a path or as a reference in a body or query. */
export const RecordId = Type.Integer({ minimum: 1, maximum: MAX_INTEGER });

export const IdParams = Type.Object({ id: RecordId });
export type IdParams = Static<typeof IdParams>;

export const CalendarDate = Type.String({ format: 'date', description: 'YYYY-MM-DD' });
export const Timestamp = Type.String({ format: 'date-time' });
export const Email = Type.String({ format: 'email', maxLength: 254 });

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

export const Pagination = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INTEGER, default: 0 })),
};

export function ListOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), total: Type.Integer({ minimum: 0 }) });
}

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    error: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'Error' },
);

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

export interface PageRequest {
  readonly limit: number;
  readonly offset: number;
}

export function pageRequest(query: { limit?: number; offset?: number }): PageRequest {
  return { limit: query.limit ?? 50, offset: query.offset ?? 0 };
}
