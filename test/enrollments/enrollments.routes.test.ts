import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { LightMyRequestResponse } from 'fastify';

import type { Clock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/database.ts';
import type { NewCohort, NewStudent } from '../../src/platform/db/tables.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';

// 01:30 UTC on 1 March is still 28 February in São Paulo (UTC−3): the default end date
// must be the institution's day, not the server's.
const clock: Clock = { now: () => new Date('2026-03-01T01:30:00.000Z') };
const TODAY_IN_SAO_PAULO = '2026-02-28';

interface ErrorReply {
  code: string;
  message: string;
  details?: { field: string; studentId?: number; code?: string; message: string }[];
}

interface EnrollmentReply {
  id: number;
  studentId: number;
  cohortId: number;
  enrolledOn: string;
  endedOn: string | null;
  status: string;
  notes: string | null;
}

describeEachDatabase('enrollments API', (dialect) => {
  let t: TestApp;
  let db: Db;
  let admin: string;

  beforeEach(async () => {
    t = await createTestApp(dialect, { clock });
    db = t.testDb.database.db;
    admin = await t.tokenFor('admin');
  });
  afterEach(() => t.close());

  const student = (overrides: Partial<NewStudent> = {}) => insertStudent(db, overrides);
  const cohort = (overrides: Partial<NewCohort> = {}) => insertCohort(db, overrides);

  function enroll(cohortId: number, body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/cohorts/${cohortId}/enrollments`,
      headers: t.auth(token),
      payload: body,
    });
  }

  function bulk(cohortId: number, body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/cohorts/${cohortId}/enrollments/bulk`,
      headers: t.auth(token),
      payload: body,
    });
  }

  function patch(id: number, body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'PATCH',
      url: `/api/v1/enrollments/${id}`,
      headers: t.auth(token),
      payload: body,
    });
  }

  function read(url: string, token = admin) {
    return t.app.inject({ url: `/api/v1${url}`, headers: t.auth(token) });
  }

  async function countEnrollments(cohortId: number): Promise<number> {
    const rows = await db
      .selectFrom('enrollments')
      .select('id')
      .where('cohortId', '=', cohortId)
      .execute();
    return rows.length;
  }

  function assertRefused(
    response: LightMyRequestResponse,
    statusCode: number,
    code: string,
  ): ErrorReply {
    const body = response.json<ErrorReply>();
    assert.equal(response.statusCode, statusCode, JSON.stringify(body));
    assert.equal(body.code, code);
    return body;
  }

  it('enrolls a student and lists the cohort with names and numbers', async () => {
    const turma = await cohort();
    const ana = await student({ fullName: 'Ana Souza', initiaticNumber: 'A-001' });
    const created = await enroll(turma.id, {
      studentId: ana.id,
      enrolledOn: '2026-02-01',
      notes: '  veio da turma de 2025 ',
    });
    assert.equal(created.statusCode, 201, created.body);
    const enrollment = created.json<EnrollmentReply>();
    assert.equal(enrollment.status, 'active');
    assert.equal(enrollment.enrolledOn, '2026-02-01');
    assert.equal(enrollment.endedOn, null);
    assert.equal(enrollment.notes, 'veio da turma de 2025');

    const list = await read(`/cohorts/${turma.id}/enrollments`);
    assert.equal(list.statusCode, 200);
    const body = list.json<{ items: { studentName: string; initiaticNumber: string }[] }>();
    assert.deepEqual(
      body.items.map((item) => [item.studentName, item.initiaticNumber]),
      [['Ana Souza', 'A-001']],
    );

    const one = await read(`/enrollments/${enrollment.id}`);
    assert.deepEqual(one.json(), created.json());
  });

  it("lists a student's enrollments with the cohort name", async () => {
    const ana = await student();
    const old = await cohort({ name: 'Turma 2024', status: 'finished' });
    const current = await cohort({ name: 'Turma 2026' });
    await insertEnrollment(db, ana.id, old.id, '2024-03-01');
    await insertEnrollment(db, ana.id, current.id, '2026-02-01');

    const list = await read(`/students/${ana.id}/enrollments`);
    assert.equal(list.statusCode, 200);
    const body = list.json<{ items: { cohortName: string }[]; total: number }>();
    assert.equal(body.total, 2);
    assert.deepEqual(
      body.items.map((item) => item.cohortName),
      ['Turma 2026', 'Turma 2024'],
    );

    const missing = await read('/students/999999/enrollments');
    assertRefused(missing, 404, 'OMAUM_STUDENT_NOT_FOUND');
  });

  it('filters a cohort list by status and pages it with a total', async () => {
    const turma = await cohort();
    const ids = [];
    for (const name of ['Bia', 'Caio', 'Davi']) {
      const s = await student({ fullName: name });
      ids.push((await insertEnrollment(db, s.id, turma.id)).id);
    }
    const [first] = ids;
    assert.ok(first !== undefined);
    assert.equal((await patch(first, { status: 'cancelled' })).statusCode, 200);

    const active = await read(`/cohorts/${turma.id}/enrollments?status=active&limit=1`);
    const body = active.json<{ items: { studentName: string }[]; total: number }>();
    assert.equal(body.total, 2);
    assert.deepEqual(
      body.items.map((item) => item.studentName),
      ['Caio'],
    );
    const cancelled = await read(`/cohorts/${turma.id}/enrollments?status=cancelled`);
    assert.equal(cancelled.json<{ total: number }>().total, 1);
  });

  it('refuses a second enrollment of the same student in the same cohort (409)', async () => {
    const turma = await cohort();
    const ana = await student();
    await insertEnrollment(db, ana.id, turma.id);
    const again = await enroll(turma.id, { studentId: ana.id, enrolledOn: '2026-02-01' });
    const body = assertRefused(again, 409, 'OMAUM_ENROLLMENT_DUPLICATE');
    assert.equal(body.details?.[0]?.field, 'studentId');
  });

  it('refuses a student already active in another active cohort, naming it (409)', async () => {
    const ana = await student();
    const other = await cohort({ name: 'Turma Quinta' });
    await insertEnrollment(db, ana.id, other.id);
    const refused = await enroll((await cohort()).id, {
      studentId: ana.id,
      enrolledOn: '2026-02-01',
    });
    const body = assertRefused(refused, 409, 'OMAUM_ENROLLMENT_ACTIVE_ELSEWHERE');
    assert.match(body.message, /Turma Quinta/);
  });

  it('ignores active enrollments in cohorts no longer active or archived', async () => {
    const ana = await student();
    const finished = await cohort({ status: 'finished' });
    const archived = await cohort({ archivedAt: '2026-01-15T00:00:00.000Z' });
    await insertEnrollment(db, ana.id, finished.id);
    await insertEnrollment(db, ana.id, archived.id);
    const created = await enroll((await cohort()).id, {
      studentId: ana.id,
      enrolledOn: '2026-02-01',
    });
    assert.equal(created.statusCode, 201, created.body);
  });

  it('refuses an enrollment beyond the capacity (409)', async () => {
    const turma = await cohort({ capacity: 1 });
    await insertEnrollment(db, (await student()).id, turma.id);
    const full = await enroll(turma.id, {
      studentId: (await student()).id,
      enrolledOn: '2026-02-01',
    });
    assertRefused(full, 409, 'OMAUM_ENROLLMENT_COHORT_FULL');

    // A cancelled enrollment frees its seat.
    const [seat] = await db.selectFrom('enrollments').select('id').execute();
    assert.ok(seat);
    await patch(seat.id, { status: 'cancelled' });
    const fits = await enroll(turma.id, {
      studentId: (await student()).id,
      enrolledOn: '2026-02-01',
    });
    assert.equal(fits.statusCode, 201, fits.body);
  });

  it('refuses students and cohorts that are missing (404) or not active (422)', async () => {
    const turma = await cohort();
    const enrollIn = async (cohortId: number, studentId: number) =>
      enroll(cohortId, { studentId, enrolledOn: '2026-02-01' });

    assertRefused(await enrollIn(turma.id, 999999), 404, 'OMAUM_STUDENT_NOT_FOUND');
    assertRefused(await enrollIn(999999, (await student()).id), 404, 'OMAUM_COHORT_NOT_FOUND');

    const onLeave = await student({ situation: 'on_leave' });
    const body = assertRefused(
      await enrollIn(turma.id, onLeave.id),
      422,
      'OMAUM_ENROLLMENT_NOT_ALLOWED',
    );
    assert.match(body.message, /on_leave/);
    const archivedStudent = await student({ archivedAt: '2026-01-15T00:00:00.000Z' });
    assertRefused(
      await enrollIn(turma.id, archivedStudent.id),
      422,
      'OMAUM_ENROLLMENT_NOT_ALLOWED',
    );

    const inactive = await cohort({ status: 'inactive' });
    const reply = assertRefused(
      await enrollIn(inactive.id, (await student()).id),
      422,
      'OMAUM_ENROLLMENT_NOT_ALLOWED',
    );
    assert.match(reply.message, /inactive/);
    const archivedCohort = await cohort({ archivedAt: '2026-01-15T00:00:00.000Z' });
    assertRefused(
      await enrollIn(archivedCohort.id, (await student()).id),
      422,
      'OMAUM_ENROLLMENT_NOT_ALLOWED',
    );
  });

  it('enrolls several students at once', async () => {
    const turma = await cohort();
    const studentIds = [(await student()).id, (await student()).id, (await student()).id];
    const created = await bulk(turma.id, { studentIds, enrolledOn: '2026-02-01' });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json<{ items: EnrollmentReply[]; total: number }>();
    assert.equal(body.total, 3);
    assert.deepEqual(body.items.map((item) => item.studentId).sort(), [...studentIds].sort());
    assert.equal(await countEnrollments(turma.id), 3);
  });

  it('writes nothing when one student of a bulk enrollment is refused, and lists it', async () => {
    const turma = await cohort();
    const good = [(await student()).id, (await student()).id];
    const onLeave = await student({ situation: 'on_leave' });
    const refused = await bulk(turma.id, {
      studentIds: [good[0], onLeave.id, good[1], 999999],
      enrolledOn: '2026-02-01',
    });
    const body = assertRefused(refused, 422, 'OMAUM_ENROLLMENT_NOT_ALLOWED');
    assert.deepEqual(
      body.details?.map((d) => [d.field, d.studentId, d.code]),
      [
        ['studentIds[1]', onLeave.id, 'OMAUM_ENROLLMENT_NOT_ALLOWED'],
        ['studentIds[3]', 999999, 'OMAUM_STUDENT_NOT_FOUND'],
      ],
    );
    assert.match(body.details?.[0]?.message ?? '', /on_leave/);
    assert.equal(await countEnrollments(turma.id), 0);
  });

  it('answers 409 when every refusal of a bulk enrollment is a conflict', async () => {
    const turma = await cohort({ capacity: 2 });
    const ids = [(await student()).id, (await student()).id, (await student()).id];
    const refused = await bulk(turma.id, { studentIds: ids, enrolledOn: '2026-02-01' });
    const body = assertRefused(refused, 409, 'OMAUM_ENROLLMENT_COHORT_FULL');
    assert.deepEqual(
      body.details?.map((d) => [d.studentId, d.code]),
      [[ids[2], 'OMAUM_ENROLLMENT_COHORT_FULL']],
    );
    assert.equal(await countEnrollments(turma.id), 0);
  });

  it("ends an enrollment on today's date in the institution's time zone", async () => {
    const turma = await cohort();
    const enrollment = await insertEnrollment(db, (await student()).id, turma.id, '2026-01-10');
    const cancelled = await patch(enrollment.id, { status: 'cancelled', notes: 'mudou-se' });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const body = cancelled.json<EnrollmentReply>();
    assert.equal(body.status, 'cancelled');
    assert.equal(body.endedOn, TODAY_IN_SAO_PAULO);
    assert.equal(body.notes, 'mudou-se');

    const finished = await patch(enrollment.id, { status: 'finished', endedOn: '2026-02-20' });
    assert.equal(finished.json<EnrollmentReply>().endedOn, '2026-02-20');
  });

  it('refuses an end before the start (400), naming the field', async () => {
    const turma = await cohort();
    const enrollment = await insertEnrollment(db, (await student()).id, turma.id, '2026-02-10');
    const early = await patch(enrollment.id, { status: 'finished', endedOn: '2026-02-09' });
    const body = assertRefused(early, 400, 'OMAUM_REQUEST_INVALID');
    assert.equal(body.details?.[0]?.field, 'endedOn');

    await patch(enrollment.id, { status: 'finished', endedOn: '2026-02-20' });
    const late = await patch(enrollment.id, { enrolledOn: '2026-02-21' });
    assert.equal(
      assertRefused(late, 400, 'OMAUM_REQUEST_INVALID').details?.[0]?.field,
      'enrolledOn',
    );

    const activeWithEnd = await patch(
      (await insertEnrollment(db, (await student()).id, turma.id)).id,
      { endedOn: '2026-03-01' },
    );
    assertRefused(activeWithEnd, 400, 'OMAUM_REQUEST_INVALID');
  });

  it('re-checks capacity and the one-active rule when an enrollment is re-activated', async () => {
    const turma = await cohort({ capacity: 1 });
    const ana = await student();
    const mine = await insertEnrollment(db, ana.id, turma.id);
    await patch(mine.id, { status: 'cancelled' });
    const other = await insertEnrollment(db, (await student()).id, turma.id);

    assertRefused(await patch(mine.id, { status: 'active' }), 409, 'OMAUM_ENROLLMENT_COHORT_FULL');

    await patch(other.id, { status: 'finished' });
    const elsewhere = await insertEnrollment(db, ana.id, (await cohort({ name: 'Turma B' })).id);
    const body = assertRefused(
      await patch(mine.id, { status: 'active' }),
      409,
      'OMAUM_ENROLLMENT_ACTIVE_ELSEWHERE',
    );
    assert.match(body.message, /Turma B/);

    await patch(elsewhere.id, { status: 'cancelled' });
    const back = await patch(mine.id, { status: 'active' });
    assert.equal(back.statusCode, 200, back.body);
    assert.equal(back.json<EnrollmentReply>().status, 'active');
    assert.equal(back.json<EnrollmentReply>().endedOn, null);
  });

  it('shows instructors only the cohorts they teach (404 elsewhere)', async () => {
    const teacher = await student();
    const mine = await cohort({ instructorId: teacher.id });
    const theirs = await cohort();
    const ana = await student({ fullName: 'Ana' });
    await insertEnrollment(db, ana.id, mine.id);
    const hidden = await insertEnrollment(db, (await student()).id, theirs.id);
    const oldOfAna = await insertEnrollment(db, ana.id, (await cohort({ status: 'finished' })).id);
    const instructor = await t.tokenFor('instructor', { studentId: teacher.id });

    assert.equal((await read(`/cohorts/${mine.id}/enrollments`, instructor)).statusCode, 200);
    assertRefused(
      await read(`/cohorts/${theirs.id}/enrollments`, instructor),
      404,
      'OMAUM_COHORT_NOT_FOUND',
    );
    assertRefused(
      await read(`/enrollments/${hidden.id}`, instructor),
      404,
      'OMAUM_ENROLLMENT_NOT_FOUND',
    );
    assertRefused(
      await read(`/enrollments/${oldOfAna.id}`, instructor),
      404,
      'OMAUM_ENROLLMENT_NOT_FOUND',
    );

    const history = await read(`/students/${ana.id}/enrollments`, instructor);
    const body = history.json<{ items: { cohortId: number }[]; total: number }>();
    assert.equal(body.total, 1);
    assert.equal(body.items[0]?.cohortId, mine.id);

    const write = await enroll(
      mine.id,
      { studentId: (await student()).id, enrolledOn: '2026-02-01' },
      instructor,
    );
    assertRefused(write, 403, 'OMAUM_AUTH_FORBIDDEN');
  });

  it('lets viewers read but not write', async () => {
    const viewer = await t.tokenFor('viewer');
    const turma = await cohort();
    const enrollment = await insertEnrollment(db, (await student()).id, turma.id);

    assert.equal((await read(`/cohorts/${turma.id}/enrollments`, viewer)).statusCode, 200);
    assert.equal((await read(`/enrollments/${enrollment.id}`, viewer)).statusCode, 200);
    const newcomer = (await student()).id;
    const attempts = [
      await enroll(turma.id, { studentId: newcomer, enrolledOn: '2026-02-01' }, viewer),
      await bulk(turma.id, { studentIds: [newcomer], enrolledOn: '2026-02-01' }, viewer),
      await patch(enrollment.id, { status: 'cancelled' }, viewer),
    ];
    for (const attempt of attempts) assertRefused(attempt, 403, 'OMAUM_AUTH_FORBIDDEN');
    assert.equal(await countEnrollments(turma.id), 1);
  });

  it('answers 400 with one entry per wrong field', async () => {
    const turma = await cohort();
    const fieldsOf = (body: ErrorReply) => (body.details ?? []).map((d) => d.field).sort();

    const create = await enroll(turma.id, { studentId: 'ana', enrolledOn: '2026-13-45', extra: 1 });
    assert.deepEqual(fieldsOf(assertRefused(create, 400, 'OMAUM_REQUEST_INVALID')), [
      'enrolledOn',
      'extra',
      'studentId',
    ]);

    const missing = await enroll(turma.id, {});
    assert.deepEqual(fieldsOf(assertRefused(missing, 400, 'OMAUM_REQUEST_INVALID')), [
      'enrolledOn',
      'studentId',
    ]);

    const emptyBulk = await bulk(turma.id, { studentIds: [], enrolledOn: 'soon' });
    assert.deepEqual(fieldsOf(assertRefused(emptyBulk, 400, 'OMAUM_REQUEST_INVALID')), [
      'enrolledOn',
      'studentIds',
    ]);
    const repeated = await bulk(turma.id, { studentIds: [1, 1], enrolledOn: '2026-02-01' });
    assertRefused(repeated, 400, 'OMAUM_REQUEST_INVALID');

    const enrollment = await insertEnrollment(db, (await student()).id, turma.id);
    const change = await patch(enrollment.id, {
      status: 'paused',
      endedOn: 'never',
      notes: { text: 'x' },
    });
    assert.deepEqual(fieldsOf(assertRefused(change, 400, 'OMAUM_REQUEST_INVALID')), [
      'endedOn',
      'notes',
      'status',
    ]);
    assertRefused(await patch(enrollment.id, {}), 400, 'OMAUM_REQUEST_INVALID');
    assertRefused(
      await read(`/cohorts/${turma.id}/enrollments?status=paused`),
      400,
      'OMAUM_REQUEST_INVALID',
    );
  });

  it('answers 404 for an enrollment or a cohort that does not exist', async () => {
    assertRefused(await read('/enrollments/999999'), 404, 'OMAUM_ENROLLMENT_NOT_FOUND');
    assertRefused(await patch(999999, { notes: 'x' }), 404, 'OMAUM_ENROLLMENT_NOT_FOUND');
    assertRefused(await read('/cohorts/999999/enrollments'), 404, 'OMAUM_COHORT_NOT_FOUND');
  });
});
