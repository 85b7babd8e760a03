import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { importHandlers } from '../../src/attendance/import/import.jobs.ts';
import type { ImportStatus } from '../../src/attendance/import/import.service.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobWorker } from '../../src/platform/jobs/job-queue.ts';
import type { Sheet } from '../../src/sheets/sheets.schemas.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';
import { FAST_EMBEDDED, silentLogger } from '../support/quiet-jobs.ts';

const HEADER = 'data;atividade;aluno;registro;convocado;justificativa';

interface Cohort {
  id: number;
  numbers: [string, string];
  studentIds: [number, number];
}

describeEachDatabase('Importing marks in the background', (dialect) => {
  let t: TestApp;
  let backend: JobBackend | undefined;
  let worker: JobWorker;
  let secretary: string;
  let serial = 0;

  before(async () => {
    t = await createTestApp(dialect, {
      jobs: (database) => {
        backend = createEmbeddedBackend(database, FAST_EMBEDDED);
        return backend.queue;
      },
    });
    assert.ok(backend);
    worker = backend.createWorker({
      queues: ['bulk'],
      handlers: importHandlers({ services: t.app.services, db: t.testDb.database.db }),
      logger: silentLogger,
    });
    await worker.start();
    secretary = await t.tokenFor('secretary');
  });

  after(async () => {
    await worker.stop();
    await backend?.close();
    await t.close();
  });

  async function newCohort(overrides: { instructorId?: number } = {}): Promise<Cohort> {
    const { db } = t.testDb.database;
    const cohort = await insertCohort(db, overrides);
    serial += 1;
    const numbers: [string, string] = [`IMP-${serial}-A`, `IMP-${serial}-B`];
    const ana = await insertStudent(db, { fullName: 'Ana Souza', initiaticNumber: numbers[0] });
    const bia = await insertStudent(db, { fullName: 'Bia Lima', initiaticNumber: numbers[1] });
    await insertEnrollment(db, ana.id, cohort.id);
    await insertEnrollment(db, bia.id, cohort.id);
    return { id: cohort.id, numbers, studentIds: [ana.id, bia.id] };
  }

  async function startImport(token: string, cohortId: number, body: object) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/cohorts/${cohortId}/attendance/import`,
      headers: t.auth(token),
      payload: body,
    });
  }

  async function importAndWait(cohortId: number, body: object): Promise<ImportStatus> {
    const response = await startImport(secretary, cohortId, body);
    assert.equal(response.statusCode, 202, response.body);
    const { jobId } = response.json<{ jobId: string }>();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await t.app.inject({
        method: 'GET',
        url: `/api/v1/attendance-imports/${jobId}`,
        headers: t.auth(secretary),
      });
      assert.equal(status.statusCode, 200, status.body);
      const view = status.json<ImportStatus>();
      if (view.state === 'completed') return view;
      assert.notEqual(view.state, 'failed', `import failed: ${view.failedReason ?? ''}`);
      assert.ok(Date.now() < deadline, `import still ${view.state}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function marksOf(cohortId: number) {
    return t.testDb.database.db
      .selectFrom('marks')
      .select(['studentId', 'status', 'month'])
      .where('cohortId', '=', cohortId)
      .orderBy('id')
      .execute();
  }

  function csv(cohort: Cohort, extra: string[] = []): string {
    const [ana, bia] = cohort.numbers;
    return [
      HEADER,
      `02/03/2026;Aulas;${ana};P;;`,
      `02/03/2026;Aulas;${bia};F;;`,
      `2026-03-09;Aulas;${ana};J;não;Viagem`,
      `06/04/2026;Plenilúnios;${bia};P;;`,
      ...extra,
    ].join('\n');
  }

  it('saves the marks of a valid CSV, and the sheet counts them', async () => {
    const cohort = await newCohort();
    const view = await importAndWait(cohort.id, { format: 'csv', content: csv(cohort) });
    assert.deepEqual(
      { total: view.report?.total, saved: view.report?.saved, rejected: view.report?.rejected },
      { total: 4, saved: 4, rejected: 0 },
    );
    assert.equal(view.progress, 100);
    assert.ok(view.report?.rows.every((row) => row.status === 'ok' && row.reason === null));
    assert.equal((await marksOf(cohort.id)).length, 4);

    const sheet = await t.app.inject({
      method: 'GET',
      url: `/api/v1/cohorts/${cohort.id}/sheet?from=2026-03&to=2026-04`,
      headers: t.auth(secretary),
    });
    const rows = sheet.json<Sheet>().rows;
    const lessons = (studentId: number) => {
      const row = rows.find((r) => r.studentId === studentId);
      return row?.activities.find((cell) => cell.present + cell.absent + cell.excused > 0);
    };
    assert.equal(lessons(cohort.studentIds[0])?.present, 1);
    assert.equal(lessons(cohort.studentIds[0])?.excused, 1);
    assert.equal(lessons(cohort.studentIds[1])?.absent, 1);
  });

  it('records imported marks in the history as coming from the import', async () => {
    const cohort = await newCohort();
    await importAndWait(cohort.id, { format: 'csv', content: csv(cohort) });
    const { db } = t.testDb.database;
    const history = () =>
      db
        .selectFrom('markHistory')
        .innerJoin('marks', 'marks.id', 'markHistory.markId')
        .select(['markHistory.source', 'markHistory.newStatus'])
        .where('marks.cohortId', '=', cohort.id)
        .orderBy('markHistory.id')
        .execute();
    assert.deepEqual(
      (await history()).map((entry) => entry.source),
      ['import', 'import', 'import', 'import'],
    );

    // The month-at-once screen still names itself.
    const session = await db
      .selectFrom('sessions')
      .select(['activityId', 'heldOn', 'slot'])
      .where('cohortId', '=', cohort.id)
      .where('heldOn', '=', '2026-03-02')
      .executeTakeFirstOrThrow();
    await t.app.services.monthAttendance.save(SYSTEM_ACTOR, cohort.id, '2026-03', {
      sessions: [
        {
          activityId: session.activityId,
          date: session.heldOn,
          slot: session.slot,
          marks: [{ studentId: cohort.studentIds[1], status: 'J', justification: 'Doença' }],
        },
      ],
    });
    const after = await history();
    assert.equal(after.length, 5);
    assert.deepEqual(after.at(-1), { source: 'month', newStatus: 'J' });
  });

  it('saves nothing when one row is rejected, and names every rejected row', async () => {
    const cohort = await newCohort();
    const [ana] = cohort.numbers;
    const content = csv(cohort, [
      `16/03/2026;Aulas;${ana};V1;;`,
      `16/03/2026;Aulas;NAO-EXISTE;P;;`,
      `31/02/2026;Aulas;${ana};P;;`,
    ]);
    const view = await importAndWait(cohort.id, { format: 'csv', content });
    assert.equal(view.report?.saved, 0);
    assert.equal(view.report?.rejected, 3);
    const rejected = view.report?.rows.filter((row) => row.status === 'rejected');
    assert.deepEqual(
      rejected?.map((row) => [row.row, row.code]),
      [
        [5, 'attendance_status_required'],
        [6, 'student_unknown'],
        [7, 'invalid_date'],
      ],
    );
    assert.match(rejected?.[0]?.reason ?? '', /use P, F ou J/);
    assert.deepEqual(await marksOf(cohort.id), []);
  });

  it('saves the good rows when the import is partial', async () => {
    const cohort = await newCohort();
    const [ana] = cohort.numbers;
    const content = csv(cohort, [`16/03/2026;Aulas;${ana};V1;;`, `16/03/2026;Sem nome;${ana};P;;`]);
    const view = await importAndWait(cohort.id, { format: 'csv', content, partial: true });
    assert.equal(view.report?.saved, 4);
    assert.deepEqual(
      view.report?.rows.filter((row) => row.status === 'rejected').map((row) => row.code),
      ['attendance_status_required', 'activity_unknown'],
    );
    assert.equal((await marksOf(cohort.id)).length, 4);
  });

  it('reads JSON naming activities and students by id or by name and number', async () => {
    const cohort = await newCohort();
    const activities = await t.testDb.database.db
      .selectFrom('activities')
      .select(['id', 'name'])
      .where('cohortId', '=', cohort.id)
      .execute();
    const lessons = activities.find((a) => a.name === 'Aulas');
    assert.ok(lessons);
    const content = JSON.stringify([
      { date: '2026-03-02', activityId: lessons.id, studentId: cohort.studentIds[0], status: 'P' },
      { date: '02/03/2026', activity: 'aulas', initiaticNumber: cohort.numbers[1], status: 'F' },
    ]);
    const view = await importAndWait(cohort.id, { format: 'json', content });
    assert.equal(view.report?.saved, 2);
    const marks = await marksOf(cohort.id);
    assert.deepEqual(
      marks.map((mark) => [mark.studentId, mark.status]),
      [
        [cohort.studentIds[0], 'P'],
        [cohort.studentIds[1], 'F'],
      ],
    );
  });

  it('keeps instructors to their cohorts and imports to their requester', async () => {
    const { db } = t.testDb.database;
    const teacher = await insertStudent(db);
    const instructor = await t.tokenFor('instructor', { studentId: teacher.id });
    const own = await newCohort({ instructorId: teacher.id });
    const other = await newCohort();
    const content = csv(other);
    const refused = await startImport(instructor, other.id, { format: 'csv', content });
    assert.equal(refused.statusCode, 404);
    assert.equal(refused.json<{ code: string }>().code, 'OMAUM_COHORT_NOT_FOUND');

    const accepted = await startImport(instructor, own.id, { format: 'csv', content: csv(own) });
    assert.equal(accepted.statusCode, 202);
    const { jobId } = accepted.json<{ jobId: string }>();
    const url = `/api/v1/attendance-imports/${jobId}`;
    const stranger = await t.app.inject({ method: 'GET', url, headers: t.auth(secretary) });
    assert.equal(stranger.statusCode, 404);
    const admin = await t.tokenFor('admin');
    const seen = await t.app.inject({ method: 'GET', url, headers: t.auth(admin) });
    assert.equal(seen.statusCode, 200);
  });
});
