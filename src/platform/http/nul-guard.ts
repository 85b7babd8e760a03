import type { FastifyRequest } from 'fastify';

import { invalidFields } from '../errors/app-error.ts';
import type { FieldProblem } from '../errors/app-error.ts';

const NUL = '\u0000';
// Deeper input is refused by the schemas long before; this only bounds the walk.
const MAX_DEPTH = 8;

/**
 * Refuses text holding a NUL character anywhere in the body, query or path.
 * PostgreSQL cannot store it and fails the whole statement, which would turn
 * a client's mistake into a 500; SQLite would keep it and hand it to exports.
 */
export async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  const problems = [
    ...nulFields(request.params, ''),
    ...nulFields(request.query, ''),
    ...nulFields(request.body, ''),
  ];
  if (problems.length > 0) throw invalidFields(problems);
}

function nulFields(value: unknown, path: string, depth = 0): FieldProblem[] {
  if (typeof value === 'string') {
    return value.includes(NUL) ? [{ field: path || 'body', message: 'must not hold NUL' }] : [];
  }
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return [];
  // Uploaded bytes are not text the database stores as such.
  if (ArrayBuffer.isView(value)) return [];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => nulFields(item, `${path}[${index}]`, depth + 1));
  }
  return Object.entries(value).flatMap(([key, item]) => {
    const field = path ? `${path}.${key}` : key;
    if (key.includes(NUL)) {
      return [{ field: field.replaceAll(NUL, ''), message: 'must not hold NUL' }];
    }
    return nulFields(item, field, depth + 1);
  });
}
