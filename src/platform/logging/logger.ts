import pino from 'pino';
import type { Logger, LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Fields that carry personal data or secrets. Pino replaces them with
 * "[redacted]" wherever they appear at the top level or one level down.
 */
const SENSITIVE_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'passwordHash',
  'token',
  'tokenHash',
  'cpf',
  'email',
  'phone',
  'secondaryPhone',
  'birthDate',
  'address',
  'emergencyContacts',
  'medicalNotes',
  'authorization',
  'cookie',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["csrf-token"]',
  'res.headers["set-cookie"]',
  // PostgreSQL puts the offending values in `detail` ("Key (email)=(...)",
  // "Failing row contains (...)"), and failed requests log the driver error.
  'err.detail',
  'err.cause.detail',
  ...SENSITIVE_FIELDS,
  ...SENSITIVE_FIELDS.map((field) => `*.${field}`),
];

export interface LoggerSettings {
  readonly level: string;
  /** Human-readable lines for a terminal; JSON otherwise. */
  readonly isPretty?: boolean;
  /** Where lines go (tests capture them); stdout by default. */
  readonly destination?: pino.DestinationStream;
}

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: 'omaum' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
}

/** The process logger. Everything else receives it (or a child) from above. */
export function createLogger(settings: LoggerSettings): Logger {
  const options = loggerOptions(settings);
  if (settings.destination) return pino(options, settings.destination);
  if (settings.isPretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss' },
      },
    });
  }
  return pino(options);
}
