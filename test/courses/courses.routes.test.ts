import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

describeEachDatabase('courses API', (dialect) => {
  let t: TestApp;
  let admin: string;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    admin = await t.tokenFor('admin');
  });
  afterEach(() => t.close());

  async function createCourse(body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/courses',
      headers: t.auth(token),
      payload: body,
    });
  }

  it('creates a course and reads it back', async () => {
    const created = await createCourse({
      name: '1º Grau – Aprendizes',
      description: 'Primeiro grau',
    });
    assert.equal(created.statusCode, 201);
    const course = created.json<{ id: number; name: string; isActive: boolean }>();
    assert.equal(course.name, '1º Grau – Aprendizes');
    assert.equal(course.isActive, true);

    const read = await t.app.inject({
      url: `/api/v1/courses/${course.id}`,
      headers: t.auth(admin),
    });
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), created.json());
  });

  it('refuses a second course with the same name in another case, naming the field', async () => {
    await createCourse({ name: 'Grau Um' });
    const duplicate = await createCourse({ name: 'GRAU UM' });
    assert.equal(duplicate.statusCode, 409);
    const body = duplicate.json<{ code: string; details: { field: string }[] }>();
    assert.equal(body.code, 'OMAUM_COURSE_DUPLICATE');
    assert.equal(body.details[0]?.field, 'name');
  });

  it('lists courses with total, search and paging', async () => {
    for (const name of ['Alfa', 'Beta', 'Gama']) await createCourse({ name });
    const page = await t.app.inject({
      url: '/api/v1/courses?limit=2&offset=0',
      headers: t.auth(admin),
    });
    const body = page.json<{ items: { name: string }[]; total: number }>();
    assert.equal(body.total, 3);
    assert.deepEqual(
      body.items.map((c) => c.name),
      ['Alfa', 'Beta'],
    );

    const search = await t.app.inject({
      url: '/api/v1/courses?search=gam',
      headers: t.auth(admin),
    });
    assert.deepEqual(
      search.json<{ items: { name: string }[] }>().items.map((c) => c.name),
      ['Gama'],
    );
  });

  it('changes and archives a course; archived courses leave the default list', async () => {
    const id = (await createCourse({ name: 'Antigo' })).json<{ id: number }>().id;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/courses/${id}`,
      headers: t.auth(admin),
      payload: { description: 'Descontinuado' },
    });
    assert.equal(patched.json<{ description: string }>().description, 'Descontinuado');

    const archived = await t.app.inject({
      method: 'POST',
      url: `/api/v1/courses/${id}/archive`,
      headers: t.auth(admin),
    });
    assert.equal(archived.statusCode, 200);
    assert.notEqual(archived.json<{ archivedAt: string | null }>().archivedAt, null);

    const list = await t.app.inject({ url: '/api/v1/courses', headers: t.auth(admin) });
    assert.equal(list.json<{ total: number }>().total, 0);
    const withArchived = await t.app.inject({
      url: '/api/v1/courses?includeArchived=true',
      headers: t.auth(admin),
    });
    assert.equal(withArchived.json<{ total: number }>().total, 1);
  });

  it('lets viewers read but not create', async () => {
    const viewer = await t.tokenFor('viewer');
    const refused = await createCourse({ name: 'Proibido' }, viewer);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json<{ code: string }>().code, 'OMAUM_AUTH_FORBIDDEN');

    const list = await t.app.inject({ url: '/api/v1/courses', headers: t.auth(viewer) });
    assert.equal(list.statusCode, 200);
  });

  it('answers 400 with one entry per wrong field', async () => {
    const response = await createCourse({ name: '', isActive: 'maybe', colour: 'blue' });
    assert.equal(response.statusCode, 400);
    const body = response.json<{ code: string; details: { field: string }[] }>();
    assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
    assert.deepEqual(body.details.map((d) => d.field).sort(), ['colour', 'isActive', 'name']);
  });

  it('answers 404 for a course that does not exist', async () => {
    const response = await t.app.inject({ url: '/api/v1/courses/999', headers: t.auth(admin) });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json<{ code: string }>().code, 'OMAUM_COURSE_NOT_FOUND');
  });
});
