import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';

import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { Queryable } from '../db/database.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { MailError, toMailError } from './mail-error.ts';
import { SentEmailsRepo } from './sent-emails.repo.ts';
import type { MailTransportKind, SentEmail } from './sent-emails.repo.ts';

export { MailError } from './mail-error.ts';
export type { MailErrorKind } from './mail-error.ts';
export type { MailTransportKind } from './sent-emails.repo.ts';

export interface MailAttachment {
  readonly filename: string;
  /** An absolute path on this machine; URLs are refused. Give `path` or `content`. */
  readonly path?: string;
  readonly content?: string | Buffer;
  readonly contentType: string;
}

export interface MailMessage {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly attachments?: readonly MailAttachment[];
  /**
   * A business id for this message (`report-schedule:7:2026-03`, at most 200
   * characters): a message whose key was already sent is not sent again.
   */
  readonly idempotencyKey: string;
}

export interface SendResult extends SentEmail {
  /** True when the key had been sent before: nothing was sent this time. */
  readonly isDuplicate: boolean;
}

export interface MailerOptions {
  /** `smtp://user:pass@host:587` or `smtps://...`; null writes `.eml` files to `outboxDir`. */
  readonly smtpUrl: string | null;
  readonly outboxDir: string;
  /** The sender, e.g. `"OMAUM" <nao-responda@escola.org.br>`. */
  readonly from: string;
  readonly logger: Logger;
  /** Where the idempotency keys are kept (table `sent_emails`). */
  readonly db: Queryable;
  readonly clock?: Clock;
}

export interface Mailer {
  readonly transport: MailTransportKind;
  /**
   * Sends one message, at most once per idempotency key. Throws MailError:
   * `isRetryable` tells the job layer whether another attempt may succeed.
   */
  send(message: MailMessage): Promise<SendResult>;
  /** Closes the SMTP connection, if any. */
  close(): void;
}

const MAX_KEY_LENGTH = 200;
const MAX_RECIPIENTS = 100;

// nodemailer waits up to two minutes to connect and ten minutes on a silent
// socket by default; a job would time out first and learn nothing.
const SMTP_TIMEOUTS_MS = {
  connectionTimeout: 30_000,
  greetingTimeout: 30_000,
  socketTimeout: 60_000,
};

/** Creates the mailer the configuration asks for: SMTP when `smtpUrl` is set, else the outbox. */
export function createMailer(options: MailerOptions): Mailer {
  const delivery = options.smtpUrl
    ? new SmtpDelivery(options.smtpUrl)
    : new OutboxDelivery(options.outboxDir);
  return new IdempotentMailer(delivery, options);
}

/** A sender address on the host of the base URL, for installations that name none. */
export function defaultFromAddress(baseUrl: string): string {
  const host = new URL(baseUrl).hostname || 'localhost';
  return `"OMAUM" <nao-responda@${host}>`;
}

/** The name of the outbox file of a message: the same key always gives the same file. */
export function outboxFileName(idempotencyKey: string): string {
  return `${keyDigest(idempotencyKey)}.eml`;
}

interface Delivery {
  readonly kind: MailTransportKind;
  /** Resolves with the number of recipients the server refused (the others got it). */
  deliver(mail: SendMailOptions, idempotencyKey: string): Promise<number>;
  close(): void;
}

class IdempotentMailer implements Mailer {
  private readonly repo: SentEmailsRepo;
  private readonly clock: Clock;

  constructor(
    private readonly delivery: Delivery,
    private readonly options: MailerOptions,
  ) {
    this.repo = new SentEmailsRepo(options.db);
    this.clock = options.clock ?? systemClock;
  }

  get transport(): MailTransportKind {
    return this.delivery.kind;
  }

  /**
   * The key is reserved (its `sent_emails` row written) before the message
   * goes out and given back if sending fails. A worker that dies once the
   * server has the message thus leaves the key behind, and the retried job
   * finds it instead of sending again.
   *
   * TODO(#5): a worker that dies after the reservation but before the server
   * took the message leaves a key for a message that never went out, and
   * nothing tells that case apart (docs/known-issues.md).
   */
  async send(message: MailMessage): Promise<SendResult> {
    await validateMessage(message);

    const earlier = await this.repo.find(message.idempotencyKey);
    if (earlier) return this.duplicate(earlier);

    const messageId = messageIdFor(message.idempotencyKey, this.options.from);
    const sent: SentEmail = {
      idempotencyKey: message.idempotencyKey,
      messageId,
      transport: this.delivery.kind,
      sentAt: this.clock.now().toISOString(),
    };
    const rival = await this.reserve(sent);
    if (rival) return this.duplicate(rival);

    const mail = this.toNodemailer(message, messageId);
    let rejectedCount: number;
    try {
      rejectedCount = await this.delivery.deliver(mail, message.idempotencyKey);
    } catch (error) {
      await this.release(sent);
      throw error;
    }
    this.logSent(sent, message.to.length, rejectedCount);
    return { ...sent, isDuplicate: false };
  }

  close(): void {
    this.delivery.close();
  }

  private duplicate(earlier: SentEmail): SendResult {
    this.options.logger.info({ messageId: earlier.messageId }, 'mail already sent');
    return { ...earlier, isDuplicate: true };
  }

  private toNodemailer(message: MailMessage, messageId: string): SendMailOptions {
    return {
      from: this.options.from,
      to: [...message.to],
      subject: message.subject,
      text: message.text,
      html: message.html,
      attachments: (message.attachments ?? []).map(toNodemailerAttachment),
      messageId,
      date: this.clock.now(),
      // RFC 3834: tells vacation responders not to answer a robot.
      headers: { 'Auto-Submitted': 'auto-generated' },
      // Attachment paths come from job data: never let nodemailer fetch a URL.
      disableUrlAccess: true,
    };
  }

  /**
   * Writes the key's row; resolves with null when this attempt holds the key,
   * or with the row of a concurrent attempt that wrote it first (the unique
   * constraint decides, so two attempts never both send).
   */
  private async reserve(sent: SentEmail): Promise<SentEmail | null> {
    try {
      await this.repo.insert(sent);
      return null;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const first = await this.repo.find(sent.idempotencyKey);
      if (!first) throw error;
      this.options.logger.warn({ messageId: sent.messageId }, 'mail sent by another attempt');
      return first;
    }
  }

  /** Gives the key back after a failed send, so that a retry sends the message. */
  private async release(sent: SentEmail): Promise<void> {
    try {
      await this.repo.remove(sent);
    } catch (err) {
      // The key stays: a retry will take the message for sent. A person must look.
      this.options.logger.error(
        { err, messageId: sent.messageId },
        'mail not sent, but its idempotency key could not be given back',
      );
    }
  }

  private logSent(sent: SentEmail, recipients: number, rejectedCount: number): void {
    const fields = { messageId: sent.messageId, transport: sent.transport, recipients };
    if (rejectedCount > 0) {
      this.options.logger.warn({ ...fields, rejectedCount }, 'mail sent, some recipients refused');
      return;
    }
    this.options.logger.info(fields, 'mail sent');
  }
}

class SmtpDelivery implements Delivery {
  readonly kind = 'smtp';
  private readonly transporter;

  constructor(smtpUrl: string) {
    this.transporter = nodemailer.createTransport(withTimeouts(smtpUrl));
  }

  async deliver(mail: SendMailOptions): Promise<number> {
    try {
      const info = await this.transporter.sendMail(mail);
      return info.rejected.length;
    } catch (error) {
      throw toMailError(error);
    }
  }

  close(): void {
    this.transporter.close();
  }
}

/** Development and tests: each message becomes an RFC 822 file any mail client opens. */
class OutboxDelivery implements Delivery {
  readonly kind = 'outbox';
  private readonly transporter = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
  });

  constructor(private readonly outboxDir: string) {}

  async deliver(mail: SendMailOptions, idempotencyKey: string): Promise<number> {
    try {
      await this.write(mail, idempotencyKey);
      return 0;
    } catch (error) {
      // A full disk or a folder without permission: worth another attempt later.
      const reason = error instanceof Error ? error.message : String(error);
      throw new MailError('unavailable', `cannot write to the outbox: ${reason}`, {
        cause: error,
      });
    }
  }

  close(): void {
    this.transporter.close();
  }

  private async write(mail: SendMailOptions, idempotencyKey: string): Promise<void> {
    const info = await this.transporter.sendMail(mail);
    if (!Buffer.isBuffer(info.message)) throw new Error('the outbox transport returned a stream');

    // Written under a temporary name, then renamed: a reader never sees half a message.
    const file = path.join(this.outboxDir, outboxFileName(idempotencyKey));
    const partial = `${file}.partial`;
    await fs.mkdir(this.outboxDir, { recursive: true });
    await fs.writeFile(partial, info.message);
    await fs.rename(partial, file);
  }
}

function withTimeouts(smtpUrl: string): string {
  const url = parseSmtpUrl(smtpUrl);
  for (const [name, value] of Object.entries(SMTP_TIMEOUTS_MS)) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

function parseSmtpUrl(smtpUrl: string): URL {
  const url = URL.canParse(smtpUrl) ? new URL(smtpUrl) : null;
  // The URL holds a password: never repeat it in the message.
  if (url === null || !['smtp:', 'smtps:'].includes(url.protocol)) {
    throw new MailError('invalid', 'OMAUM_SMTP_URL must look like smtp://user:password@host:587');
  }
  return url;
}

function toNodemailerAttachment(attachment: MailAttachment) {
  const source =
    attachment.path === undefined ? { content: attachment.content } : { path: attachment.path };
  return { filename: attachment.filename, contentType: attachment.contentType, ...source };
}

function keyDigest(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
}

/**
 * The Message-ID follows from the key, so that if a message ever goes out
 * twice, mail clients that drop repeated Message-IDs still show it once.
 */
function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'omaum.invalid';
  return `<${keyDigest(idempotencyKey)}@${domain}>`;
}

async function validateMessage(message: MailMessage): Promise<void> {
  const problem = messageProblem(message) ?? (await attachmentProblem(message.attachments ?? []));
  if (problem !== null) throw new MailError('invalid', problem);
}

// Loose on purpose: the mail server judges addresses; this catches what
// would break the envelope or smuggle a second recipient.
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
const LINE_BREAK = /[\r\n]/;

function messageProblem(message: MailMessage): string | null {
  const key = message.idempotencyKey;
  if (key.trim() === '' || key.length > MAX_KEY_LENGTH) {
    return `the idempotency key must have 1 to ${MAX_KEY_LENGTH} characters`;
  }
  if (message.to.length === 0) return 'the message has no recipient';
  if (message.to.length > MAX_RECIPIENTS) return `at most ${MAX_RECIPIENTS} recipients`;
  if (message.to.some((address) => !ADDRESS.test(address))) {
    return 'a recipient is not an e-mail address';
  }
  if (message.subject.trim() === '' || LINE_BREAK.test(message.subject)) {
    return 'the subject must be one non-empty line';
  }
  return null;
}

async function attachmentProblem(attachments: readonly MailAttachment[]): Promise<string | null> {
  for (const attachment of attachments) {
    const problem = await oneAttachmentProblem(attachment);
    if (problem !== null) return problem;
  }
  return null;
}

async function oneAttachmentProblem(attachment: MailAttachment): Promise<string | null> {
  if (attachment.filename.trim() === '') return 'an attachment has no file name';
  if ((attachment.path === undefined) === (attachment.content === undefined)) {
    return `attachment ${attachment.filename}: give either a path or a content`;
  }
  if (attachment.path === undefined) return null;
  if (!path.isAbsolute(attachment.path)) {
    return `attachment ${attachment.filename}: the path must be absolute`;
  }
  try {
    await fs.access(attachment.path, fs.constants.R_OK);
    return null;
  } catch {
    return `attachment ${attachment.filename}: file not found`;
  }
}
