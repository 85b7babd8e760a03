/**
 * An `email.send` job whose worker process dies with SIGKILL after the mail
 * server has the message but before the worker has heard "250 OK" (so before
 * the job could be marked complete). Another worker finishes the job, and the
 * real SMTP server the test runs must have received the message once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { loadConfig } from '../../src/config/config.ts';
import { createJobHandlers } from '../../src/jobs/job-handlers.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { createBullmqBackend } from '../../src/platform/jobs/bullmq/bullmq-backend.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobRecord, JobWorker } from '../../src/platform/jobs/job-queue.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import type { MailMessage, SendResult } from '../../src/platform/mail/mailer.ts';
import { createServices } from '../../src/services.ts';
import { startSmtpReceiver } from '../mail/smtp-receiver.ts';
import type { SmtpReceiver } from '../mail/smtp-receiver.ts';
import { randomPrefix, redisSkipReason, redisUrl, removePrefix } from './bullmq-redis.ts';
import type { EmailFixtureSettings } from './fixtures/email-worker.ts';

const LOCK_MS = 1000;
const STALLED_INTERVAL_MS = 300;
const root = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(import.meta.dirname, 'fixtures', 'email-worker.ts');
const logger = createLogger({ level: 'silent' });

const MESSAGE: MailMessage = {
  to: ['secretaria@omaum.test'],
  subject: 'Relatório de março',
  text: 'Segue o relatório.',
  html: '<p>Segue o relatório.</p>',
  idempotencyKey: 'report-schedule:7:2026-03',
};

const SCENARIOS = [
  { kind: 'embedded', skip: null },
  { kind: 'bullmq', skip: redisSkipReason },
] as const;

for (const { kind, skip } of SCENARIOS) {
  describe(`An e-mail job whose worker is killed mid-send [${kind}]`, skip ? { skip } : {}, () => {
    let dir: string;
    let database: Database;
    let receiver: SmtpReceiver;
    let backend: JobBackend;
    let prefix: string;
    let worker: JobWorker | null = null;
    let child: ChildProcess | null = null;
    const delivered = deferred();
    const killed = deferred();

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-email-kill-'));
      // A file, not :memory:, so that the child process shares it.
      database = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'app.sqlite') });
      await migrateToLatest(database);
      receiver = await startSmtpReceiver({
        // The first message is kept, then the reply waits until its sender is dead.
        beforeReply: async () => {
          if (receiver.messages.length > 1) return;
          delivered.resolve();
          await killed.promise;
        },
      });
      prefix = randomPrefix();
      backend = createBackend(kind, database, prefix);
    });

    afterEach(async () => {
      killed.resolve();
      if (child) await kill(child);
      await worker?.stop(0);
      await backend.close();
      await receiver.close();
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
      if (kind === 'bullmq') assert.equal(await removePrefix(prefix), 0);
    });

    it('is finished by another worker without sending the message again', async () => {
      const job = await backend.queue.enqueue('email', 'email.send', MESSAGE, {
        jobId: 'email:kill:1',
      });

      child = spawnWorker({
        backend: kind,
        sqliteFile: path.join(dir, 'app.sqlite'),
        dataDir: dir,
        smtpUrl: receiver.url,
        lockMs: LOCK_MS,
        redisUrl,
        prefix,
        stalledIntervalMs: STALLED_INTERVAL_MS,
      });
      await withTimeout(delivered.promise, 20_000, 'the worker did not send the message');
      await kill(child);
      child = null;
      killed.resolve();
      assert.equal((await backend.queue.get(job.id))?.state, 'active');
      assert.equal(receiver.messages.length, 1);

      worker = startWorker(backend, database, receiver.url, dir);
      await worker.start();
      const done = await waitForState(backend, job.id, 'completed');
      assert.equal((done.result as SendResult).isDuplicate, true);

      // Long enough for any further stalled check or lease sweep to act.
      await sleep(LOCK_MS + 3 * STALLED_INTERVAL_MS);
      assert.equal((await backend.queue.get(job.id))?.state, 'completed');
      const sent = await database.db
        .selectFrom('sentEmails')
        .select('messageId')
        .where('idempotencyKey', '=', MESSAGE.idempotencyKey)
        .execute();
      assert.equal(sent.length, 1);
      assert.equal(receiver.messages.length, 1);
      assert.equal(receiver.messages[0]?.parsed.messageId, sent[0]?.messageId);
    });
  });
}

function createBackend(kind: 'embedded' | 'bullmq', database: Database, prefix: string) {
  if (kind === 'embedded') {
    return createEmbeddedBackend(database, {
      leaseMs: LOCK_MS,
      pollIntervalMs: 25,
      busyPollIntervalMs: 5,
      sweepIntervalMs: 100,
    });
  }
  return createBullmqBackend({
    redisUrl,
    prefix,
    logger,
    lockDurationMs: LOCK_MS,
    stalledIntervalMs: STALLED_INTERVAL_MS,
  });
}

/** The application's handlers, as a worker process runs them. */
function startWorker(
  backend: JobBackend,
  database: Database,
  smtpUrl: string,
  dataDir: string,
): JobWorker {
  const config = loadConfig(
    { OMAUM_DATA_DIR: dataDir, OMAUM_SMTP_URL: smtpUrl },
    { useDotenv: false },
  );
  const services = createServices({
    config,
    database,
    logger,
    clock: systemClock,
    jobs: backend.queue,
  });
  return backend.createWorker({
    queues: ['email'],
    handlers: createJobHandlers({ config, database, logger, services }),
    logger,
  });
}

function spawnWorker(settings: EmailFixtureSettings): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: root,
    env: { ...process.env, OMAUM_EMAIL_FIXTURE: JSON.stringify(settings) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function waitForState(
  backend: JobBackend,
  id: string,
  state: JobRecord['state'],
): Promise<JobRecord> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const job = await backend.queue.get(id);
    if (job?.state === state) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is ${job?.state ?? 'gone'}`);
    await sleep(25);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function withTimeout(promise: Promise<void>, ms: number, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(message));
    }, ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
