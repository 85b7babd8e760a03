import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCourse, insertStudent } from '../support/fixtures.ts';

interface ActivityReply {
  id: number;
  cohortId: number;
  name: string;
  kind: string;
  mode: string;
  position: number;
  isActive: boolean;
  isDefault: boolean;
  archivedAt: string | null;
}

interface ErrorReply {
  code: string;
  details?: { field: string; message: string }[];
}

interface ListReply<T> {
  items: T[];
  total: number;
}

describeEachDatabase('activities API', (dialect) => {
  let t: TestApp;
  let db: Db;
  let admin: string;
  let cohortId: number;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    db = t.testDb.database.db;
    admin = await t.tokenFor('admin');
    cohortId = await createCohort('Turma A');
  });
  afterEach(() => t.close());

  async function createCohort(name: string, body: Record<string, unknown> = {}) {
    const courseId = (await insertCourse(db)).id;
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cohorts',
      headers: t.auth(admin),
      payload: { courseId, name, capacity: 30, ...body },
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ id: number }>().id;
  }

  function create(body: Record<string, unknown>, token = admin, cohort = cohortId) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/cohorts/${cohort}/activities`,
      headers: t.auth(token),
      payload: body,
    });
  }

  async function createOk(body: Record<string, unknown>): Promise<ActivityReply> {
    const response = await create({ kind: 'cleaning', mode: 'convocation', ...body });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<ActivityReply>();
  }

  function patch(id: number, body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'PATCH',
      url: `/api/v1/activities/${id}`,
      headers: t.auth(token),
      payload: body,
    });
  }

  function archive(id: number, token = admin) {
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/activities/${id}/archive`,
      headers: t.auth(token),
    });
  }

  function read(url: string, token = admin) {
    return t.app.inject({ url: `/api/v1${url}`, headers: t.auth(token) });
  }

  async function listed(query = '', cohort = cohortId): Promise<ActivityReply[]> {
    const response = await read(`/cohorts/${cohort}/activities${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<ListReply<ActivityReply>>().items;
  }

  /** "name@position" in list order: reads well in assertions. */
  async function order(query = ''): Promise<string[]> {
    return (await listed(query)).map((a) => `${a.name}@${a.position}`);
  }

  async function defaults(): Promise<{ lessons: ActivityReply; fullMoons: ActivityReply }> {
    const [lessons, fullMoons] = await listed();
    assert.ok(lessons && fullMoons);
    return { lessons, fullMoons };
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

  it('appends a new activity after the defaults and reads it back', async () => {
    const created = await create({ name: 'Limpezas', kind: 'cleaning', mode: 'convocation' });
    assert.equal(created.statusCode, 201);
    const activity = created.json<ActivityReply>();
    assert.equal(activity.position, 3);
    assert.equal(activity.isDefault, false);
    assert.equal(activity.isActive, true);

    const again = await read(`/activities/${activity.id}`);
    assert.deepEqual(again.json(), created.json());
    assert.deepEqual(await order(), ['Aulas@1', 'Plenilúnios@2', 'Limpezas@3']);
  });

  it('inserts at a given position and renumbers the others', async () => {
    await createOk({ name: 'Cantina', kind: 'service' });
    await createOk({ name: 'Palestras', kind: 'lecture', mode: 'mandatory', position: 1 });
    assert.deepEqual(await order(), ['Palestras@1', 'Aulas@2', 'Plenilúnios@3', 'Cantina@4']);
    await createOk({ name: 'Extra', kind: 'other', position: 99 });
    assert.deepEqual(await order(), [
      'Palestras@1',
      'Aulas@2',
      'Plenilúnios@3',
      'Cantina@4',
      'Extra@5',
    ]);
  });

  it('moves an activity and renumbers the rest of the cohort only', async () => {
    const cleaning = await createOk({ name: 'Limpezas' });
    const otherCohort = await createCohort('Turma B');
    const { fullMoons } = await defaults();

    const moved = await patch(cleaning.id, { position: 1 });
    assert.equal(moved.json<ActivityReply>().position, 1);
    assert.deepEqual(await order(), ['Limpezas@1', 'Aulas@2', 'Plenilúnios@3']);

    await patch(fullMoons.id, { position: 1 });
    assert.deepEqual(await order(), ['Plenilúnios@1', 'Limpezas@2', 'Aulas@3']);
    await patch(fullMoons.id, { position: 50 });
    assert.deepEqual(await order(), ['Limpezas@1', 'Aulas@2', 'Plenilúnios@3']);

    const untouched = (await listed('', otherCohort)).map((a) => `${a.name}@${a.position}`);
    assert.deepEqual(untouched, ['Aulas@1', 'Plenilúnios@2']);
  });

  it('refuses a second activity of the same name in the cohort, in any case', async () => {
    assertError(
      await create({ name: 'aulas', kind: 'lesson', mode: 'mandatory' }),
      409,
      'OMAUM_ACTIVITY_DUPLICATE',
      'name',
    );
    const cleaning = await createOk({ name: 'Limpezas' });
    assertError(
      await patch(cleaning.id, { name: 'PLENILÚNIOS' }),
      409,
      'OMAUM_ACTIVITY_DUPLICATE',
      'name',
    );
    // Another cohort may use the name.
    const other = await createCohort('Turma B');
    assert.equal(
      (await create({ name: 'Limpezas', kind: 'cleaning', mode: 'mandatory' }, admin, other))
        .statusCode,
      201,
    );
  });

  it('locks kind and mode of the default activities and refuses to archive them', async () => {
    const { lessons, fullMoons } = await defaults();
    assertError(
      await patch(lessons.id, { kind: 'lecture' }),
      409,
      'OMAUM_ACTIVITY_MANDATORY_LOCKED',
      'kind',
    );
    assertError(
      await patch(fullMoons.id, { mode: 'convocation' }),
      409,
      'OMAUM_ACTIVITY_MANDATORY_LOCKED',
      'mode',
    );
    assertError(await archive(lessons.id), 409, 'OMAUM_ACTIVITY_MANDATORY_LOCKED');

    const renamed = await patch(lessons.id, { name: 'Aulas teóricas', kind: 'lesson' });
    assert.equal(renamed.statusCode, 200);
    assert.equal(renamed.json<ActivityReply>().name, 'Aulas teóricas');
    const unchanged = (await defaults()).fullMoons;
    assert.equal(unchanged.mode, 'mandatory');
  });

  it('changes everything of a non-default activity', async () => {
    const activity = await createOk({ name: 'Cantina', kind: 'service' });
    const changed = await patch(activity.id, {
      name: 'Cura',
      kind: 'other',
      mode: 'mandatory',
      isActive: false,
    });
    assert.equal(changed.statusCode, 200);
    const body = changed.json<ActivityReply>();
    assert.deepEqual(
      [body.name, body.kind, body.mode, body.isActive],
      ['Cura', 'other', 'mandatory', false],
    );
  });

  it('archives an activity, closes its gap and refuses further changes', async () => {
    const first = await createOk({ name: 'Cantina', kind: 'service', position: 1 });
    await createOk({ name: 'Limpezas' });
    const archived = await archive(first.id);
    assert.equal(archived.statusCode, 200);
    const archivedAt = archived.json<ActivityReply>().archivedAt;
    assert.notEqual(archivedAt, null);
    assert.equal((await archive(first.id)).json<ActivityReply>().archivedAt, archivedAt);

    assert.deepEqual(await order(), ['Aulas@1', 'Plenilúnios@2', 'Limpezas@3']);
    assert.equal((await listed('?includeArchived=true')).length, 4);
    assertError(await patch(first.id, { name: 'Outra' }), 409, 'OMAUM_ACTIVITY_ARCHIVED');
    // The name stays taken: marks of the archived activity still carry it.
    assertError(
      await create({ name: 'Cantina', kind: 'service', mode: 'mandatory' }),
      409,
      'OMAUM_ACTIVITY_DUPLICATE',
    );
  });

  it('refuses new activities and changes in an archived cohort', async () => {
    const activity = await createOk({ name: 'Limpezas' });
    const archived = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cohorts/${cohortId}/archive`,
      headers: t.auth(admin),
    });
    assert.equal(archived.statusCode, 200);

    assertError(
      await create({ name: 'Nova', kind: 'other', mode: 'mandatory' }),
      409,
      'OMAUM_COHORT_ARCHIVED',
    );
    assertError(await patch(activity.id, { name: 'Outra' }), 409, 'OMAUM_COHORT_ARCHIVED');
    assertError(await archive(activity.id), 409, 'OMAUM_COHORT_ARCHIVED');
    assert.equal((await listed()).length, 3);
  });

  it('lets an instructor read the activities of their cohort only, and change none', async () => {
    const teacher = await insertStudent(db);
    const mine = await createCohort('Turma do instrutor', { instructorId: teacher.id });
    const instructor = await t.tokenFor('instructor', { studentId: teacher.id });
    const [ownLesson] = await listed('', mine);
    const { lessons: foreignLesson } = await defaults();
    assert.ok(ownLesson);

    const own = await read(`/cohorts/${mine}/activities`, instructor);
    assert.equal(own.json<ListReply<ActivityReply>>().total, 2);
    assert.equal((await read(`/activities/${ownLesson.id}`, instructor)).statusCode, 200);
    assertError(
      await read(`/activities/${foreignLesson.id}`, instructor),
      404,
      'OMAUM_ACTIVITY_NOT_FOUND',
    );
    assertError(
      await read(`/cohorts/${cohortId}/activities`, instructor),
      404,
      'OMAUM_COHORT_NOT_FOUND',
    );
    assertError(
      await create({ name: 'X', kind: 'other', mode: 'mandatory' }, instructor, mine),
      403,
      'OMAUM_AUTH_FORBIDDEN',
    );
    assertError(await patch(ownLesson.id, { name: 'Y' }, instructor), 403, 'OMAUM_AUTH_FORBIDDEN');
  });

  it('lets viewers read but not write', async () => {
    const viewer = await t.tokenFor('viewer');
    const { fullMoons } = await defaults();
    assert.equal((await read(`/cohorts/${cohortId}/activities`, viewer)).statusCode, 200);
    assert.equal((await read(`/activities/${fullMoons.id}`, viewer)).statusCode, 200);
    assertError(
      await create({ name: 'X', kind: 'other', mode: 'mandatory' }, viewer),
      403,
      'OMAUM_AUTH_FORBIDDEN',
    );
    assertError(await patch(fullMoons.id, { name: 'Y' }, viewer), 403, 'OMAUM_AUTH_FORBIDDEN');
    assertError(await archive(fullMoons.id, viewer), 403, 'OMAUM_AUTH_FORBIDDEN');
  });

  it('answers 400 with one entry per wrong field', async () => {
    const response = await create({ name: '', kind: 'party', mode: 'sometimes', colour: 'blue' });
    assert.equal(response.statusCode, 400);
    const body = response.json<Required<ErrorReply>>();
    assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
    assert.deepEqual(body.details.map((d) => d.field).sort(), ['colour', 'kind', 'mode', 'name']);

    assertError(
      await create({ name: '  ', kind: 'other', mode: 'mandatory' }),
      400,
      'OMAUM_REQUEST_INVALID',
      'name',
    );
    const { lessons } = await defaults();
    assertError(await patch(lessons.id, {}), 400, 'OMAUM_REQUEST_INVALID');
    assertError(await patch(lessons.id, { position: 0 }), 400, 'OMAUM_REQUEST_INVALID', 'position');
  });

  it('answers 404 for a cohort or an activity that does not exist', async () => {
    assertError(await read('/cohorts/999/activities'), 404, 'OMAUM_COHORT_NOT_FOUND');
    assertError(
      await create({ name: 'X', kind: 'other', mode: 'mandatory' }, admin, 999),
      404,
      'OMAUM_COHORT_NOT_FOUND',
    );
    assertError(await read('/activities/999'), 404, 'OMAUM_ACTIVITY_NOT_FOUND');
    assertError(await patch(999, { name: 'X' }), 404, 'OMAUM_ACTIVITY_NOT_FOUND');
    assertError(await archive(999), 404, 'OMAUM_ACTIVITY_NOT_FOUND');
  });
});
