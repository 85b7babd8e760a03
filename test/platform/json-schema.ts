import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Just enough of JSON Schema to read the TypeBox schemas routes declare and
 * to make up values they accept or must refuse.
 */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly format?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly minProperties?: number;
  readonly maximum?: number;
  readonly minimum?: number;
  readonly minItems?: number;
  readonly items?: JsonSchema;
}

/** The schema as an object schema with properties, or null when it is something else. */
export function asObjectSchema(schema: unknown): JsonSchema | null {
  if (schema === null || typeof schema !== 'object') return null;
  const candidate = schema as JsonSchema;
  return candidate.properties ? candidate : null;
}

/** The JSON types a schema accepts; empty when it does not say (anything goes). */
export function acceptedTypes(schema: JsonSchema): Set<string> {
  const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (branches.length > 0) return new Set(branches.flatMap((b) => [...acceptedTypes(b)]));
  if (schema.type !== undefined) {
    const types = typeof schema.type === 'string' ? [schema.type] : [...schema.type];
    // An integer is also a number, and the other way round for our purposes.
    return new Set(types.flatMap((type) => (type === 'integer' ? ['integer', 'number'] : [type])));
  }
  const values = schema.enum ?? (schema.const === undefined ? [] : [schema.const]);
  return new Set(values.map((value) => (value === null ? 'null' : typeof value)));
}

const SCALARS = ['string', 'number', 'integer', 'boolean', 'null'];

/**
 * A value of a type the schema refuses. Fastify's validator coerces scalars
 * into one another and a lone value into an array, so only values that no
 * coercion can turn into an accepted type are picked.
 */
export function wrongTypeValue(schema: JsonSchema): unknown {
  const accepted = acceptedTypes(schema);
  if (accepted.size === 0) return undefined;
  if (!accepted.has('object')) return { unexpected: true };
  if (!accepted.has('array')) return [1, 2];
  if (!SCALARS.some((type) => accepted.has(type))) return true;
  return undefined;
}

export function isIntegerSchema(schema: JsonSchema): boolean {
  const accepted = acceptedTypes(schema);
  return accepted.has('integer') && !accepted.has('string');
}

export function isBooleanSchema(schema: JsonSchema): boolean {
  const accepted = acceptedTypes(schema);
  return accepted.size <= 2 && accepted.has('boolean') && !accepted.has('string');
}

/** The allowed values when the schema is a plain list of strings. */
export function stringEnum(schema: JsonSchema): readonly unknown[] | null {
  if (schema.enum) return schema.enum;
  const branches = schema.anyOf ?? schema.oneOf;
  if (!branches?.every((branch) => branch.const !== undefined)) return null;
  return branches.map((branch) => branch.const);
}

/** True when the schema accepts text (a place where a NUL character could hide). */
export function isStringSchema(schema: JsonSchema): boolean {
  return acceptedTypes(schema).has('string');
}

/** Whether a value passes the schema, formats and patterns included. */
export function accepts(schema: JsonSchema, value: unknown): boolean {
  return Value.Check(schema as TSchema, value);
}

// Text that fits most string fields: dates, months, times, names, CPFs.
const TEXT_SAMPLES = [
  '2026-03-02',
  '2026-03-02T12:00:00.000Z',
  '2026-03',
  '19:30',
  'pessoa@example.org',
  'Texto de teste',
  '52998224725',
  'a',
];

/**
 * A small value the schema accepts (required fields only, plus what
 * `minProperties` asks for), or undefined when none of the guesses fits.
 */
export function sampleValue(schema: JsonSchema): unknown {
  const candidates = sampleCandidates(schema);
  return candidates.find((candidate) => candidate !== undefined && accepts(schema, candidate));
}

function sampleCandidates(schema: JsonSchema): unknown[] {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return branches.map((branch) => sampleValue(branch));
  if (schema.enum) return [...schema.enum];
  if (schema.const !== undefined) return [schema.const];
  const accepted = acceptedTypes(schema);
  if (accepted.has('object')) return [sampleObject(schema)];
  if (accepted.has('array')) return [sampleArray(schema)];
  if (accepted.has('integer') || accepted.has('number')) return [schema.minimum ?? 1, 1];
  if (accepted.has('string')) return TEXT_SAMPLES;
  if (accepted.has('boolean')) return [false];
  return [null];
}

function sampleObject(schema: JsonSchema): Record<string, unknown> | undefined {
  const required = new Set(schema.required ?? []);
  const wanted = Math.max(required.size, schema.minProperties ?? 0);
  const value: Record<string, unknown> = {};
  const names = Object.keys(schema.properties ?? {}).sort(
    (a, b) => Number(required.has(b)) - Number(required.has(a)),
  );
  for (const name of names) {
    if (Object.keys(value).length >= wanted && !required.has(name)) break;
    const property = schema.properties?.[name];
    const sample = property ? sampleValue(property) : undefined;
    if (sample === undefined && required.has(name)) return undefined;
    if (sample !== undefined) value[name] = sample;
  }
  return value;
}

function sampleArray(schema: JsonSchema): unknown[] | undefined {
  const count = schema.minItems ?? 0;
  if (count === 0) return [];
  const item = schema.items ? sampleValue(schema.items) : undefined;
  return item === undefined ? undefined : Array.from({ length: count }, () => item);
}
