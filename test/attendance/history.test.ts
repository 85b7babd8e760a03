import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import type { HistoryItem } from './harness.ts';
import {
  Client,
  NOW_ISO,
  assertRefused,
  createCohortScene,
  enrolledStudent,
  fixedClock,
} from './harness.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertStudent } from '../support/fixtures.ts';

interface HistoryList {
  items: HistoryItem[];
  total: number;
}

/** old → new of each entry, as the history screen shows it. */
function transitions(items: readonly HistoryItem[]): string[] {
  return items.map((item) => `${item.oldStatus ?? '-'}→${item.newStatus ?? '-'}`);
}

describeEachDatabase('history of marks', (dialect) => {
  let t: TestApp;
  let db: Db;
  let api: Client;
  let secretaryId: number;

  before(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    const email = `history.${dialect}@test.omaum`;
    api = new Client(t, await t.tokenFor('secretary', { email }));
    const user = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    secretaryId = user.id;
  });
  after(() => t.close());

  async function scene() {
    const cohort = await createCohortScene(db);
    const ana = await enrolledStudent(db, cohort.cohortId, { fullName: 'Ana Lima' });
    const bruno = await enrolledStudent(db, cohort.cohortId, { fullName: 'Bruno Reis' });
    const first = await api.createSession(cohort.lessons, '2026-03-02');
    const second = await api.createSession(cohort.lessons, '2026-03-09');
    return { cohort, ana, bruno, first, second };
  }

  it('appends one entry per change with who, when, old → new and the source', async () => {
    const { cohort, ana, first } = await scene();
    const created = await api.saveMarks(first.id, [{ studentId: ana.id, status: 'P' }]);
    const markId = created.marks[0]?.id ?? 0;
    await api.saveMarks(first.id, [{ studentId: ana.id, status: 'F', justification: 'gripe' }]);
    // The same request again changes nothing, so it leaves no entry.
    await api.saveMarks(first.id, [{ studentId: ana.id, status: 'F', justification: 'gripe' }]);
    await api.saveMarks(first.id, [{ studentId: ana.id, status: 'J' }]);
    await api.ok('PUT', `/cohorts/${cohort.cohortId}/attendance/2026-03`, {
      sessions: [
        {
          id: first.id,
          activityId: cohort.lessons,
          date: first.date,
          marks: [{ studentId: ana.id, status: 'P', justification: null }],
        },
      ],
    });

    const history = await api.ok<HistoryList>('GET', `/marks/${markId}/history`);
    assert.equal(history.total, 4);
    assert.deepEqual(transitions(history.items), ['-→P', 'P→F', 'F→J', 'J→P']);
    assert.deepEqual(
      history.items.map((item) => [item.version, item.source]),
      [
        [1, 'api'],
        [2, 'api'],
        [3, 'api'],
        [4, 'month'],
      ],
    );
    assert.deepEqual(
      history.items.map((item) => [item.oldJustification, item.newJustification]),
      [
        [null, null],
        [null, 'gripe'],
        ['gripe', 'gripe'],
        ['gripe', null],
      ],
    );
    for (const item of history.items) {
      assert.equal(item.changedBy, secretaryId);
      assert.equal(item.changedAt, NOW_ISO);
      assert.equal(item.markId, markId);
      assert.equal(item.sessionId, first.id);
      assert.equal(item.studentId, ana.id);
    }
    assert.deepEqual(
      history.items.map((item) => [item.oldSummoned, item.newSummoned]),
      [
        [null, false],
        [false, false],
        [false, false],
        [false, false],
      ],
    );
  });

  it('records summons in the history as well as statuses', async () => {
    const { cohort, ana } = await scene();
    const cleaning = await api.createSession(cohort.cleaning, '2026-03-14');
    const summoned = await api.saveMarks(cleaning.id, [{ studentId: ana.id, summoned: true }]);
    await api.saveMarks(cleaning.id, [{ studentId: ana.id, status: 'P' }]);
    const history = await api.ok<HistoryList>(
      'GET',
      `/marks/${summoned.marks[0]?.id ?? 0}/history`,
    );
    assert.deepEqual(
      history.items.map((item) => [
        item.oldStatus,
        item.newStatus,
        item.oldSummoned,
        item.newSummoned,
      ]),
      [
        [null, null, null, true],
        [null, 'P', true, true],
      ],
    );
  });

  it("lists a session's changes for every student, oldest first", async () => {
    const { ana, bruno, first, second } = await scene();
    await api.saveMarks(first.id, [
      { studentId: ana.id, status: 'P' },
      { studentId: bruno.id, status: 'F' },
    ]);
    await api.saveMarks(second.id, [{ studentId: ana.id, status: 'P' }]);
    await api.saveMarks(first.id, [{ studentId: bruno.id, status: 'J' }]);

    const history = await api.ok<HistoryList>('GET', `/sessions/${first.id}/history`);
    assert.deepEqual(
      history.items.map((item) => [item.studentId, item.oldStatus, item.newStatus]),
      [
        [ana.id, null, 'P'],
        [bruno.id, null, 'F'],
        [bruno.id, 'F', 'J'],
      ],
    );
    assertRefused(
      await api.send('GET', '/sessions/999999/history'),
      404,
      'OMAUM_SESSION_NOT_FOUND',
    );
    assertRefused(await api.send('GET', '/marks/999999/history'), 404, 'OMAUM_MARK_NOT_FOUND');
  });

  it("lists a student's changes across sessions, newest first, page by page", async () => {
    const { ana, bruno, first, second } = await scene();
    await api.saveMarks(first.id, [{ studentId: ana.id, status: 'P' }]);
    await api.saveMarks(second.id, [
      { studentId: ana.id, status: 'F' },
      { studentId: bruno.id, status: 'P' },
    ]);
    await api.saveMarks(first.id, [{ studentId: ana.id, status: 'J' }]);

    const all = await api.ok<HistoryList>('GET', `/students/${ana.id}/mark-history`);
    assert.deepEqual(
      all.items.map((item) => [item.sessionId, item.oldStatus, item.newStatus]),
      [
        [first.id, 'P', 'J'],
        [second.id, null, 'F'],
        [first.id, null, 'P'],
      ],
    );
    assert.ok(all.items.every((item) => item.studentId === ana.id));
    const page = await api.ok<HistoryList>(
      'GET',
      `/students/${ana.id}/mark-history?limit=1&offset=1`,
    );
    assert.deepEqual(
      page.items.map((item) => item.sessionId),
      [second.id],
    );
  });

  it('shows histories to viewers, and to instructors only for the cohorts they teach', async () => {
    const teacher = await insertStudent(db);
    const own = await createCohortScene(db, { instructorId: teacher.id });
    const student = await enrolledStudent(db, own.cohortId);
    const ownSession = await api.createSession(own.lessons, '2026-03-02');
    const { ana, first } = await scene();
    const saved = await api.saveMarks(first.id, [{ studentId: ana.id, status: 'P' }]);
    await api.saveMarks(ownSession.id, [{ studentId: student.id, status: 'P' }]);

    const viewer = api.as(await t.tokenFor('viewer'));
    await viewer.ok('GET', `/sessions/${first.id}/history`);
    await viewer.ok('GET', `/students/${ana.id}/mark-history`);

    const instructor = api.as(await t.tokenFor('instructor', { studentId: teacher.id }));
    await instructor.ok('GET', `/sessions/${ownSession.id}/history`);
    const foreignSession = await instructor.send('GET', `/sessions/${first.id}/history`);
    assert.equal(foreignSession.statusCode, 404, foreignSession.body);
    const foreignMark = await instructor.send('GET', `/marks/${saved.marks[0]?.id ?? 0}/history`);
    assert.equal(foreignMark.statusCode, 404, foreignMark.body);
    const byStudent = await instructor.send('GET', `/students/${ana.id}/mark-history`);
    assertRefused(byStudent, 403, 'OMAUM_AUTH_FORBIDDEN');
  });
});
