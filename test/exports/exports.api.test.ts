import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

import { exportHandlers } from '../../src/exports/exports.jobs.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobWorker } from '../../src/platform/jobs/job-queue.ts';
import type { Sheet } from '../../src/sheets/sheets.schemas.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';
import { FAST_EMBEDDED, silentLogger } from '../support/quiet-jobs.ts';

interface ExportView {
  id: number;
  status: string;
  progress: number;
  fileName: string | null;
  expiresAt: string | null;
  downloadUrl: string | null;
  error: string | null;
}

type Status = 'P' | 'F' | 'J';

// Per student: the status at each lesson (March 2026), then at each full moon.
const PLAN: Record<string, { lessons: Status[]; fullMoons: Status[] }> = {
  'Ana Conceição': { lessons: ['P', 'P', 'P', 'F'], fullMoons: ['P', 'P'] },
  'Bruno Araújo': { lessons: ['P', 'F', 'F', 'J'], fullMoons: ['F', 'P'] },
};

function readCsv(text: string): Record<string, string>[] {
  return parse<Record<string, string>>(text, { bom: true, delimiter: ';', columns: true });
}

describeEachDatabase('Exports built in the background', (dialect) => {
  let t: TestApp;
  let backend: JobBackend | undefined;
  let worker: JobWorker;
  let exportsDir: string;
  let secretary: string;
  let cohortId: number;
  let sheet: Sheet;
  let marksRecorded = 0;

  async function call<T>(
    token: string,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    body?: object,
  ) {
    const response = await t.app.inject({ method, url, headers: t.auth(token), payload: body });
    assert.ok(
      response.statusCode < 300,
      `${method} ${url}: ${response.statusCode} ${response.body}`,
    );
    return response.json<T>();
  }

  async function requestExport(token: string, body: object): Promise<number> {
    const created = await call<{ id: number; jobId: string; status: string }>(
      token,
      'POST',
      '/api/v1/exports',
      body,
    );
    assert.equal(created.jobId, `export-${created.id}`);
    assert.equal(created.status, 'queued');
    return created.id;
  }

  async function waitUntilReady(token: string, id: number): Promise<ExportView> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const view = await call<ExportView>(token, 'GET', `/api/v1/exports/${id}`);
      if (view.status === 'ready') return view;
      assert.notEqual(view.status, 'failed', `export ${id} failed: ${view.error ?? ''}`);
      assert.ok(Date.now() < deadline, `export ${id} still ${view.status}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function download(token: string, id: number) {
    return t.app.inject({
      method: 'GET',
      url: `/api/v1/exports/${id}/download`,
      headers: t.auth(token),
    });
  }

  async function addSessions(activityId: number, days: number[]): Promise<number[]> {
    const ids: number[] = [];
    for (const day of days) {
      const date = `2026-03-${String(day).padStart(2, '0')}`;
      const session = await call<{ id: number }>(
        secretary,
        'POST',
        `/api/v1/activities/${activityId}/sessions`,
        { date },
      );
      ids.push(session.id);
    }
    return ids;
  }

  async function mark(sessionIds: number[], studentId: number, statuses: Status[]) {
    for (const [index, sessionId] of sessionIds.entries()) {
      const status = statuses[index];
      if (status === undefined) continue;
      await call(secretary, 'PUT', `/api/v1/sessions/${sessionId}/marks`, {
        marks: [{ studentId, status }],
      });
      marksRecorded += 1;
    }
  }

  before(async () => {
    exportsDir = await mkdtemp(path.join(os.tmpdir(), 'omaum-exports-'));
    t = await createTestApp(dialect, {
      jobs: (database) => {
        backend = createEmbeddedBackend(database, FAST_EMBEDDED);
        return backend.queue;
      },
    });
    assert.ok(backend);
    worker = backend.createWorker({
      queues: ['heavy'],
      handlers: exportHandlers({ services: t.app.services, exportsDir }),
      logger: silentLogger,
    });
    await worker.start();

    secretary = await t.tokenFor('secretary');
    const { db } = t.testDb.database;
    const cohort = await insertCohort(db, { name: 'Turma Aprendizes' });
    cohortId = cohort.id;
    const activities = await call<{ items: { id: number; name: string }[] }>(
      secretary,
      'GET',
      `/api/v1/cohorts/${cohortId}/activities`,
    );
    const activityId = (name: string) => activities.items.find((a) => a.name === name)?.id ?? 0;
    const lessons = await addSessions(activityId('Aulas'), [2, 9, 16, 23]);
    const fullMoons = await addSessions(activityId('Plenilúnios'), [3, 20]);
    for (const [fullName, plan] of Object.entries(PLAN)) {
      const student = await insertStudent(db, { fullName });
      await insertEnrollment(db, student.id, cohortId);
      await mark(lessons, student.id, plan.lessons);
      await mark(fullMoons, student.id, plan.fullMoons);
    }
    sheet = await call<Sheet>(
      secretary,
      'GET',
      `/api/v1/cohorts/${cohortId}/sheet?from=2026-03&to=2026-03`,
    );
  });

  after(async () => {
    await worker.stop();
    await backend?.close();
    await t.close();
    await rm(exportsDir, { recursive: true, force: true });
  });

  function expectedRow(row: Sheet['rows'][number]) {
    const counts = sheet.activities.flatMap((activity) => {
      const cell = row.activities.find((c) => c.activityId === activity.activityId);
      assert.ok(cell);
      return [cell.present, cell.absent + cell.excused, cell.pct];
    });
    return { name: row.fullName, counts, volunteer: row.volunteer, shortfalls: row.shortfalls };
  }

  it('builds a sheet as XLSX with the numbers of the sheet API', async () => {
    const id = await requestExport(secretary, {
      kind: 'sheet',
      format: 'xlsx',
      cohortId,
      from: '2026-03',
    });
    const view = await waitUntilReady(secretary, id);
    assert.equal(view.fileName, 'relatorio-turma-aprendizes-2026-03.xlsx');
    assert.equal(view.progress, 100);
    assert.equal(view.downloadUrl, `/api/v1/exports/${id}/download`);
    assert.ok(view.expiresAt);

    const response = await download(secretary, id);
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /spreadsheetml/);
    assert.equal(
      response.headers['content-disposition'],
      'attachment; filename="relatorio-turma-aprendizes-2026-03.xlsx"; ' +
        "filename*=UTF-8''relatorio-turma-aprendizes-2026-03.xlsx",
    );
    const workbook = new ExcelJS.Workbook();
    const file = path.join(exportsDir, 'downloaded.xlsx');
    await writeFile(file, response.rawPayload);
    await workbook.xlsx.readFile(file);
    const worksheet = workbook.worksheets[0];
    assert.ok(worksheet);
    let header = 1;
    while (worksheet.getCell(header, 2).value !== 'Aluno') header += 1;
    for (const [index, row] of sheet.rows.entries()) {
      const cells: ExcelJS.Row = worksheet.getRow(header + 2 + index);
      const values: unknown[] = Array.from({ length: 10 }, (_, i) => cells.getCell(i + 1).value);
      const expected = expectedRow(row);
      const pct = (value: number | null) => (value === null ? null : value / 100);
      assert.deepEqual(values, [
        index + 1,
        expected.name,
        expected.counts[0],
        expected.counts[1],
        pct(expected.counts[2] ?? null),
        expected.counts[3],
        expected.counts[4],
        pct(expected.counts[5] ?? null),
        expected.volunteer,
        expected.shortfalls,
      ]);
    }
  });

  it('builds a sheet as CSV with the numbers of the sheet API', async () => {
    const id = await requestExport(secretary, {
      kind: 'sheet',
      format: 'csv',
      cohortId,
      from: '2026-03',
      to: '2026-03',
    });
    const view = await waitUntilReady(secretary, id);
    assert.equal(view.fileName, 'relatorio-turma-aprendizes-2026-03.csv');
    const response = await download(secretary, id);
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/csv/);
    const records = readCsv(response.body);
    assert.equal(records.length, sheet.rows.length);
    for (const row of sheet.rows) {
      const record = records.find((r) => r.Aluno === row.fullName);
      assert.ok(record, row.fullName);
      const expected = expectedRow(row);
      const read = sheet.activities.flatMap((activity) =>
        ['p', 'f', '%'].map((column) => record[`${activity.name} ${column}`]),
      );
      assert.deepEqual(
        read,
        expected.counts.map((value) => (value === null ? '' : String(value))).map(twoDecimals),
      );
      assert.equal(record.Vol, String(row.volunteer));
      assert.equal(record.Car, String(row.shortfalls));
    }

    function twoDecimals(text: string, index: number): string {
      return index % 3 === 2 && text !== '' ? Number(text).toFixed(2) : text;
    }
  });

  it('builds a sheet as PDF', async () => {
    const id = await requestExport(secretary, {
      kind: 'sheet',
      format: 'pdf',
      cohortId,
      from: '2026-03',
    });
    await waitUntilReady(secretary, id);
    const response = await download(secretary, id);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/pdf');
    assert.equal(response.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
  });

  it('writes every mark of the period to the marks CSV', async () => {
    const id = await requestExport(secretary, {
      kind: 'marks',
      format: 'csv',
      cohortId,
      from: '2026-03',
    });
    const view = await waitUntilReady(secretary, id);
    assert.equal(view.fileName, 'presencas-turma-aprendizes-2026-03.csv');
    const response = await download(secretary, id);
    const records = readCsv(response.body);
    assert.equal(records.length, marksRecorded);
    assert.ok(records.every((record) => ['P', 'F', 'J'].includes(record.Registro ?? '')));
  });

  it('builds a student report and a roll call with pt-BR file names', async () => {
    const studentId = sheet.rows[0]?.studentId ?? 0;
    const report = await requestExport(secretary, {
      kind: 'student-report',
      format: 'csv',
      cohortId,
      from: '2026-03',
      studentId,
    });
    const rollCall = await requestExport(secretary, {
      kind: 'roll-call',
      format: 'pdf',
      cohortId,
      from: '2026-03',
    });
    const names = [
      (await waitUntilReady(secretary, report)).fileName,
      (await waitUntilReady(secretary, rollCall)).fileName,
    ];
    assert.deepEqual(names, [
      'boletim-ana-conceicao-turma-aprendizes-2026-03.csv',
      'lista-de-chamada-turma-aprendizes-2026-03.pdf',
    ]);
    assert.equal((await download(secretary, rollCall)).statusCode, 200);
  });

  it('keeps an export to its owner: others get 404, an admin may download it', async () => {
    const id = await requestExport(secretary, {
      kind: 'sheet',
      format: 'csv',
      cohortId,
      from: '2026-03',
    });
    await waitUntilReady(secretary, id);
    const other = await t.tokenFor('secretary');
    for (const url of [`/api/v1/exports/${id}`, `/api/v1/exports/${id}/download`]) {
      const response = await t.app.inject({ method: 'GET', url, headers: t.auth(other) });
      assert.equal(response.statusCode, 404, url);
      assert.equal(response.json<{ code: string }>().code, 'OMAUM_EXPORT_NOT_FOUND');
    }
    const list = await call<{ items: unknown[]; total: number }>(other, 'GET', '/api/v1/exports');
    assert.equal(list.total, 0);
    const admin = await t.tokenFor('admin');
    assert.equal((await download(admin, id)).statusCode, 200);
  });

  it('lists the own exports, newest first', async () => {
    const list = await call<{ items: ExportView[]; total: number }>(
      secretary,
      'GET',
      '/api/v1/exports',
    );
    assert.ok(list.total >= 4);
    const ids = list.items.map((item) => item.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
  });

  it('answers 410 once an export has expired', async () => {
    const id = await requestExport(secretary, {
      kind: 'sheet',
      format: 'csv',
      cohortId,
      from: '2026-03',
    });
    await waitUntilReady(secretary, id);
    await t.testDb.database.db
      .updateTable('exports')
      .set({ expiresAt: new Date(Date.now() - 60_000).toISOString() })
      .where('id', '=', id)
      .execute();
    const response = await download(secretary, id);
    assert.equal(response.statusCode, 410);
    assert.equal(response.json<{ code: string }>().code, 'OMAUM_EXPORT_EXPIRED');
    const view = await call<ExportView>(secretary, 'GET', `/api/v1/exports/${id}`);
    assert.equal(view.downloadUrl, null);
  });

  it('refuses a format the kind is not written in', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/exports',
      headers: t.auth(secretary),
      payload: { kind: 'marks', format: 'xlsx', cohortId, from: '2026-03' },
    });
    assert.equal(response.statusCode, 400);
    const body = response.json<{ code: string; details: { field: string }[] }>();
    assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
    assert.deepEqual(
      body.details.map((detail) => detail.field),
      ['format'],
    );
  });

  it('answers 404 to an instructor asking for a cohort they do not teach', async () => {
    const student = await insertStudent(t.testDb.database.db);
    const instructor = await t.tokenFor('instructor', { studentId: student.id });
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/exports',
      headers: t.auth(instructor),
      payload: { kind: 'sheet', format: 'csv', cohortId, from: '2026-03' },
    });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json<{ code: string }>().code, 'OMAUM_COHORT_NOT_FOUND');
  });
});

describe('Exports without a job queue', () => {
  it('answers 503', async () => {
    const t = await createTestApp('sqlite');
    try {
      const token = await t.tokenFor('secretary');
      const cohort = await insertCohort(t.testDb.database.db);
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/exports',
        headers: t.auth(token),
        payload: { kind: 'sheet', format: 'xlsx', cohortId: cohort.id, from: '2026-03' },
      });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json<{ code: string }>().code, 'OMAUM_EXPORT_QUEUE_UNAVAILABLE');
    } finally {
      await t.close();
    }
  });
});
