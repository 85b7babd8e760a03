import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { RouteAccess } from '../../src/auth/access.plugin.ts';
import { routeAccessList } from '../../src/auth/access.plugin.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import {
  insertCohort,
  insertCourse,
  insertEnrollment,
  insertStudent,
} from '../support/fixtures.ts';
import { asObjectSchema, sampleValue } from '../platform/json-schema.ts';
import { snapshotTables } from '../platform/table-snapshot.ts';

/** The records of one cohort, by the first path segment of the routes that take their id. */
type CohortRecords = Record<string, number>;

/**
 * Route families whose `:id` is a cohort or one of its records. An instructor
 * may reach them only for the cohorts they teach.
 */
const SCOPED_FAMILIES = ['cohorts', 'activities', 'enrollments', 'sessions'];

function familyOf(route: RouteAccess): string | null {
  const match = /^\/api\/v1\/(\w+)\/:id(\/|$)/.exec(route.url);
  const family = match?.[1] ?? null;
  return family !== null && SCOPED_FAMILIES.includes(family) ? family : null;
}

function letsInstructorsIn(route: RouteAccess): boolean {
  return typeof route.access === 'string' || route.access.includes('instructor');
}

/** A query string holding a value for each required query parameter. */
function requiredQuery(route: RouteAccess): string {
  const query = asObjectSchema(route.schema?.querystring);
  const sample = query ? sampleValue(query) : {};
  const entries = Object.entries((sample ?? {}) as Record<string, unknown>);
  return entries.length === 0
    ? ''
    : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)]))}`;
}

function urlFor(route: RouteAccess, id: number): string {
  return (
    route.url.replace(/:id(\/|$)/, `${id}$1`).replace(/:(\w+)/g, (_m, name: string) => {
      const params = asObjectSchema(route.schema?.params) ?? {};
      const value = params.properties?.[name] ? sampleValue(params.properties[name]) : '1';
      return String(value);
    }) + requiredQuery(route)
  );
}

function bodyFor(route: RouteAccess): unknown {
  const body = asObjectSchema(route.schema?.body);
  return body ? sampleValue(body) : undefined;
}

describeEachDatabase('instructor scope on every cohort route', (dialect) => {
  let t: TestApp;
  let admin: string;
  let instructor: string;
  const own: CohortRecords = {};
  const foreign: CohortRecords = {};

  async function recordsOf(cohortId: number, records: CohortRecords): Promise<void> {
    const db = t.testDb.database.db;
    const activity = await db
      .selectFrom('activities')
      .select('id')
      .where('cohortId', '=', cohortId)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const student = await insertStudent(db);
    records.cohorts = cohortId;
    records.activities = activity.id;
    records.enrollments = (await insertEnrollment(db, student.id, cohortId)).id;
    const session = await t.app.inject({
      method: 'POST',
      url: `/api/v1/activities/${activity.id}/sessions`,
      headers: t.auth(admin),
      payload: { date: '2026-03-02' },
    });
    assert.equal(session.statusCode, 201, session.body);
    records.sessions = session.json<{ id: number }>().id;
  }

  before(async () => {
    t = await createTestApp(dialect);
    const db = t.testDb.database.db;
    admin = await t.tokenFor('admin');
    const teacher = await insertStudent(db);
    instructor = await t.tokenFor('instructor', { studentId: teacher.id });
    const course = await insertCourse(db);
    const taught = await insertCohort(db, { courseId: course.id, instructorId: teacher.id });
    const other = await insertCohort(db, { courseId: course.id });
    await recordsOf(taught.id, own);
    await recordsOf(other.id, foreign);
  });
  after(() => t.close());

  function scopedRoutes(): RouteAccess[] {
    return routeAccessList(t.app).filter(
      (route) => route.method !== 'HEAD' && familyOf(route) !== null && letsInstructorsIn(route),
    );
  }

  function send(route: RouteAccess, records: CohortRecords) {
    const id = records[familyOf(route) ?? ''] ?? 0;
    const payload = bodyFor(route);
    return t.app.inject({
      method: route.method,
      url: urlFor(route, id),
      headers: t.auth(instructor),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  }

  it('finds the routes instructors use', () => {
    const urls = scopedRoutes().map((route) => `${route.method} ${route.url}`);
    for (const expected of [
      'GET /api/v1/cohorts/:id',
      'GET /api/v1/cohorts/:id/activities',
      'GET /api/v1/activities/:id',
      'GET /api/v1/sessions/:id',
      'PUT /api/v1/sessions/:id/marks',
    ]) {
      assert.ok(urls.includes(expected), expected);
    }
  });

  it('can build a valid request for every one of them', () => {
    const unbuildable = scopedRoutes()
      .filter((route) => route.schema?.body !== undefined && bodyFor(route) === undefined)
      .map((route) => `${route.method} ${route.url}`);
    assert.deepEqual(unbuildable, [], 'extend sampleValue in test/platform/json-schema.ts');
  });

  it('reads what belongs to the cohorts the instructor teaches', async () => {
    const refused: string[] = [];
    for (const route of scopedRoutes().filter((r) => r.method === 'GET')) {
      const response = await send(route, own);
      if (response.statusCode !== 200) {
        refused.push(`${route.method} ${route.url} → ${response.statusCode} ${response.body}`);
      }
    }
    assert.deepEqual(refused, []);
  });

  it('answers 404 or 403 for any other cohort, and changes nothing there', async () => {
    const before = await snapshotTables(t.testDb.database);
    const leaks: string[] = [];
    for (const route of scopedRoutes()) {
      const response = await send(route, foreign);
      if (response.statusCode !== 404 && response.statusCode !== 403) {
        leaks.push(`${route.method} ${route.url} → ${response.statusCode} ${response.body}`);
      }
    }
    assert.deepEqual(leaks, []);
    assert.deepEqual(await snapshotTables(t.testDb.database), before);
  });
});
