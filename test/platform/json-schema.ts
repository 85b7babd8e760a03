/**
 * Just enough of JSON Schema to read the TypeBox schemas routes declare and
 * to make up values they must refuse.
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
