import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';

interface Cell {
  activityId: number;
  expected: number;
  present: number;
  volunteerSimple: number;
}
interface Sheet {
  rows: { studentId: number; activities: Cell[] }[];
}

describeEachDatabase('counters after changes that decide what is expected', (dialect) => {
  let t: TestApp;
  let token: string;
  let cohortId: number;
  let studentId: number;
  let enrollmentId: number;
  let activityId: number;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    token = await t.tokenFor('secretary');
    const db = t.testDb.database.db;
    cohortId = (await insertCohort(db)).id;
    studentId = (await insertStudent(db)).id;
    enrollmentId = (await insertEnrollment(db, studentId, cohortId, '2026-01-01')).id;
    const created = await t.app.inject({
      method: 'POST',
      url: `/api/v1/cohorts/${cohortId}/activities`,
      headers: t.auth(token),
      payload: { name: 'Cantina', kind: 'service', mode: 'mandatory' },
    });
    activityId = created.json<{ id: number }>().id;

    const save = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/cohorts/${cohortId}/attendance/2026-03`,
      headers: t.auth(token),
      payload: {
        sessions: ['2026-03-05', '2026-03-12', '2026-03-19'].map((date) => ({
          activityId,
          date,
          marks: [{ studentId, status: 'P' }],
        })),
      },
    });
    assert.equal(save.statusCode, 200, save.body);
  });
  afterEach(() => t.close());

  async function cell(): Promise<Cell | undefined> {
    const response = await t.app.inject({
      url: `/api/v1/cohorts/${cohortId}/sheet?from=2026-03&to=2026-03`,
      headers: t.auth(token),
    });
    const row = response.json<Sheet>().rows.find((r) => r.studentId === studentId);
    return row?.activities.find((c) => c.activityId === activityId);
  }

  it('recounts when an enrollment ends before some marked sessions', async () => {
    assert.equal((await cell())?.expected, 3);
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/enrollments/${enrollmentId}`,
      headers: t.auth(token),
      payload: { status: 'cancelled', endedOn: '2026-03-10' },
    });
    assert.equal(response.statusCode, 200, response.body);

    const after = await cell();
    assert.equal(after?.expected, 1, 'only the session before the end is expected');
    assert.equal(after?.present, 1);
  });

  it('recounts when an activity stops being mandatory', async () => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/activities/${activityId}`,
      headers: t.auth(token),
      payload: { mode: 'convocation' },
    });
    assert.equal(response.statusCode, 200, response.body);

    // Nobody was summoned, so nothing is expected and the P marks count for nothing.
    assert.equal((await cell())?.expected, 0);
  });
});
