import { AppError } from '../platform/errors/app-error.ts';
import type { ErrorCode } from '../platform/errors/catalogue.ts';

/**
 * An error raised by a page handler whose message is already written for
 * people, in pt-BR. The page error handler shows it as it is; any other
 * AppError (services speak English) is shown with its code's pt-BR text.
 */
export class PageError extends AppError {
  constructor(code: ErrorCode, messagePt: string) {
    super(code, messagePt);
    this.name = 'PageError';
  }
}
