import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createJobHandlers } from '../../src/jobs/job-handlers.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobRecord, JobWorker } from '../../src/platform/jobs/job-queue.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { createServices } from '../../src/services.ts';
import type { TestDatabase } from '../support/databases.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';

const FAST = { pollIntervalMs: 25, busyPollIntervalMs: 5, leaseMs: 3000, sweepIntervalMs: 100 };

describeEachDatabase('the job handlers every worker runs', (dialect) => {
  let testDb: TestDatabase;
  let backend: JobBackend;
  let worker: JobWorker;
  let dataDir: string;

  beforeEach(async () => {
    testDb = await createTestDatabase(dialect);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-handlers-'));
    const config = loadConfig({ OMAUM_DATA_DIR: dataDir }, { useDotenv: false });
    const logger = createLogger({ level: 'silent' });
    backend = createEmbeddedBackend(testDb.database, FAST);
    const services = createServices({
      config,
      database: testDb.database,
      logger,
      clock: systemClock,
      jobs: backend.queue,
    });
    const handlers = createJobHandlers({ config, database: testDb.database, logger, services });
    worker = backend.createWorker({ queues: ['statistics', 'email', 'default'], handlers, logger });
    await worker.start();
  });
  afterEach(async () => {
    await worker.stop(0);
    await backend.close();
    await testDb.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function finished(id: string): Promise<JobRecord> {
    for (let waited = 0; waited < 10_000; waited += 50) {
      const job = await backend.queue.get(id);
      if (job && (job.state === 'completed' || job.state === 'failed')) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`job ${id} did not finish`);
  }

  it('rebuilds the monthly counters from the marks', async () => {
    const db = testDb.database.db;
    const cohort = await insertCohort(db);
    const student = await insertStudent(db);
    await insertEnrollment(db, student.id, cohort.id, '2026-01-01');
    const services = createServices({
      config: loadConfig({ OMAUM_DATA_DIR: dataDir }, { useDotenv: false }),
      database: testDb.database,
      logger: createLogger({ level: 'silent' }),
      clock: systemClock,
    });
    const activity = (
      await services.activities.list(SYSTEM_ACTOR, cohort.id, {}, { limit: 10, offset: 0 })
    ).items[0];
    assert.ok(activity);
    await services.monthAttendance.save(SYSTEM_ACTOR, cohort.id, '2026-02', {
      sessions: [
        {
          activityId: activity.id,
          date: '2026-02-03',
          marks: [{ studentId: student.id, status: 'P' }],
        },
      ],
    });
    await db.deleteFrom('attendanceCounters').execute();

    const job = await backend.queue.enqueue('statistics', 'statistics.rebuild', {
      cohortId: cohort.id,
    });
    const done = await finished(job.id);
    assert.equal(done.state, 'completed', done.failedReason ?? '');
    assert.deepEqual(done.result, { rebuiltMonths: 1 });
    const counters = await db.selectFrom('attendanceCounters').selectAll().execute();
    assert.equal(counters.length, 1);
    assert.equal(counters[0]?.present, 1);
  });

  it('writes an e-mail to the outbox once per idempotency key', async () => {
    const message = {
      to: ['secretaria@exemplo.com.br'],
      subject: 'Relatório de março',
      text: 'Segue o relatório.',
      html: '<p>Segue o relatório.</p>',
      idempotencyKey: 'test-report-2026-03',
    };
    const first = await backend.queue.enqueue('email', 'email.send', message);
    assert.equal((await finished(first.id)).state, 'completed');
    const second = await backend.queue.enqueue('email', 'email.send', message);
    const again = await finished(second.id);
    assert.equal(again.state, 'completed');
    assert.equal((again.result as { isDuplicate: boolean }).isDuplicate, true);
    assert.equal(fs.readdirSync(path.join(dataDir, 'outbox')).length, 1);
  });

  it('fails an e-mail without an address at once, without retrying', async () => {
    const job = await backend.queue.enqueue('email', 'email.send', {
      to: [],
      subject: 'x',
      text: 'x',
      html: 'x',
      idempotencyKey: 'no-recipient',
    });
    const done = await finished(job.id);
    assert.equal(done.state, 'failed');
    assert.equal(done.attemptsMade, 1);
  });

  it('cleans up expired tokens', async () => {
    const db = testDb.database.db;
    const now = new Date().toISOString();
    const user = await db
      .insertInto('users')
      .values({
        email: 'old@exemplo.com.br',
        name: 'Old',
        passwordHash: 'x',
        role: 'viewer',
        isActive: true,
        mustChangePassword: false,
        failedSignIns: 0,
        createdAt: now,
        updatedAt: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('apiTokens')
      .values({
        userId: user.id,
        tokenHash: 'expired',
        name: 'api',
        expiresAt: '2020-01-01T00:00:00.000Z',
        createdAt: now,
        updatedAt: now,
      })
      .execute();

    const job = await backend.queue.enqueue('default', 'maintenance.cleanup', {});
    const done = await finished(job.id);
    assert.equal(done.state, 'completed', done.failedReason ?? '');
    assert.equal((done.result as { expiredTokens: number }).expiredTokens, 1);
  });
});
