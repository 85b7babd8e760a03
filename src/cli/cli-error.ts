import { ConfigError } from '../config/config.ts';
import { MigrationError } from '../platform/db/migrate.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { FieldProblem } from '../platform/errors/app-error.ts';

/** A problem the person at the terminal can fix; reported without a stack trace. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Writes an error to stderr. Expected errors get their message only (and the
 * fields at fault); anything else keeps its stack, since it is a bug to report.
 */
export function reportError(error: unknown): void {
  const write = (text: string) => process.stderr.write(text);
  if (error instanceof AppError) {
    write(`omaum: ${error.message}\n`);
    for (const problem of fieldProblems(error)) write(`  - ${problem.field}: ${problem.message}\n`);
    return;
  }
  if (isExpected(error)) {
    write(`omaum: ${error.message}\n`);
    return;
  }
  write(`omaum: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}

function isExpected(error: unknown): error is Error {
  return (
    error instanceof CliError ||
    error instanceof ConfigError ||
    error instanceof MigrationError ||
    isSystemError(error)
  );
}

// A port in use or a refused database connection: the message says it all
// ("listen EADDRINUSE: address already in use 127.0.0.1:3000"); a stack would only hide it.
function isSystemError(error: unknown): error is Error {
  return error instanceof Error && 'syscall' in error && 'code' in error;
}

// invalidFields() already names the fields in its message: do not print them twice.
function fieldProblems(error: AppError): readonly FieldProblem[] {
  if (!Array.isArray(error.details)) return [];
  return (error.details as readonly FieldProblem[]).filter(
    (problem) => !error.message.includes(`${problem.field}: ${problem.message}`),
  );
}
