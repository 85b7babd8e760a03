import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import type { MarkReply } from './harness.ts';
import {
  Client,
  assertRefusedWithoutWrites,
  attendanceState,
  createCohortScene,
  enrolledStudent,
  fixedClock,
} from './harness.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

interface Conflict {
  studentId: number;
  sessionId: number;
  yourVersion: number;
  currentVersion: number;
  current: MarkReply | null;
}

describeEachDatabase('optimistic concurrency of marks', (dialect) => {
  let t: TestApp;
  let db: Db;
  let api: Client;

  before(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    api = new Client(t, await t.tokenFor('secretary'));
  });
  after(() => t.close());

  /** A session where Ana has a P (version 1) recorded. */
  async function markedSession() {
    const scene = await createCohortScene(db);
    const ana = await enrolledStudent(db, scene.cohortId, { fullName: 'Ana Lima' });
    const bruno = await enrolledStudent(db, scene.cohortId, { fullName: 'Bruno Reis' });
    const session = await api.createSession(scene.lessons, '2026-03-02');
    await api.saveMarks(session.id, [{ studentId: ana.id, status: 'P' }]);
    return { ana, bruno, session };
  }

  async function historyCount(): Promise<number> {
    return (await attendanceState(db)).history.length;
  }

  it('accepts a change sent with the version that was read and bumps it', async () => {
    const { ana, session } = await markedSession();
    const saved = await api.saveMarks(session.id, [
      { studentId: ana.id, status: 'F', justification: 'viagem', version: 1 },
    ]);
    assert.equal(saved.changed, 1);
    assert.deepEqual(
      saved.marks.map((mark) => [mark.status, mark.version]),
      [['F', 2]],
    );
    const again = await api.saveMarks(session.id, [{ studentId: ana.id, status: 'J', version: 2 }]);
    assert.equal(again.marks[0]?.version, 3);
  });

  it('refuses a stale version with 409, listing the current status and version', async () => {
    const { ana, bruno, session } = await markedSession();
    await api.saveMarks(session.id, [{ studentId: ana.id, status: 'F', version: 1 }]);

    const body = await assertRefusedWithoutWrites(
      db,
      () =>
        api.putMarks(session.id, [
          { studentId: bruno.id, status: 'P', version: 0 },
          { studentId: ana.id, status: 'J', version: 1 },
        ]),
      409,
      'OMAUM_MARK_VERSION_CONFLICT',
    );
    const { conflicts } = body.details as { conflicts: Conflict[] };
    assert.equal(conflicts.length, 1);
    const [conflict] = conflicts;
    assert.deepEqual(
      [conflict?.studentId, conflict?.sessionId, conflict?.yourVersion, conflict?.currentVersion],
      [ana.id, session.id, 1, 2],
    );
    assert.equal(conflict?.current?.status, 'F');
    assert.equal(conflict?.current?.version, 2);
  });

  it('refuses version 0 once someone else created the mark', async () => {
    const { ana, session } = await markedSession();
    const body = await assertRefusedWithoutWrites(
      db,
      () => api.putMarks(session.id, [{ studentId: ana.id, status: 'F', version: 0 }]),
      409,
      'OMAUM_MARK_VERSION_CONFLICT',
    );
    const { conflicts } = body.details as { conflicts: Conflict[] };
    assert.equal(conflicts[0]?.current?.status, 'P');
  });

  it('refuses a version for a mark that does not exist yet', async () => {
    const { bruno, session } = await markedSession();
    const body = await assertRefusedWithoutWrites(
      db,
      () => api.putMarks(session.id, [{ studentId: bruno.id, status: 'P', version: 3 }]),
      409,
      'OMAUM_MARK_VERSION_CONFLICT',
    );
    const { conflicts } = body.details as { conflicts: Conflict[] };
    assert.deepEqual(
      conflicts.map((c) => [c.currentVersion, c.current]),
      [[0, null]],
    );
  });

  it('treats re-sending an identical request as a no-op, even with an old version', async () => {
    const { ana, bruno, session } = await markedSession();
    const request = [
      { studentId: ana.id, status: 'F' as const, justification: 'doente', version: 1 },
      { studentId: bruno.id, status: 'P' as const, version: 0 },
    ];
    const first = await api.saveMarks(session.id, request);
    assert.equal(first.changed, 2);
    const before = await attendanceState(db);

    const second = await api.saveMarks(session.id, request);
    assert.equal(second.changed, 0);
    assert.deepEqual(
      second.marks.map((mark) => [mark.studentId, mark.status, mark.version]).sort(),
      [
        [ana.id, 'F', 2],
        [bruno.id, 'P', 1],
      ].sort(),
    );
    assert.deepEqual(await attendanceState(db), before);

    // Sending only the status leaves the stored justification and summons as they are.
    const partial = await api.saveMarks(session.id, [{ studentId: ana.id, status: 'F' }]);
    assert.equal(partial.changed, 0);
    assert.equal(partial.marks[0]?.justification, 'doente');
    assert.equal(await historyCount(), before.history.length);
  });
});

describeEachDatabase('concurrent writes of marks', (dialect) => {
  let t: TestApp;
  let db: Db;
  let api: Client;

  beforeEach(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    api = new Client(t, await t.tokenFor('secretary'));
  });
  afterEach(() => t.close());

  it('lets only one of two people who read the same version save their change', async () => {
    const scene = await createCohortScene(db);
    const ana = await enrolledStudent(db, scene.cohortId);
    const session = await api.createSession(scene.lessons, '2026-03-02');
    const other = api.as(await t.tokenFor('secretary'));

    for (let round = 0; round < 5; round += 1) {
      const marks = await api.ok<{ items: MarkReply[] }>('GET', `/sessions/${session.id}/marks`);
      const version = marks.items[0]?.version ?? 0;
      // Two different changes: neither request is a no-op.
      const [mine, theirs] = (['P', 'F', 'J'] as const).filter(
        (status) => status !== marks.items[0]?.status,
      );
      const [first, second] = await Promise.all([
        api.putMarks(session.id, [{ studentId: ana.id, status: mine, version }]),
        other.putMarks(session.id, [{ studentId: ana.id, status: theirs, version }]),
      ]);
      const codes = [first.statusCode, second.statusCode].sort();
      assert.deepEqual(codes, [200, 409], `${first.body} / ${second.body}`);
      const stored = await attendanceState(db);
      assert.equal(stored.marks[0]?.version, version + 1);
      assert.equal(stored.history.length, round + 1);
    }
  });

  it('keeps the counters right when one student is marked at two sessions at once', async () => {
    const scene = await createCohortScene(db);
    const students = [
      await enrolledStudent(db, scene.cohortId),
      await enrolledStudent(db, scene.cohortId),
    ];
    const days = ['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-17'];
    const sessions = [];
    for (const day of days) sessions.push(await api.createSession(scene.lessons, day));

    const responses = await Promise.all(
      sessions.map((session, index) =>
        api.putMarks(
          session.id,
          students.map((student) => ({ studentId: student.id, status: index % 2 ? 'F' : 'P' })),
        ),
      ),
    );
    for (const response of responses) assert.equal(response.statusCode, 200, response.body);

    const { counters } = await attendanceState(db);
    assert.deepEqual(
      counters.map((row) => [row.studentId, row.expected, row.present, row.absent]),
      students.map((student) => [student.id, 4, 2, 2]),
    );
  });
});
