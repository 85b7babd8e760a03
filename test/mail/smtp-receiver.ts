/**
 * A real SMTP server on a random loopback port that keeps what it receives,
 * parsed by mailparser, so that tests read messages as a mail client would.
 */
import type { AddressInfo } from 'node:net';

import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerAddress, SMTPServerDataStream } from 'smtp-server';

export interface ReceivedMessage {
  /** Addresses of the SMTP envelope (RCPT TO), as the server saw them. */
  readonly envelopeTo: readonly string[];
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
}

export interface ReceiverOptions {
  /** Recipients the server refuses, with this reply code (e.g. 550 for good, 451 for now). */
  readonly refuse?: { readonly addresses: readonly string[]; readonly responseCode: number };
  /**
   * Runs once a message is kept and before the server answers "250 OK": a
   * test can kill the sender there, when the message is delivered but the
   * sender has not heard so.
   */
  readonly beforeReply?: (message: ReceivedMessage) => Promise<void>;
}

export interface SmtpReceiver {
  readonly url: string;
  readonly messages: ReceivedMessage[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(options: ReceiverOptions = {}): Promise<SmtpReceiver> {
  const messages: ReceivedMessage[] = [];
  const server = new SMTPServer({
    authOptional: true,
    // Plain text on loopback: no certificate to manage in tests.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      callback(refusal(address.address, options));
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const envelopeTo = session.envelope.rcptTo.map((rcpt) => rcpt.address);
      readAll(stream)
        .then(async (raw) => {
          const message = { envelopeTo, raw, parsed: await simpleParser(raw) };
          messages.push(message);
          await options.beforeReply?.(message);
          callback();
        })
        .catch((error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)));
        });
    },
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

function refusal(address: string, options: ReceiverOptions): Error | null {
  if (!options.refuse?.addresses.includes(address)) return null;
  return Object.assign(new Error(`mailbox ${address} refused`), {
    responseCode: options.refuse.responseCode,
  });
}

async function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
