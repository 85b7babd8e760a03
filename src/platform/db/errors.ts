/** Recognises constraint violations the same way on SQLite and PostgreSQL. */

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as DriverError | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as DriverError | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * The text that names the violated constraint: PostgreSQL gives the index
 * name, SQLite the columns ("UNIQUE constraint failed: students.cpf").
 */
export function violationText(error: unknown): string {
  const { constraint, message } = (error ?? {}) as DriverError;
  const name = typeof constraint === 'string' ? constraint : '';
  return `${name} ${typeof message === 'string' ? message : ''}`;
}
