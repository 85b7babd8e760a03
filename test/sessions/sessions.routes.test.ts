import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import type { SessionReply } from '../attendance/harness.ts';
import {
  Client,
  NOW_ISO,
  assertRefused,
  assertRefusedWithoutWrites,
  createCohortScene,
  enrolledStudent,
  fixedClock,
} from '../attendance/harness.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertStudent } from '../support/fixtures.ts';

interface SessionList {
  items: SessionReply[];
  total: number;
}

describeEachDatabase('sessions of an activity', (dialect) => {
  let t: TestApp;
  let db: Db;
  let api: Client;

  before(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    api = new Client(t, await t.tokenFor('secretary'));
  });
  after(() => t.close());

  async function sessionCount(activityId: number): Promise<number> {
    const rows = await db
      .selectFrom('sessions')
      .select('id')
      .where('activityId', '=', activityId)
      .execute();
    return rows.length;
  }

  /** A session of the cohort's lessons with one mark on it. */
  async function markedSession() {
    const scene = await createCohortScene(db);
    const student = await enrolledStudent(db, scene.cohortId);
    const session = await api.createSession(scene.lessons, '2026-03-02');
    await api.saveMarks(session.id, [{ studentId: student.id, status: 'P' }]);
    return { scene, session };
  }

  it('creates a session with its date, time and subject, not extra by default', async () => {
    const scene = await createCohortScene(db);
    const response = await api.send('POST', `/activities/${scene.lessons}/sessions`, {
      date: '2026-03-02',
      time: '19:30',
      subject: '  A respiração  ',
    });
    assert.equal(response.statusCode, 201, response.body);
    const session = response.json<SessionReply>();
    assert.deepEqual(
      {
        activityId: session.activityId,
        cohortId: session.cohortId,
        date: session.date,
        slot: session.slot,
        time: session.time,
        subject: session.subject,
        extra: session.extra,
      },
      {
        activityId: scene.lessons,
        cohortId: scene.cohortId,
        date: '2026-03-02',
        slot: 1,
        time: '19:30',
        subject: 'A respiração',
        extra: false,
      },
    );
    const extra = await api.createSession(scene.lessons, '2026-03-09', { extra: true });
    assert.equal(extra.extra, true);
  });

  it('gives several sessions of one activity on the same day distinct slots', async () => {
    const scene = await createCohortScene(db);
    const first = await api.createSession(scene.lessons, '2026-03-02');
    const second = await api.createSession(scene.lessons, '2026-03-02');
    const bulk = await api.ok<{ items: SessionReply[] }>(
      'POST',
      `/activities/${scene.lessons}/sessions/bulk`,
      { sessions: [{ date: '2026-03-02' }, { date: '2026-03-02' }, { date: '2026-03-03' }] },
    );
    assert.deepEqual(
      [first, second, ...bulk.items].map((s) => [s.date, s.slot]),
      [
        ['2026-03-02', 1],
        ['2026-03-02', 2],
        ['2026-03-02', 3],
        ['2026-03-02', 4],
        ['2026-03-03', 1],
      ],
    );
    // Another activity's slots are its own.
    const fullMoon = await api.createSession(scene.fullMoons, '2026-03-02');
    assert.equal(fullMoon.slot, 1);
  });

  it('refuses a slot the activity already uses on that day', async () => {
    const scene = await createCohortScene(db);
    await api.createSession(scene.lessons, '2026-03-02', { slot: 2 });
    const response = await api.send('POST', `/activities/${scene.lessons}/sessions`, {
      date: '2026-03-02',
      slot: 2,
    });
    assertRefused(response, 409, 'OMAUM_SESSION_DUPLICATE');
    const free = await api.createSession(scene.lessons, '2026-03-02');
    assert.equal(free.slot, 1);
  });

  it('creates many sessions at once, or none of them when one is refused', async () => {
    const scene = await createCohortScene(db);
    await api.createSession(scene.lessons, '2026-03-02', { slot: 1 });
    const response = await api.send('POST', `/activities/${scene.lessons}/sessions/bulk`, {
      sessions: [{ date: '2026-03-09' }, { date: '2026-03-16' }, { date: '2026-03-02', slot: 1 }],
    });
    assertRefused(response, 409, 'OMAUM_SESSION_DUPLICATE');
    assert.equal(await sessionCount(scene.lessons), 1);

    const twice = await api.send('POST', `/activities/${scene.lessons}/sessions/bulk`, {
      sessions: [
        { date: '2026-03-23', slot: 3 },
        { date: '2026-03-23', slot: 3 },
      ],
    });
    assertRefused(twice, 409, 'OMAUM_SESSION_DUPLICATE');
    assert.equal(await sessionCount(scene.lessons), 1);

    const empty = await api.send('POST', `/activities/${scene.lessons}/sessions/bulk`, {
      sessions: [],
    });
    assertRefused(empty, 400, 'OMAUM_REQUEST_INVALID');
  });

  it('refuses malformed sessions with 400', async () => {
    const scene = await createCohortScene(db);
    for (const body of [
      {},
      { date: '2026-02-30' },
      { date: '02/03/2026' },
      { date: '2026-03-02', time: '25:00' },
      { date: '2026-03-02', slot: 0 },
      { date: '2026-03-02', colour: 'blue' },
    ]) {
      const response = await api.send('POST', `/activities/${scene.lessons}/sessions`, body);
      assertRefused(response, 400, 'OMAUM_REQUEST_INVALID');
    }
    assert.equal(await sessionCount(scene.lessons), 0);
  });

  it('answers 404 for sessions of an unknown activity', async () => {
    const response = await api.send('POST', '/activities/999999/sessions', { date: '2026-03-02' });
    assertRefused(response, 404, 'OMAUM_ACTIVITY_NOT_FOUND');
    assertRefused(await api.send('GET', '/sessions/999999'), 404, 'OMAUM_SESSION_NOT_FOUND');
  });

  it("lists an activity's sessions in date order, optionally between two dates", async () => {
    const scene = await createCohortScene(db);
    for (const date of ['2026-03-16', '2026-02-23', '2026-03-02', '2026-03-02', '2026-04-06']) {
      await api.createSession(scene.lessons, date);
    }
    await api.createSession(scene.fullMoons, '2026-03-03');
    const all = await api.ok<SessionList>('GET', `/activities/${scene.lessons}/sessions`);
    assert.deepEqual(
      all.items.map((s) => `${s.date}#${s.slot}`),
      ['2026-02-23#1', '2026-03-02#1', '2026-03-02#2', '2026-03-16#1', '2026-04-06#1'],
    );
    assert.equal(all.total, 5);

    const march = await api.ok<SessionList>(
      'GET',
      `/activities/${scene.lessons}/sessions?from=2026-03-02&to=2026-03-16`,
    );
    assert.deepEqual(
      march.items.map((s) => `${s.date}#${s.slot}`),
      ['2026-03-02#1', '2026-03-02#2', '2026-03-16#1'],
    );
    const fromOnly = await api.ok<SessionList>(
      'GET',
      `/activities/${scene.lessons}/sessions?from=2026-03-03`,
    );
    assert.deepEqual(
      fromOnly.items.map((s) => s.date),
      ['2026-03-16', '2026-04-06'],
    );
  });

  it("lists a cohort's sessions of one month across its activities", async () => {
    const scene = await createCohortScene(db);
    const other = await createCohortScene(db);
    await api.createSession(scene.lessons, '2026-03-09');
    await api.createSession(scene.fullMoons, '2026-03-03');
    await api.createSession(scene.cleaning, '2026-03-09', { extra: true });
    await api.createSession(scene.lessons, '2026-04-06');
    await api.createSession(other.lessons, '2026-03-09');

    const march = await api.ok<SessionList>(
      'GET',
      `/cohorts/${scene.cohortId}/sessions?month=2026-03`,
    );
    assert.deepEqual(
      march.items.map((s) => [s.date, s.activityId]),
      [
        ['2026-03-03', scene.fullMoons],
        ['2026-03-09', scene.lessons],
        ['2026-03-09', scene.cleaning],
      ],
    );
    const regular = await api.ok<SessionList>(
      'GET',
      `/cohorts/${scene.cohortId}/sessions?month=2026-03&includeExtra=false`,
    );
    assert.deepEqual(
      regular.items.map((s) => s.activityId),
      [scene.fullMoons, scene.lessons],
    );
    const bad = await api.send('GET', `/cohorts/${scene.cohortId}/sessions?month=2026-13`);
    assertRefused(bad, 400, 'OMAUM_REQUEST_INVALID');
  });

  it('moves, re-flags and renames a session while it has no marks', async () => {
    const scene = await createCohortScene(db);
    await api.createSession(scene.lessons, '2026-03-10');
    const session = await api.createSession(scene.lessons, '2026-03-09');
    const moved = await api.ok<SessionReply>('PATCH', `/sessions/${session.id}`, {
      date: '2026-03-10',
      extra: true,
      subject: 'Reposição',
      time: '20:00',
    });
    assert.deepEqual(
      [moved.date, moved.slot, moved.extra, moved.subject, moved.time],
      ['2026-03-10', 2, true, 'Reposição', '20:00'],
    );
    const read = await api.ok<SessionReply>('GET', `/sessions/${session.id}`);
    assert.deepEqual(read, moved);
    const stored = await db
      .selectFrom('sessions')
      .select('month')
      .where('id', '=', session.id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.month, '2026-03');
  });

  it('refuses to move or re-flag a session with marks, but lets its subject change', async () => {
    const { session } = await markedSession();
    for (const body of [{ date: '2026-03-03' }, { extra: true }]) {
      await assertRefusedWithoutWrites(
        db,
        () => api.send('PATCH', `/sessions/${session.id}`, body),
        409,
        'OMAUM_SESSION_HAS_MARKS',
      );
    }
    const renamed = await api.ok<SessionReply>('PATCH', `/sessions/${session.id}`, {
      date: session.date,
      extra: false,
      subject: 'Meditação',
    });
    assert.equal(renamed.subject, 'Meditação');
    assert.equal(renamed.date, session.date);
  });

  it('deletes a session only while it has no marks', async () => {
    const { scene, session } = await markedSession();
    await assertRefusedWithoutWrites(
      db,
      () => api.send('DELETE', `/sessions/${session.id}`),
      409,
      'OMAUM_SESSION_HAS_MARKS',
    );
    const empty = await api.createSession(scene.lessons, '2026-03-09');
    const deleted = await api.send('DELETE', `/sessions/${empty.id}`);
    assert.equal(deleted.statusCode, 204, deleted.body);
    assertRefused(await api.send('GET', `/sessions/${empty.id}`), 404, 'OMAUM_SESSION_NOT_FOUND');
    assert.equal(await sessionCount(scene.lessons), 1);
  });

  it('refuses new sessions on archived or inactive activities and archived cohorts', async () => {
    const archivedActivity = await createCohortScene(db);
    await db
      .updateTable('activities')
      .set({ archivedAt: NOW_ISO, isActive: false })
      .where('id', '=', archivedActivity.cleaning)
      .execute();
    const inactiveActivity = await createCohortScene(db);
    await db
      .updateTable('activities')
      .set({ isActive: false })
      .where('id', '=', inactiveActivity.cleaning)
      .execute();
    const archivedCohort = await createCohortScene(db);
    await db
      .updateTable('cohorts')
      .set({ archivedAt: NOW_ISO })
      .where('id', '=', archivedCohort.cohortId)
      .execute();

    for (const activityId of [
      archivedActivity.cleaning,
      inactiveActivity.cleaning,
      archivedCohort.lessons,
    ]) {
      const one = await api.send('POST', `/activities/${activityId}/sessions`, {
        date: '2026-03-02',
      });
      assertRefused(one, 422, 'OMAUM_SESSION_NOT_ALLOWED');
      const many = await api.send('POST', `/activities/${activityId}/sessions/bulk`, {
        sessions: [{ date: '2026-03-02' }],
      });
      assertRefused(many, 422, 'OMAUM_SESSION_NOT_ALLOWED');
      assert.equal(await sessionCount(activityId), 0);
    }
  });

  it('lets viewers read sessions but not create, change or delete them', async () => {
    const scene = await createCohortScene(db);
    const session = await api.createSession(scene.lessons, '2026-03-02');
    const viewer = api.as(await t.tokenFor('viewer'));
    const list = await viewer.ok<SessionList>('GET', `/activities/${scene.lessons}/sessions`);
    assert.equal(list.total, 1);
    await viewer.ok('GET', `/cohorts/${scene.cohortId}/sessions?month=2026-03`);

    const attempts = [
      () => viewer.send('POST', `/activities/${scene.lessons}/sessions`, { date: '2026-03-09' }),
      () =>
        viewer.send('POST', `/activities/${scene.lessons}/sessions/bulk`, {
          sessions: [{ date: '2026-03-09' }],
        }),
      () => viewer.send('PATCH', `/sessions/${session.id}`, { subject: 'x' }),
      () => viewer.send('DELETE', `/sessions/${session.id}`),
    ];
    for (const attempt of attempts) {
      await assertRefusedWithoutWrites(db, attempt, 403, 'OMAUM_AUTH_FORBIDDEN');
    }
  });

  it('lets an instructor manage sessions of the cohorts they teach and no other', async () => {
    const teacher = await insertStudent(db, { fullName: 'Instrutora Clara' });
    const own = await createCohortScene(db, { instructorId: teacher.id });
    const other = await createCohortScene(db);
    const instructor = api.as(await t.tokenFor('instructor', { studentId: teacher.id }));

    const created = await instructor.createSession(own.lessons, '2026-03-02');
    await instructor.ok('PATCH', `/sessions/${created.id}`, { subject: 'Aula 1' });
    await instructor.ok('GET', `/cohorts/${own.cohortId}/sessions?month=2026-03`);

    const foreign = await api.createSession(other.lessons, '2026-03-02');
    const attempts = [
      () =>
        instructor.send('POST', `/activities/${other.lessons}/sessions`, { date: '2026-03-09' }),
      () =>
        instructor.send('POST', `/activities/${other.lessons}/sessions/bulk`, {
          sessions: [{ date: '2026-03-09' }],
        }),
      () => instructor.send('PATCH', `/sessions/${foreign.id}`, { subject: 'x' }),
      () => instructor.send('DELETE', `/sessions/${foreign.id}`),
      () => instructor.send('GET', `/sessions/${foreign.id}`),
      () => instructor.send('GET', `/activities/${other.lessons}/sessions`),
      () => instructor.send('GET', `/cohorts/${other.cohortId}/sessions?month=2026-03`),
    ];
    for (const attempt of attempts) {
      const response = await attempt();
      assert.equal(response.statusCode, 404, response.body);
    }
    assert.equal(await sessionCount(other.lessons), 1);
  });
});
