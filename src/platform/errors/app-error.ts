import { ERRORS } from './catalogue.ts';
import type { ErrorCode } from './catalogue.ts';

/** One wrong field of a request, as reported in `details`. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export type ErrorDetails = readonly FieldProblem[] | Readonly<Record<string, unknown>>;

/**
 * An error the application expects and knows how to explain. The HTTP error
 * handler turns it into `{statusCode, code, error, message, details?}`.
 */
export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: ErrorDetails,
  ) {
    super(message ?? ERRORS[code].message);
    this.name = 'AppError';
    this.statusCode = ERRORS[code].statusCode;
  }
}

/** A 400 listing each wrong field; use it for rules a schema cannot express. */
export function invalidFields(problems: readonly FieldProblem[]): AppError {
  const summary = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return new AppError('OMAUM_REQUEST_INVALID', `Invalid fields: ${summary}`, problems);
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
