import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort } from '../support/fixtures.ts';

interface Suggestions {
  items: { name: string; kind: string; dates: { date: string; hasSession: boolean }[] }[];
}

describeEachDatabase('session date suggestions', (dialect) => {
  let t: TestApp;
  let token: string;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    token = await t.tokenFor('secretary');
  });
  afterEach(() => t.close());

  it('suggests the weekday for lessons and the São Paulo full moons for rituals', async () => {
    const cohort = await insertCohort(t.testDb.database.db, {
      weekday: 'tue',
      firstLessonDate: '2026-03-05',
    });
    const response = await t.app.inject({
      url: `/api/v1/cohorts/${cohort.id}/session-suggestions?month=2026-03`,
      headers: t.auth(token),
    });
    assert.equal(response.statusCode, 200);
    const byKind = new Map(response.json<Suggestions>().items.map((item) => [item.kind, item]));

    // Tuesdays of March 2026 from the first lesson on: the 3rd is before it.
    assert.deepEqual(
      byKind.get('lesson')?.dates.map((d) => d.date),
      ['2026-03-10', '2026-03-17', '2026-03-24', '2026-03-31'],
    );
    // Full moon of 3 March 2026 at 11:38 UTC, 08:38 in São Paulo.
    assert.deepEqual(
      byKind.get('full_moon')?.dates.map((d) => d.date),
      ['2026-03-03'],
    );
  });

  it('flags the dates that already have a session', async () => {
    const cohort = await insertCohort(t.testDb.database.db, { weekday: 'thu' });
    const activities = await t.app.inject({
      url: `/api/v1/cohorts/${cohort.id}/activities`,
      headers: t.auth(token),
    });
    const lessons = activities
      .json<{ items: { id: number; kind: string }[] }>()
      .items.find((a) => a.kind === 'lesson');
    assert.ok(lessons);
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/activities/${lessons.id}/sessions`,
      headers: t.auth(token),
      payload: { date: '2026-04-02' },
    });

    const response = await t.app.inject({
      url: `/api/v1/cohorts/${cohort.id}/session-suggestions?month=2026-04`,
      headers: t.auth(token),
    });
    const lesson = response.json<Suggestions>().items.find((item) => item.kind === 'lesson');
    assert.deepEqual(lesson?.dates, [
      { date: '2026-04-02', hasSession: true },
      { date: '2026-04-09', hasSession: false },
      { date: '2026-04-16', hasSession: false },
      { date: '2026-04-23', hasSession: false },
      { date: '2026-04-30', hasSession: false },
    ]);
  });

  it('refuses a malformed month', async () => {
    const cohort = await insertCohort(t.testDb.database.db);
    const response = await t.app.inject({
      url: `/api/v1/cohorts/${cohort.id}/session-suggestions?month=2026-13`,
      headers: t.auth(token),
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json<{ code: string }>().code, 'OMAUM_REQUEST_INVALID');
  });
});
