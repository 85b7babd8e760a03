/**
 * Why a message was not sent:
 * - `invalid`: the message itself is wrong (no recipient, a URL as attachment
 *   path...). Sending it again cannot succeed.
 * - `rejected`: the mail server refused it for good (a 5xx reply, e.g. every
 *   recipient unknown). Sending it again cannot succeed either.
 * - `unavailable`: the server could not be reached, timed out, refused the
 *   login or answered "try later" (4xx). A later attempt may succeed.
 */
export type MailErrorKind = 'invalid' | 'rejected' | 'unavailable';

/** The job layer retries when `isRetryable` and gives up at once otherwise. */
export class MailError extends Error {
  readonly isRetryable: boolean;

  constructor(
    readonly kind: MailErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailError';
    this.isRetryable = kind === 'unavailable';
  }
}

interface SmtpFailure {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/** Turns what nodemailer throws into a MailError that says whether to retry. */
export function toMailError(error: unknown): MailError {
  if (error instanceof MailError) return error;

  const { code, responseCode } = (error ?? {}) as SmtpFailure;
  const reason = error instanceof Error ? error.message : String(error);
  // A 5xx reply to the envelope or the message is the server's final word; a
  // failed login (also 5xx) is a configuration problem an operator can fix
  // before the next attempt, so it stays retryable.
  const isPermanent = typeof responseCode === 'number' && responseCode >= 500 && code !== 'EAUTH';
  return isPermanent
    ? new MailError('rejected', `the mail server refused the message: ${reason}`, { cause: error })
    : new MailError('unavailable', `the mail server is unavailable: ${reason}`, { cause: error });
}
