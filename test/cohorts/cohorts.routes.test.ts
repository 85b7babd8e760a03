import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { sql } from 'kysely';

import type { Db } from '../../src/platform/db/database.ts';
import type { NewStudent } from '../../src/platform/db/tables.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCourse, insertEnrollment, insertStudent } from '../support/fixtures.ts';

interface CohortReply {
  id: number;
  courseId: number;
  courseName: string;
  name: string;
  status: string;
  capacity: number;
  minAttendancePct: number;
  maxShortfallsToClear: number;
  endDate: string | null;
  time: string | null;
  instructorId: number | null;
  instructorName: string | null;
  assistantInstructorName: string | null;
  aideName: string | null;
  archivedAt: string | null;
}

interface ActivityReply {
  name: string;
  kind: string;
  mode: string;
  position: number;
  isDefault: boolean;
}

interface ErrorReply {
  code: string;
  details?: { field: string; message: string }[];
}

interface ListReply<T> {
  items: T[];
  total: number;
}

describeEachDatabase('cohorts API', (dialect) => {
  let t: TestApp;
  let db: Db;
  let admin: string;
  let courseId: number;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    db = t.testDb.database.db;
    admin = await t.tokenFor('admin');
    courseId = (await insertCourse(db, { name: '1º Grau – Aprendizes' })).id;
  });
  afterEach(() => t.close());

  const student = (overrides: Partial<NewStudent> = {}) => insertStudent(db, overrides);

  function create(body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/cohorts',
      headers: t.auth(token),
      payload: { courseId, capacity: 30, ...body },
    });
  }

  async function createOk(body: Record<string, unknown>): Promise<CohortReply> {
    const response = await create(body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json<CohortReply>();
  }

  function patch(id: number, body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'PATCH',
      url: `/api/v1/cohorts/${id}`,
      headers: t.auth(token),
      payload: body,
    });
  }

  function read(url: string, token = admin) {
    return t.app.inject({ url: `/api/v1${url}`, headers: t.auth(token) });
  }

  function archive(id: number, token = admin) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/cohorts/${id}/archive`,
      headers: t.auth(token),
    });
  }

  async function activitiesOf(id: number): Promise<ActivityReply[]> {
    return (await read(`/cohorts/${id}/activities`)).json<ListReply<ActivityReply>>().items;
  }

  async function countRows(): Promise<{ cohorts: number; activities: number }> {
    const count = async (table: 'cohorts' | 'activities') =>
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    return { cohorts: await count('cohorts'), activities: await count('activities') };
  }

  function assertError(
    response: { statusCode: number; json(): ErrorReply },
    status: number,
    code: string,
    field?: string,
  ): void {
    assert.equal(response.statusCode, status);
    const body = response.json();
    assert.equal(body.code, code);
    if (field !== undefined) assert.equal(body.details?.[0]?.field, field);
  }

  it('creates a cohort with its defaults and the two mandatory activities', async () => {
    const instructor = await student({ fullName: 'Maria Instrutora' });
    const created = await create({
      name: 'Turma 2026-A',
      bookNumber: '12',
      initiationDate: '2026-02-01',
      activitiesStartDate: '2026-02-08',
      firstLessonDate: '2026-02-09',
      endDate: '2026-12-15',
      weekday: 'mon',
      time: '19:30',
      place: 'Templo principal',
      instructorId: instructor.id,
    });
    assert.equal(created.statusCode, 201, created.body);
    const cohort = created.json<CohortReply>();
    assert.equal(cohort.status, 'active');
    assert.equal(cohort.minAttendancePct, 70);
    assert.equal(cohort.maxShortfallsToClear, 1);
    assert.equal(cohort.courseName, '1º Grau – Aprendizes');
    assert.equal(cohort.instructorName, 'Maria Instrutora');
    assert.equal(cohort.aideName, null);

    const again = await read(`/cohorts/${cohort.id}`);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), created.json());

    const activities = (await activitiesOf(cohort.id)).map(
      ({ name, kind, mode, position, isDefault }) => ({ name, kind, mode, position, isDefault }),
    );
    assert.deepEqual(activities, [
      { name: 'Aulas', kind: 'lesson', mode: 'mandatory', position: 1, isDefault: true },
      { name: 'Plenilúnios', kind: 'full_moon', mode: 'mandatory', position: 2, isDefault: true },
    ]);
  });

  it('refuses a second cohort with the same name in another case, naming the field', async () => {
    const first = await createOk({ name: 'Turma Sol' });
    assertError(await create({ name: 'TURMA SOL' }), 409, 'OMAUM_COHORT_DUPLICATE', 'name');

    const other = await createOk({ name: 'Turma Lua' });
    assertError(await patch(other.id, { name: 'turma sol' }), 409, 'OMAUM_COHORT_DUPLICATE');
    const renamed = await patch(first.id, { name: 'TURMA SOL' });
    assert.equal(renamed.json<CohortReply>().name, 'TURMA SOL');
  });

  it('answers one 201 and one 409 to two simultaneous creations of one name', async () => {
    const replies = await Promise.all([create({ name: 'Gêmea' }), create({ name: 'gêmea' })]);
    const statuses = replies.map((reply) => reply.statusCode).sort();
    assert.deepEqual(statuses, [201, 409]);
    const refused = replies.find((reply) => reply.statusCode === 409);
    assert.equal(refused?.json<ErrorReply>().code, 'OMAUM_COHORT_DUPLICATE');
    assert.deepEqual(await countRows(), { cohorts: 1, activities: 2 });
  });

  it('needs an existing course that is not archived', async () => {
    assertError(
      await create({ name: 'Sem curso', courseId: 9999 }),
      404,
      'OMAUM_COURSE_NOT_FOUND',
      'courseId',
    );
    const old = await insertCourse(db, { archivedAt: '2025-01-01T00:00:00.000Z' });
    assertError(
      await create({ name: 'Curso velho', courseId: old.id }),
      409,
      'OMAUM_COURSE_ARCHIVED',
      'courseId',
    );
    const cohort = await createOk({ name: 'Mudança de curso' });
    assertError(
      await patch(cohort.id, { courseId: old.id }),
      409,
      'OMAUM_COURSE_ARCHIVED',
      'courseId',
    );
    const next = await insertCourse(db, { name: '2º Grau' });
    const moved = await patch(cohort.id, { courseId: next.id });
    assert.equal(moved.json<CohortReply>().courseName, '2º Grau');
  });

  it('refuses an end date before any start date, also when a change makes it so', async () => {
    const early = await create({
      name: 'Ao contrário',
      initiationDate: '2026-03-01',
      endDate: '2026-02-01',
    });
    assertError(early, 400, 'OMAUM_REQUEST_INVALID', 'endDate');

    const cohort = await createOk({ name: 'Datas', endDate: '2026-06-30' });
    assertError(
      await patch(cohort.id, { firstLessonDate: '2026-07-01' }),
      400,
      'OMAUM_REQUEST_INVALID',
      'endDate',
    );
    const fine = await patch(cohort.id, { firstLessonDate: '2026-06-30' });
    assert.equal(fine.statusCode, 200);
  });

  it('answers 400 with one entry per wrong field', async () => {
    const response = await create({
      courseId: 'x',
      name: '',
      capacity: 0,
      minAttendancePct: 101,
      maxShortfallsToClear: -1,
      weekday: 'monday',
      time: '25:00',
      initiationDate: '2026-13-01',
      status: 'open',
      colour: 'blue',
    });
    assert.equal(response.statusCode, 400);
    const body = response.json<Required<ErrorReply>>();
    assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
    assert.deepEqual(body.details.map((d) => d.field).sort(), [
      'capacity',
      'colour',
      'courseId',
      'initiationDate',
      'maxShortfallsToClear',
      'minAttendancePct',
      'name',
      'status',
      'time',
      'weekday',
    ]);
    assert.deepEqual(await countRows(), { cohorts: 0, activities: 0 });
  });

  it('refuses a blank name and accepts the threshold limits', async () => {
    assertError(await create({ name: '   ' }), 400, 'OMAUM_REQUEST_INVALID', 'name');
    const edge = await createOk({
      name: 'Limites',
      capacity: 1,
      minAttendancePct: 0,
      maxShortfallsToClear: 0,
    });
    assert.equal(edge.capacity, 1);
    const top = await patch(edge.id, { minAttendancePct: 100 });
    assert.equal(top.json<CohortReply>().minAttendancePct, 100);
  });

  it('needs instructors who are existing, active, unarchived students', async () => {
    const onLeave = await student({ situation: 'on_leave' });
    const archived = await student({ archivedAt: '2025-01-01T00:00:00.000Z' });
    const response = await create({
      name: 'Equipe ruim',
      instructorId: 9999,
      assistantInstructorId: onLeave.id,
      aideId: archived.id,
    });
    assertError(response, 422, 'OMAUM_COHORT_INSTRUCTOR_INVALID');
    assert.deepEqual(
      response.json<Required<ErrorReply>>().details.map((d) => d.field),
      ['instructorId', 'assistantInstructorId', 'aideId'],
    );
  });

  it('needs three different people in the three instructor roles', async () => {
    const person = await student();
    assertError(
      await create({ name: 'Repetida', instructorId: person.id, aideId: person.id }),
      422,
      'OMAUM_COHORT_INSTRUCTOR_INVALID',
      'aideId',
    );
    const cohort = await createOk({ name: 'Certa', instructorId: person.id });
    assertError(
      await patch(cohort.id, { assistantInstructorId: person.id }),
      422,
      'OMAUM_COHORT_INSTRUCTOR_INVALID',
      'assistantInstructorId',
    );
  });

  it('lets one person hold an instructor role in one active cohort only', async () => {
    const busy = await student();
    const first = await createOk({ name: 'Primeira', assistantInstructorId: busy.id });

    assertError(
      await create({ name: 'Segunda', aideId: busy.id }),
      422,
      'OMAUM_COHORT_INSTRUCTOR_INVALID',
      'aideId',
    );
    // An inactive cohort does not compete, until it becomes active.
    const waiting = await createOk({ name: 'Espera', status: 'inactive', instructorId: busy.id });
    assertError(
      await patch(waiting.id, { status: 'active' }),
      422,
      'OMAUM_COHORT_INSTRUCTOR_INVALID',
      'instructorId',
    );
    // Changing something else of the active cohort does not trip over its own staff.
    assert.equal((await patch(first.id, { capacity: 20 })).statusCode, 200);

    assert.equal((await patch(first.id, { status: 'finished' })).statusCode, 200);
    const activated = await patch(waiting.id, { status: 'active' });
    assert.equal(activated.statusCode, 200, activated.body);
  });

  it('frees the instructors of an archived cohort', async () => {
    const person = await student();
    const old = await createOk({ name: 'Antiga', instructorId: person.id });
    assert.equal((await archive(old.id)).statusCode, 200);
    await createOk({ name: 'Nova', instructorId: person.id });
  });

  it('keeps the capacity at or above the active enrollments', async () => {
    const cohort = await createOk({ name: 'Cheia', capacity: 5 });
    for (let i = 0; i < 3; i += 1) await insertEnrollment(db, (await student()).id, cohort.id);

    const below = await patch(cohort.id, { capacity: 2 });
    assertError(below, 409, 'OMAUM_COHORT_CAPACITY_BELOW_ENROLLED', 'capacity');
    const read2 = await read(`/cohorts/${cohort.id}`);
    assert.equal(read2.json<CohortReply>().capacity, 5);

    const equal = await patch(cohort.id, { capacity: 3 });
    assert.equal(equal.json<CohortReply>().capacity, 3);
  });

  it('archives a cohort, which then refuses changes and leaves the default list', async () => {
    const cohort = await createOk({ name: 'Arquivada' });
    const archived = await archive(cohort.id);
    assert.equal(archived.statusCode, 200);
    const archivedAt = archived.json<CohortReply>().archivedAt;
    assert.notEqual(archivedAt, null);
    assert.equal((await archive(cohort.id)).json<CohortReply>().archivedAt, archivedAt);

    assertError(await patch(cohort.id, { place: 'Outro' }), 409, 'OMAUM_COHORT_ARCHIVED');
    assert.equal((await read('/cohorts')).json<ListReply<CohortReply>>().total, 0);
    const all = await read('/cohorts?includeArchived=true');
    assert.equal(all.json<ListReply<CohortReply>>().total, 1);
  });

  it('lists cohorts with total, paging and filters', async () => {
    const other = await insertCourse(db);
    await createOk({ name: 'Alfa' });
    await createOk({ name: 'Beta', status: 'finished' });
    await createOk({ name: 'Gama', courseId: other.id });

    const page = (await read('/cohorts?limit=2')).json<ListReply<CohortReply>>();
    assert.equal(page.total, 3);
    assert.deepEqual(
      page.items.map((c) => c.name),
      ['Alfa', 'Beta'],
    );
    const names = async (query: string) =>
      (await read(`/cohorts?${query}`)).json<ListReply<CohortReply>>().items.map((c) => c.name);
    assert.deepEqual(await names('offset=2'), ['Gama']);
    assert.deepEqual(await names(`courseId=${other.id}`), ['Gama']);
    assert.deepEqual(await names('status=finished'), ['Beta']);
    assert.deepEqual(await names('search=ET'), ['Beta']);
  });

  it('shows an instructor only the cohorts they teach', async () => {
    const teacher = await student();
    const mine = await createOk({ name: 'Minha', aideId: teacher.id });
    const theirs = await createOk({ name: 'Alheia' });
    const instructor = await t.tokenFor('instructor', { studentId: teacher.id });

    const list = (await read('/cohorts', instructor)).json<ListReply<CohortReply>>();
    assert.deepEqual(
      list.items.map((c) => c.id),
      [mine.id],
    );
    assert.equal(list.total, 1);
    assert.equal((await read(`/cohorts/${mine.id}`, instructor)).statusCode, 200);
    assertError(await read(`/cohorts/${theirs.id}`, instructor), 404, 'OMAUM_COHORT_NOT_FOUND');
    assertError(
      await read(`/cohorts/${theirs.id}/activities`, instructor),
      404,
      'OMAUM_COHORT_NOT_FOUND',
    );
    assertError(await patch(mine.id, { place: 'X' }, instructor), 403, 'OMAUM_AUTH_FORBIDDEN');

    const idle = await t.tokenFor('instructor', { studentId: (await student()).id });
    assert.equal((await read('/cohorts', idle)).json<ListReply<CohortReply>>().total, 0);
  });

  it('lets viewers read but not write', async () => {
    const cohort = await createOk({ name: 'Vista' });
    const viewer = await t.tokenFor('viewer');
    assert.equal((await read('/cohorts', viewer)).json<ListReply<CohortReply>>().total, 1);
    assert.equal((await read(`/cohorts/${cohort.id}`, viewer)).statusCode, 200);

    assertError(await create({ name: 'Proibida' }, viewer), 403, 'OMAUM_AUTH_FORBIDDEN');
    assertError(await patch(cohort.id, { place: 'X' }, viewer), 403, 'OMAUM_AUTH_FORBIDDEN');
    assertError(await archive(cohort.id, viewer), 403, 'OMAUM_AUTH_FORBIDDEN');
  });

  it('leaves no cohort and no activities behind when a creation is refused', async () => {
    const onLeave = await student({ situation: 'on_leave' });
    const refused = await create({ name: 'Recusada', instructorId: onLeave.id });
    assert.equal(refused.statusCode, 422);
    assert.deepEqual(await countRows(), { cohorts: 0, activities: 0 });
  });

  it('rolls the cohort back when its activities cannot be written', async () => {
    // Hiding the activities table makes the second insert of the transaction fail.
    await sql`alter table activities rename to activities_hidden`.execute(db);
    try {
      const failed = await create({ name: 'Meio caminho' });
      assert.equal(failed.statusCode, 500);
    } finally {
      await sql`alter table activities_hidden rename to activities`.execute(db);
    }
    assert.deepEqual(await countRows(), { cohorts: 0, activities: 0 });
    await createOk({ name: 'Meio caminho' });
  });

  it('answers 404 for a cohort that does not exist', async () => {
    assertError(await read('/cohorts/999'), 404, 'OMAUM_COHORT_NOT_FOUND');
    assertError(await patch(999, { place: 'X' }), 404, 'OMAUM_COHORT_NOT_FOUND');
    assertError(await archive(999), 404, 'OMAUM_COHORT_NOT_FOUND');
  });
});
