import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';

import { AppError } from '../errors/app-error.ts';
import type { FieldProblem } from '../errors/app-error.ts';
import { ERRORS } from '../errors/catalogue.ts';
import type { ErrorCode } from '../errors/catalogue.ts';
import { refuseNulCharacters } from './nul-guard.ts';

interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  details?: unknown;
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

// Fastify's own client errors, by their code, mapped to the catalogue.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'OMAUM_REQUEST_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'OMAUM_REQUEST_UNSUPPORTED_MEDIA',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'OMAUM_REQUEST_MALFORMED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'OMAUM_REQUEST_MALFORMED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'OMAUM_REQUEST_MALFORMED',
  FST_CSRF_INVALID_TOKEN: 'OMAUM_AUTH_CSRF_INVALID',
  FST_CSRF_MISSING_SECRET: 'OMAUM_AUTH_CSRF_INVALID',
};

/**
 * One handler turns every error into `{statusCode, code, error, message, details?}`.
 * It also refuses input the database would fail on, so that a client's mistake
 * is a 400 and never a 500.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  isProduction: boolean,
  options: {
    /** Answers a browser that asked for a page that does not exist (HTML, not JSON). */
    readonly notFoundPage?: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
  } = {},
): void {
  app.addHook('preValidation', refuseNulCharacters);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = toErrorBody(error, isProduction);
    logError(request, error, body);
    return send(reply, body);
  });

  app.setNotFoundHandler((request, reply) => {
    if (options.notFoundPage && wantsPage(request)) return options.notFoundPage(request, reply);
    const body = bodyFor(
      'OMAUM_ROUTE_NOT_FOUND',
      `There is no route ${request.method} ${routePath(request)}`,
    );
    return send(reply, body);
  });
}

/**
 * For Fastify's `frameworkErrors` option: errors raised before routing (a URL
 * that is not valid percent-encoding, a path parameter too long) get the
 * same body as every other error instead of Fastify's own.
 */
export function handleFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const body = bodyFor(
    'OMAUM_REQUEST_MALFORMED',
    `The request URL could not be read: ${error.message}`,
  );
  logError(request, error, body);
  void send(reply, body);
}

/** A browser following a link or a typed address: not the API, not a script asking for JSON. */
function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (request.url.startsWith('/api/')) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

function send(reply: FastifyReply, body: ErrorBody): FastifyReply {
  return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

function toErrorBody(error: FastifyError, isProduction: boolean): ErrorBody {
  if (error instanceof AppError) {
    return bodyFor(error.code, error.message, error.details);
  }
  if (Array.isArray(error.validation)) {
    const problems = dedupeByField(
      error.validation.map((v) => toFieldProblem(v, error.validationContext)),
    );
    const summary = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    return bodyFor('OMAUM_REQUEST_INVALID', `Invalid fields: ${summary}`, problems);
  }
  const mapped = FASTIFY_CODES[error.code];
  if (mapped) return bodyFor(mapped, clientMessage(mapped, error));
  if (
    error instanceof SyntaxError ||
    (error.statusCode === 400 && !error.code?.startsWith('FST_ERR_'))
  ) {
    return bodyFor('OMAUM_REQUEST_MALFORMED', 'The request body is not valid JSON');
  }
  if (isDataException(error)) {
    return bodyFor('OMAUM_REQUEST_INVALID', 'A value is out of range or cannot be stored');
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return {
      statusCode: error.statusCode,
      code: 'OMAUM_REQUEST_INVALID',
      error: STATUS_CODES[error.statusCode] ?? 'Client Error',
      message: error.message,
    };
  }
  const internal = bodyFor('OMAUM_INTERNAL');
  return isProduction ? internal : { ...internal, details: { cause: error.message } };
}

/**
 * PostgreSQL's "data exception" class (SQLSTATE 22xxx): a value the schemas let
 * through but the column refuses (a date in year 0, a number out of range).
 * Only client input gets that far, so it is the client's mistake; the schema
 * should catch it first, and the warning in the log says so.
 */
function isDataException(error: unknown): boolean {
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof severity === 'string' && typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

function clientMessage(code: ErrorCode, error: FastifyError): string {
  if (code === 'OMAUM_REQUEST_MALFORMED')
    return `The request body could not be read: ${error.message}`;
  return ERRORS[code].message;
}

export function bodyFor(code: ErrorCode, message?: string, details?: unknown): ErrorBody {
  const { statusCode } = ERRORS[code];
  const body: ErrorBody = {
    statusCode,
    code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: message ?? ERRORS[code].message,
  };
  if (details !== undefined) body.details = details;
  return body;
}

function toFieldProblem(
  error: AjvError,
  context: string | undefined,
): FieldProblem & { in: string } {
  const base = (error.instancePath ?? '')
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('')
    .replace(/^\./, '');
  const missing = error.params?.missingProperty;
  const extra = error.params?.additionalProperty;
  let field = base;
  let message = error.message ?? 'is invalid';

  if (typeof missing === 'string') {
    field = base ? `${base}.${missing}` : missing;
    message = 'is required';
  } else if (typeof extra === 'string') {
    field = base ? `${base}.${extra}` : extra;
    message = 'is not a known field';
  } else if (error.keyword === 'anyOf' || error.keyword === 'enum') {
    const allowed = error.params?.allowedValues;
    message = Array.isArray(allowed) ? `must be one of ${allowed.join(', ')}` : message;
  }
  return { field: field || context || 'body', message, in: context ?? 'body' };
}

// A union yields one error per branch; the first one is the most telling.
function dedupeByField<T extends FieldProblem>(problems: T[]): T[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    if (seen.has(problem.field)) return false;
    seen.add(problem.field);
    return true;
  });
}

function logError(request: FastifyRequest, error: FastifyError, body: ErrorBody): void {
  if (body.statusCode >= 500) {
    request.log.error({ err: error, code: body.code }, 'request failed');
  } else if (isDataException(error)) {
    request.log.warn(
      { err: error, code: body.code },
      'the database refused a value the schema let through',
    );
  } else {
    request.log.info({ code: body.code, statusCode: body.statusCode }, 'request refused');
  }
}

/** The path of a request without its query string (which may carry personal data). */
export function routePath(request: FastifyRequest): string {
  const url = request.url;
  const queryAt = url.indexOf('?');
  return queryAt === -1 ? url : url.slice(0, queryAt);
}
