import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { simpleParser } from 'mailparser';
import type { AddressObject } from 'mailparser';
import pino from 'pino';

import { createMailer, MailError, outboxFileName } from '../../src/platform/mail/mailer.ts';
import type { Mailer, MailMessage } from '../../src/platform/mail/mailer.ts';
import { reportEmail } from '../../src/platform/mail/templates.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';
import type { TestDatabase } from '../support/databases.ts';
import { startSmtpReceiver } from './smtp-receiver.ts';
import type { SmtpReceiver } from './smtp-receiver.ts';

const FROM = '"OMAUM" <nao-responda@omaum.test>';
const logger = pino({ level: 'silent' });

const CSV = 'Nome;Presença\nJoão Conceição;100%\n';
const PDF_BYTES = Buffer.from('%PDF-1.4\n% relatório de frequência\n%%EOF\n', 'latin1');

function reportMessage(key: string, attachmentPath: string): MailMessage {
  const content = reportEmail({
    cohortName: 'Turma São João',
    period: { from: '2026-03', to: '2026-03' },
    reportName: 'Relatório Mensal de Atividades',
    recipientName: 'Irmã Conceição',
  });
  return {
    ...content,
    to: ['instrutora@omaum.test', 'secretaria@omaum.test'],
    idempotencyKey: key,
    attachments: [
      { filename: 'frequência-março.csv', content: CSV, contentType: 'text/csv' },
      { filename: 'relatório.pdf', path: attachmentPath, contentType: 'application/pdf' },
    ],
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const groups = Array.isArray(field) ? field : field ? [field] : [];
  return groups.flatMap((group) => group.value.map((entry) => entry.address ?? '')).sort();
}

function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-mail-'));
}

describeEachDatabase('mailer over SMTP', (dialect) => {
  let testDb: TestDatabase;
  let receiver: SmtpReceiver;
  let dir: string;
  let pdfPath: string;
  const mailers: Mailer[] = [];

  function smtpMailer(url: string): Mailer {
    const mailer = createMailer({
      smtpUrl: url,
      outboxDir: path.join(dir, 'outbox'),
      from: FROM,
      logger,
      db: testDb.database.db,
    });
    mailers.push(mailer);
    return mailer;
  }

  beforeEach(async () => {
    testDb = await createTestDatabase(dialect);
    receiver = await startSmtpReceiver({
      refuse: { addresses: ['ninguem@omaum.test'], responseCode: 550 },
    });
    dir = makeTempDir();
    pdfPath = path.join(dir, 'relatorio.pdf');
    fs.writeFileSync(pdfPath, PDF_BYTES);
  });

  afterEach(async () => {
    for (const mailer of mailers.splice(0)) mailer.close();
    await receiver.close();
    await testDb.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers to every recipient a pt-BR subject, both bodies and the attachments', async () => {
    const message = reportMessage('report:1:2026-03', pdfPath);

    const result = await smtpMailer(receiver.url).send(message);

    assert.equal(receiver.messages.length, 1);
    const [received] = receiver.messages;
    assert.ok(received);
    assert.deepEqual([...received.envelopeTo].sort(), [...message.to].sort());
    const mail = received.parsed;
    assert.deepEqual(addresses(mail.to), [...message.to].sort());
    assert.equal(mail.subject, 'Relatório Mensal de Atividades – Turma São João – março de 2026');
    assert.match(mail.text ?? '', /Olá, Irmã Conceição,/);
    assert.match(mail.text ?? '', /da turma Turma São João, referente a março de 2026\./);
    assert.match(String(mail.html), /<html lang="pt-BR">/);
    assert.match(String(mail.html), /Relatório Mensal de Atividades/);
    assert.equal(mail.messageId, result.messageId);
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');

    const files = mail.attachments.map((file) => [file.filename, file.contentType]);
    assert.deepEqual(files, [
      ['frequência-março.csv', 'text/csv'],
      ['relatório.pdf', 'application/pdf'],
    ]);
    assert.equal(mail.attachments[0]?.content.toString('utf8'), CSV);
    assert.deepEqual(mail.attachments[1]?.content, PDF_BYTES);
    assert.equal(result.transport, 'smtp');
    assert.equal(result.isDuplicate, false);
  });

  it('sends a key once: a second send delivers nothing and returns the first result', async () => {
    const mailer = smtpMailer(receiver.url);
    const message = reportMessage('report:2:2026-03', pdfPath);

    const first = await mailer.send(message);
    const second = await mailer.send({ ...message, subject: 'Outro assunto' });

    assert.equal(receiver.messages.length, 1);
    assert.equal(second.isDuplicate, true);
    assert.equal(second.messageId, first.messageId);
    assert.equal(second.sentAt, first.sentAt);
  });

  it('sends each key once even when two mailers share the database', async () => {
    const message = reportMessage('report:3:2026-03', pdfPath);

    await smtpMailer(receiver.url).send(message);
    const again = await smtpMailer(receiver.url).send(message);

    assert.equal(receiver.messages.length, 1);
    assert.equal(again.isDuplicate, true);
  });

  it('raises a retryable error when the mail server is down, then sends on retry', async () => {
    const message = reportMessage('report:4:2026-03', pdfPath);
    const downUrl = receiver.url;
    await receiver.close();

    await assert.rejects(smtpMailer(downUrl).send(message), (error: unknown) => {
      assert.ok(error instanceof MailError);
      assert.equal(error.kind, 'unavailable');
      assert.equal(error.isRetryable, true);
      return true;
    });

    receiver = await startSmtpReceiver();
    const result = await smtpMailer(receiver.url).send(message);
    assert.equal(result.isDuplicate, false);
    assert.equal(receiver.messages.length, 1);
  });

  it('raises a final error when the server refuses every recipient for good', async () => {
    const message = { ...reportMessage('report:5:2026-03', pdfPath), to: ['ninguem@omaum.test'] };

    await assert.rejects(smtpMailer(receiver.url).send(message), (error: unknown) => {
      assert.ok(error instanceof MailError);
      assert.equal(error.kind, 'rejected');
      assert.equal(error.isRetryable, false);
      return true;
    });
    assert.equal(receiver.messages.length, 0);
  });

  it('gives the key back when a send fails, so that only a sent message holds one', async () => {
    const message = { ...reportMessage('report:9:2026-03', pdfPath), to: ['ninguem@omaum.test'] };

    await assert.rejects(smtpMailer(receiver.url).send(message), MailError);
    const keys = await testDb.database.db
      .selectFrom('sentEmails')
      .select('idempotencyKey')
      .execute();
    assert.deepEqual(keys, []);

    const result = await smtpMailer(receiver.url).send({ ...message, to: ['ok@omaum.test'] });
    assert.equal(result.isDuplicate, false);
    assert.equal(receiver.messages.length, 1);
  });

  it('does not send a key an earlier attempt holds, even one that died mid-send', async () => {
    const message = reportMessage('report:10:2026-03', pdfPath);
    const held = {
      idempotencyKey: message.idempotencyKey,
      messageId: '<held@omaum.test>',
      transport: 'smtp' as const,
      sentAt: '2026-03-31T12:00:00.000Z',
    };
    await testDb.database.db.insertInto('sentEmails').values(held).execute();

    const result = await smtpMailer(receiver.url).send(message);
    assert.equal(result.isDuplicate, true);
    assert.equal(result.messageId, held.messageId);
    assert.equal(receiver.messages.length, 0);
  });

  it('delivers to the accepted recipients when the server refuses some', async () => {
    const message = reportMessage('report:6:2026-03', pdfPath);
    const to = ['instrutora@omaum.test', 'ninguem@omaum.test'];

    const result = await smtpMailer(receiver.url).send({ ...message, to });

    assert.equal(result.isDuplicate, false);
    assert.deepEqual(receiver.messages[0]?.envelopeTo, ['instrutora@omaum.test']);
  });
});

describe('mailer input', () => {
  let testDb: TestDatabase;
  let dir: string;
  let mailer: Mailer;

  beforeEach(async () => {
    testDb = await createTestDatabase('sqlite');
    dir = makeTempDir();
    mailer = createMailer({
      smtpUrl: null,
      outboxDir: dir,
      from: FROM,
      logger,
      db: testDb.database.db,
    });
  });

  afterEach(async () => {
    mailer.close();
    await testDb.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const base: MailMessage = {
    to: ['aluno@omaum.test'],
    subject: 'Assunto',
    text: 'Texto',
    html: '<p>Texto</p>',
    idempotencyKey: 'input:1',
  };
  const invalid: [string, Partial<MailMessage>][] = [
    ['no recipient', { to: [] }],
    ['a recipient smuggling a second one', { to: ['a@omaum.test, b@omaum.test'] }],
    ['a subject with a line break', { subject: 'Assunto\r\nBcc: x@omaum.test' }],
    ['an empty idempotency key', { idempotencyKey: ' ' }],
    [
      'an attachment fetched from a URL',
      { attachments: [{ filename: 'a.pdf', path: 'http://example.com/a', contentType: 'x/y' }] },
    ],
    [
      'an attachment file that does not exist',
      { attachments: [{ filename: 'a.pdf', path: '/nonexistent/a.pdf', contentType: 'x/y' }] },
    ],
  ];
  for (const [title, change] of invalid) {
    it(`refuses for good a message with ${title}`, async () => {
      await assert.rejects(mailer.send({ ...base, ...change }), (error: unknown) => {
        assert.ok(error instanceof MailError);
        assert.equal(error.kind, 'invalid');
        assert.equal(error.isRetryable, false);
        return true;
      });
      assert.deepEqual(fs.readdirSync(dir), []);
    });
  }

  it('refuses an SMTP address that is not a URL without repeating it', () => {
    assert.throws(
      () => createMailer({ ...optionsOf(testDb), smtpUrl: 'mail.example.com:s3cret' }),
      (error: unknown) => error instanceof MailError && !error.message.includes('s3cret'),
    );
  });

  function optionsOf(database: TestDatabase) {
    return { smtpUrl: null, outboxDir: dir, from: FROM, logger, db: database.database.db };
  }
});

describe('mailer outbox', () => {
  let testDb: TestDatabase;
  let dir: string;
  let mailer: Mailer;

  beforeEach(async () => {
    testDb = await createTestDatabase('sqlite');
    dir = makeTempDir();
    mailer = createMailer({
      smtpUrl: null,
      outboxDir: path.join(dir, 'outbox'),
      from: FROM,
      logger,
      db: testDb.database.db,
    });
  });

  afterEach(async () => {
    mailer.close();
    await testDb.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes one .eml file per message that mailparser reads', async () => {
    const pdfPath = path.join(dir, 'relatorio.pdf');
    fs.writeFileSync(pdfPath, PDF_BYTES);

    const first = await mailer.send(reportMessage('outbox:1', pdfPath));
    await mailer.send(reportMessage('outbox:2', pdfPath));

    const outbox = path.join(dir, 'outbox');
    assert.deepEqual(
      fs.readdirSync(outbox).sort(),
      [outboxFileName('outbox:1'), outboxFileName('outbox:2')].sort(),
    );
    const raw = fs.readFileSync(path.join(outbox, outboxFileName('outbox:1')));
    assert.ok(raw.includes('\r\n'), 'RFC 822 lines end with CRLF');
    const mail = await simpleParser(raw);
    assert.equal(mail.subject, 'Relatório Mensal de Atividades – Turma São João – março de 2026');
    assert.equal(mail.messageId, first.messageId);
    assert.deepEqual(addresses(mail.to), ['instrutora@omaum.test', 'secretaria@omaum.test']);
    assert.equal(mail.attachments[0]?.content.toString('utf8'), CSV);
    assert.deepEqual(mail.attachments[1]?.content, PDF_BYTES);
    assert.equal(first.transport, 'outbox');
  });

  it('raises a retryable error when the outbox cannot be written', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    const blocked = createMailer({
      smtpUrl: null,
      outboxDir: path.join(blocker, 'outbox'),
      from: FROM,
      logger,
      db: testDb.database.db,
    });
    const message = { ...reportMessage('outbox:4', '/unused'), attachments: [] };

    await assert.rejects(blocked.send(message), (error: unknown) => {
      assert.ok(error instanceof MailError);
      assert.equal(error.isRetryable, true);
      assert.match(error.message, /cannot write to the outbox/);
      return true;
    });
    blocked.close();
  });

  it('writes a key once', async () => {
    const message = { ...reportMessage('outbox:3', '/unused'), attachments: [] };

    await mailer.send(message);
    const again = await mailer.send(message);

    assert.equal(again.isDuplicate, true);
    assert.equal(fs.readdirSync(path.join(dir, 'outbox')).length, 1);
  });
});
