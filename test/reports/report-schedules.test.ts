import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { simpleParser } from 'mailparser';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { loadConfig } from '../../src/config/config.ts';
import { writeSheetCsv } from '../../src/exports/sheet-csv.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobContext, JobRecord } from '../../src/platform/jobs/job-queue.ts';
import { UnrecoverableJobError } from '../../src/platform/jobs/job-queue.ts';
import { reportPeriod, reportScheduleHandlers } from '../../src/reports/report-schedules.jobs.ts';
import type { ReportJobData } from '../../src/reports/report-schedules.service.ts';
import { manualClock } from '../auth/manual-clock.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';
import { silentLogger } from '../support/quiet-jobs.ts';

interface ScheduleView {
  id: number;
  cohortId: number;
  report: string;
  format: string;
  recipients: string[];
  cron: string;
  timeZone: string;
  isActive: boolean;
  lastRunAt: string | null;
}

function contextFor(scheduleId: number, requestId?: string): JobContext<ReportJobData> {
  const job: JobRecord<ReportJobData> = {
    id: `report-schedule-${scheduleId}@test`,
    queue: 'email',
    name: 'reports.scheduled',
    data: requestId === undefined ? { scheduleId } : { scheduleId, requestId },
    state: 'active',
    progress: 0,
    attemptsMade: 0,
    maxAttempts: 3,
    result: null,
    failedReason: null,
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
  };
  return {
    job,
    signal: new AbortController().signal,
    logger: silentLogger,
    updateProgress: () => Promise.resolve(),
  };
}

describe('The period of a scheduled report', () => {
  it('is the previous month for the monthly sheet', () => {
    assert.deepEqual(reportPeriod('sheet-month', '2026-02', '2025-03'), {
      from: '2026-02',
      to: '2026-02',
    });
  });

  it('runs from the first month of the cohort for the accumulated sheet, at most 36 months', () => {
    const period = { from: '2025-03', to: '2026-02' };
    assert.deepEqual(reportPeriod('sheet-accumulated', '2026-02', '2025-03'), period);
    assert.deepEqual(reportPeriod('sheet-accumulated', '2026-02', '2010-01'), {
      from: '2023-03',
      to: '2026-02',
    });
    assert.deepEqual(reportPeriod('sheet-accumulated', '2026-02', null), {
      from: '2026-02',
      to: '2026-02',
    });
  });
});

describeEachDatabase('Report schedules', (dialect) => {
  let t: TestApp;
  let backend: JobBackend | undefined;
  let dataDir: string;
  let secretary: string;
  let cohortId: number;
  const clock = manualClock('2026-03-10T12:00:00.000Z');

  async function call(
    token: string,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: object,
  ) {
    return t.app.inject({ method, url, headers: t.auth(token), payload: body });
  }

  async function create(body: object): Promise<ScheduleView> {
    const response = await call(secretary, 'POST', '/api/v1/report-schedules', body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json<ScheduleView>();
  }

  function validBody(overrides: object = {}): object {
    return {
      cohortId,
      report: 'sheet-month',
      format: 'csv',
      recipients: ['Secretaria@Escola.org.br', 'direcao@escola.org.br'],
      cron: '0 7 1 * *',
      ...overrides,
    };
  }

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'omaum-reports-'));
    t = await createTestApp(dialect, {
      clock,
      env: { OMAUM_DATA_DIR: dataDir },
      jobs: (database) => {
        backend = createEmbeddedBackend(database);
        return backend.queue;
      },
    });
    secretary = await t.tokenFor('secretary');
    const { db } = t.testDb.database;
    const cohort = await insertCohort(db, {
      name: 'Turma Aprendizes',
      initiationDate: '2026-01-10',
    });
    cohortId = cohort.id;
    const student = await insertStudent(db, { fullName: 'Ana Conceição' });
    await insertEnrollment(db, student.id, cohortId);
  });

  after(async () => {
    await backend?.close();
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates, reads, lists, changes and deletes a schedule, keeping the queue in step', async () => {
    const created = await create(validBody());
    assert.deepEqual(created.recipients, ['secretaria@escola.org.br', 'direcao@escola.org.br']);
    assert.equal(created.timeZone, 'America/Sao_Paulo');
    assert.equal(created.isActive, true);
    assert.ok(backend);
    const queueId = `report-schedule-${created.id}`;
    const queued = (await backend.queue.listSchedules()).find((s) => s.id === queueId);
    assert.deepEqual(queued, {
      id: queueId,
      queue: 'email',
      name: 'reports.scheduled',
      data: { scheduleId: created.id },
      cron: '0 7 1 * *',
      timeZone: 'America/Sao_Paulo',
    });

    const got = await call(secretary, 'GET', `/api/v1/report-schedules/${created.id}`);
    assert.equal(got.json<ScheduleView>().cron, '0 7 1 * *');
    const list = await call(secretary, 'GET', `/api/v1/report-schedules?cohortId=${cohortId}`);
    assert.ok(list.json<{ items: ScheduleView[] }>().items.some((s) => s.id === created.id));
    const none = await call(secretary, 'GET', `/api/v1/report-schedules?cohortId=999999`);
    assert.equal(none.json<{ total: number }>().total, 0);

    const run = await call(secretary, 'POST', `/api/v1/report-schedules/${created.id}/run`);
    assert.equal(run.statusCode, 202, run.body);
    const runJob = await backend.queue.get(run.json<{ jobId: string }>().jobId);
    assert.equal(runJob?.name, 'reports.scheduled');
    const runData = runJob?.data as { scheduleId: number; requestId?: string } | undefined;
    assert.equal(runData?.scheduleId, created.id);
    assert.match(runData?.requestId ?? '', /^[0-9a-f-]{36}$/, 'a run now has its own request id');
    const missing = await call(secretary, 'POST', '/api/v1/report-schedules/999999/run');
    assert.equal(missing.json<{ code: string }>().code, 'OMAUM_REPORT_SCHEDULE_NOT_FOUND');

    const patched = await call(secretary, 'PATCH', `/api/v1/report-schedules/${created.id}`, {
      cron: '30 6 * * 1',
    });
    assert.equal(patched.statusCode, 200, patched.body);
    const requeued = (await backend.queue.listSchedules()).find((s) => s.id === queueId);
    assert.equal(requeued?.cron, '30 6 * * 1');

    await call(secretary, 'PATCH', `/api/v1/report-schedules/${created.id}`, { isActive: false });
    assert.equal(
      (await backend.queue.listSchedules()).some((s) => s.id === queueId),
      false,
    );

    const deleted = await call(secretary, 'DELETE', `/api/v1/report-schedules/${created.id}`);
    assert.equal(deleted.statusCode, 204);
    const gone = await call(secretary, 'GET', `/api/v1/report-schedules/${created.id}`);
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json<{ code: string }>().code, 'OMAUM_REPORT_SCHEDULE_NOT_FOUND');
  });

  it('refuses a bad cron, a bad e-mail and an unknown cohort, naming the field', async () => {
    const cases: [object, string][] = [
      [{ cron: 'every monday' }, 'cron'],
      [{ cron: '0 7 32 * *' }, 'cron'],
      [{ recipients: ['not-an-address'] }, 'recipients'],
      [{ cohortId: 999999 }, 'cohortId'],
      [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
    ];
    for (const [overrides, field] of cases) {
      const response = await call(
        secretary,
        'POST',
        '/api/v1/report-schedules',
        validBody(overrides),
      );
      assert.equal(response.statusCode, 400, `${JSON.stringify(overrides)}: ${response.body}`);
      const body = response.json<{ code: string; details?: { field: string }[] }>();
      assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
      assert.ok(
        JSON.stringify(body.details).includes(field),
        `${field} not named in ${JSON.stringify(body.details)}`,
      );
    }
  });

  it('is kept from viewers', async () => {
    const token = await t.tokenFor('viewer');
    const list = await call(token, 'GET', '/api/v1/report-schedules');
    assert.equal(list.statusCode, 403);
    const post = await call(token, 'POST', '/api/v1/report-schedules', validBody());
    assert.equal(post.statusCode, 403);
  });

  it('e-mails the sheet of the previous month once per period', async () => {
    const schedule = await create(validBody());
    const config = loadConfig({ OMAUM_DATA_DIR: dataDir }, { useDotenv: false });
    const handlers = reportScheduleHandlers({
      config,
      database: t.testDb.database,
      logger: silentLogger,
      services: t.app.services,
    });
    const handler = handlers['reports.scheduled'];
    assert.ok(handler);
    const outbox = path.join(dataDir, 'outbox');

    const first = await handler(contextFor(schedule.id) as never);
    assert.deepEqual(first, {
      scheduleId: schedule.id,
      period: { from: '2026-02', to: '2026-02' },
      messageId: (first as { messageId: string }).messageId,
      isDuplicate: false,
    });
    const files = (await readdir(outbox)).filter((name) => name.endsWith('.eml'));
    assert.equal(files.length, 1);
    const [file = ''] = files;
    const mail = await simpleParser(await readFile(path.join(outbox, file)));
    const to = Array.isArray(mail.to) ? mail.to : [mail.to];
    assert.deepEqual(
      to.flatMap((address) => address?.value.map((v) => v.address) ?? []),
      ['secretaria@escola.org.br', 'direcao@escola.org.br'],
    );
    assert.match(mail.subject ?? '', /Turma Aprendizes – fevereiro de 2026/);
    assert.equal(mail.attachments.length, 1);
    const [attachment] = mail.attachments;
    assert.equal(attachment?.filename, 'relatorio-turma-aprendizes-2026-02.csv');

    const expectedFile = path.join(dataDir, 'expected.csv');
    const sheet = await t.app.services.sheets.sheet(SYSTEM_ACTOR, cohortId, '2026-02');
    await writeSheetCsv(sheet, expectedFile, () => undefined);
    const expected = await readFile(expectedFile);
    assert.equal(attachment?.content.toString('utf8'), expected.toString('utf8'));
    assert.match(expected.toString('utf8'), /Ana Conceição/);

    const got = await call(secretary, 'GET', `/api/v1/report-schedules/${schedule.id}`);
    assert.equal(got.json<ScheduleView>().lastRunAt, clock.now().toISOString());

    const second = (await handler(contextFor(schedule.id) as never)) as { isDuplicate: boolean };
    assert.equal(second.isDuplicate, true);
    const after = (await readdir(outbox)).filter((name) => name.endsWith('.eml'));
    assert.equal(after.length, 1);
    const leftovers = (await readdir(path.join(dataDir, 'exports'))).filter((name) =>
      name.startsWith('report-schedule-'),
    );
    assert.deepEqual(leftovers, []);
  });

  it('sends again when asked, once per request, after the tick sent the period', async () => {
    const schedule = await create(validBody());
    const handler = reportScheduleHandlers({
      config: loadConfig({ OMAUM_DATA_DIR: dataDir }, { useDotenv: false }),
      database: t.testDb.database,
      logger: silentLogger,
      services: t.app.services,
    })['reports.scheduled'];
    assert.ok(handler);
    const outbox = path.join(dataDir, 'outbox');
    const sentCount = async () =>
      (await readdir(outbox).catch(() => [])).filter((name) => name.endsWith('.eml')).length;
    const before = await sentCount();

    const tick = (await handler(contextFor(schedule.id) as never)) as { isDuplicate: boolean };
    assert.equal(tick.isDuplicate, false);
    const asked = async (requestId: string) =>
      ((await handler(contextFor(schedule.id, requestId) as never)) as { isDuplicate: boolean })
        .isDuplicate;
    assert.equal(await asked('request-1'), false, 'the first request sends the period again');
    assert.equal(await asked('request-1'), true, 'a retry of that request sends nothing');
    assert.equal(await asked('request-2'), false, 'a second request sends again');
    assert.equal(await sentCount(), before + 3);
  });

  it('gives up on a schedule that is missing or inactive', async () => {
    const schedule = await create(validBody({ isActive: false }));
    const handler = reportScheduleHandlers({
      config: loadConfig({ OMAUM_DATA_DIR: dataDir }, { useDotenv: false }),
      database: t.testDb.database,
      logger: silentLogger,
      services: t.app.services,
    })['reports.scheduled'];
    assert.ok(handler);
    await assert.rejects(handler(contextFor(schedule.id) as never), UnrecoverableJobError);
    await assert.rejects(handler(contextFor(999999) as never), UnrecoverableJobError);
  });
});
