import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import type { MarkBody, MarkReply } from './harness.ts';
import {
  Client,
  NOW_ISO,
  TODAY,
  TOMORROW,
  assertRefused,
  assertRefusedWithoutWrites,
  attendanceState,
  countersOf,
  createCohortScene,
  enrolledStudent,
  fixedClock,
  violationsOf,
} from './harness.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertStudent } from '../support/fixtures.ts';

describeEachDatabase('marks of a session', (dialect) => {
  let t: TestApp;
  let db: Db;
  let api: Client;

  before(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    api = new Client(t, await t.tokenFor('secretary'));
  });
  after(() => t.close());

  /** A cohort, its students (Ana, Bruno, Carla) and a lesson session on 2 March. */
  async function lessonDay() {
    const scene = await createCohortScene(db);
    const ana = await enrolledStudent(db, scene.cohortId, { fullName: 'Ana Lima' });
    const bruno = await enrolledStudent(db, scene.cohortId, { fullName: 'Bruno Reis' });
    const carla = await enrolledStudent(db, scene.cohortId, { fullName: 'Carla Dias' });
    const session = await api.createSession(scene.lessons, '2026-03-02');
    return { scene, ana, bruno, carla, session };
  }

  /** Sends marks that must be refused by one rule, and checks nothing was written. */
  async function assertRuleRefusal(
    sessionId: number,
    marks: readonly MarkBody[],
    expected: { studentId: number; rule: string },
  ) {
    const body = await assertRefusedWithoutWrites(
      db,
      () => api.putMarks(sessionId, marks),
      422,
      'OMAUM_MARK_RULE_VIOLATION',
    );
    const violations = violationsOf(body);
    assert.deepEqual(
      violations.map((v) => [v.studentId, v.sessionId, v.rule]),
      [[expected.studentId, sessionId, expected.rule]],
    );
    const [violation] = violations;
    assert.ok(violation);
    assert.ok(violation.studentName, 'the violation names the student');
    assert.ok(body.message.includes(violation.studentName), body.message);
    assert.ok(body.message.includes(String(sessionId)), body.message);
    return violation;
  }

  it('records P, F and J on expected sessions and keeps the monthly counters', async () => {
    const { scene, ana, bruno, carla, session } = await lessonDay();
    const saved = await api.saveMarks(session.id, [
      { studentId: ana.id, status: 'P' },
      { studentId: bruno.id, status: 'F' },
      { studentId: carla.id, status: 'J', justification: '  doente ' },
    ]);
    assert.equal(saved.changed, 3);
    const byStudent = new Map(saved.marks.map((mark) => [mark.studentId, mark]));
    assert.equal(byStudent.get(ana.id)?.status, 'P');
    assert.equal(byStudent.get(bruno.id)?.status, 'F');
    assert.equal(byStudent.get(carla.id)?.justification, 'doente');
    assert.ok(saved.marks.every((mark) => mark.version === 1 && mark.recordedAt === NOW_ISO));
    assert.ok(saved.marks.every((mark) => mark.recordedBy !== null));

    const listed = await api.ok<{ items: MarkReply[] }>('GET', `/sessions/${session.id}/marks`);
    assert.equal(listed.items.length, 3);

    const [anaCounters] = await countersOf(db, ana.id);
    assert.deepEqual(anaCounters, {
      cohortId: scene.cohortId,
      activityId: scene.lessons,
      studentId: ana.id,
      month: '2026-03',
      expected: 1,
      present: 1,
      absent: 0,
      excused: 0,
      volunteerExtra: 0,
      volunteerSimple: 0,
      summonedUnmarked: 0,
    });
    const [carlaCounters] = await countersOf(db, carla.id);
    assert.equal(carlaCounters?.excused, 1);
  });

  it("leaves other students' marks untouched", async () => {
    const { ana, bruno, session } = await lessonDay();
    await api.saveMarks(session.id, [{ studentId: ana.id, status: 'P' }]);
    const saved = await api.saveMarks(session.id, [{ studentId: bruno.id, status: 'F' }]);
    assert.equal(saved.changed, 1);
    const listed = await api.ok<{ items: MarkReply[] }>('GET', `/sessions/${session.id}/marks`);
    assert.deepEqual(
      listed.items.map((mark) => [mark.studentId, mark.status, mark.version]).sort(),
      [
        [ana.id, 'P', 1],
        [bruno.id, 'F', 1],
      ].sort(),
    );
  });

  it('accepts only V1 or V2 at an extra session, naming the rule when refused', async () => {
    const { scene, ana, bruno } = await lessonDay();
    const extra = await api.createSession(scene.lessons, '2026-03-07', { extra: true });
    for (const status of ['P', 'F', 'J'] as const) {
      const violation = await assertRuleRefusal(extra.id, [{ studentId: ana.id, status }], {
        studentId: ana.id,
        rule: 'voluntary_status_required',
      });
      assert.equal(violation.date, '2026-03-07');
    }
    const saved = await api.saveMarks(extra.id, [
      { studentId: ana.id, status: 'V1' },
      { studentId: bruno.id, status: 'V2' },
    ]);
    assert.equal(saved.changed, 2);
    const [counters] = await countersOf(db, ana.id);
    assert.equal(counters?.volunteerExtra, 1);
    assert.equal(counters?.expected, 0);
  });

  it('accepts P, F or J at a convocation session only for summoned students', async () => {
    const { scene, ana, bruno } = await lessonDay();
    const cleaning = await api.createSession(scene.cleaning, '2026-03-14');
    await assertRuleRefusal(cleaning.id, [{ studentId: ana.id, status: 'P' }], {
      studentId: ana.id,
      rule: 'voluntary_status_required',
    });
    await assertRuleRefusal(cleaning.id, [{ studentId: ana.id, status: 'V1', summoned: true }], {
      studentId: ana.id,
      rule: 'attendance_status_required',
    });
    const saved = await api.saveMarks(cleaning.id, [
      { studentId: ana.id, status: 'F', summoned: true },
      { studentId: bruno.id, status: 'V2' },
    ]);
    assert.equal(saved.changed, 2);
  });

  it('refuses V1 or V2 on a session expected of the student', async () => {
    const { ana, session } = await lessonDay();
    for (const status of ['V1', 'V2'] as const) {
      const violation = await assertRuleRefusal(session.id, [{ studentId: ana.id, status }], {
        studentId: ana.id,
        rule: 'attendance_status_required',
      });
      assert.match(violation.message, /use V1 or V2|use P, F or J/);
    }
  });

  it("refuses any mark outside the student's enrollment window", async () => {
    const scene = await createCohortScene(db);
    const late = await enrolledStudent(db, scene.cohortId, { enrolledOn: '2026-03-10' });
    const gone = await enrolledStudent(db, scene.cohortId, {
      enrolledOn: '2026-01-01',
      endedOn: '2026-03-05',
    });
    const before = await api.createSession(scene.lessons, '2026-03-09');
    const after = await api.createSession(scene.lessons, '2026-03-06');
    for (const status of ['P', 'V1'] as const) {
      await assertRuleRefusal(before.id, [{ studentId: late.id, status }], {
        studentId: late.id,
        rule: 'outside_enrollment',
      });
      await assertRuleRefusal(after.id, [{ studentId: gone.id, status }], {
        studentId: gone.id,
        rule: 'outside_enrollment',
      });
    }
    // Both ends of the window are inclusive.
    const first = await api.createSession(scene.lessons, '2026-03-10');
    const last = await api.createSession(scene.lessons, '2026-03-05');
    await api.saveMarks(first.id, [{ studentId: late.id, status: 'P' }]);
    await api.saveMarks(last.id, [{ studentId: gone.id, status: 'P' }]);
  });

  it('refuses P, F or J on a future date but lets a student be summoned in advance', async () => {
    const { scene, ana, bruno } = await lessonDay();
    // The clock is 02:00 UTC on the 21st: still the 20th in São Paulo.
    const today = await api.createSession(scene.lessons, TODAY);
    const tomorrow = await api.createSession(scene.lessons, TOMORROW);
    await api.saveMarks(today.id, [{ studentId: ana.id, status: 'P' }]);
    for (const status of ['P', 'F', 'J'] as const) {
      await assertRuleRefusal(tomorrow.id, [{ studentId: ana.id, status }], {
        studentId: ana.id,
        rule: 'future_date',
      });
    }

    const cleaning = await api.createSession(scene.cleaning, '2026-03-28');
    const summoned = await api.saveMarks(cleaning.id, [
      { studentId: ana.id, status: null, summoned: true },
    ]);
    assert.equal(summoned.changed, 1);
    assert.deepEqual(
      summoned.marks.map((mark) => [mark.status, mark.summoned]),
      [[null, true]],
    );
    await assertRuleRefusal(cleaning.id, [{ studentId: bruno.id, status: 'P', summoned: true }], {
      studentId: bruno.id,
      rule: 'future_date',
    });
    // A summons made in advance is pending in the counters.
    const counters = await countersOf(db, ana.id);
    const cleaningCounters = counters.find((row) => row.activityId === scene.cleaning);
    assert.equal(cleaningCounters?.summonedUnmarked, 1);
    assert.equal(cleaningCounters?.expected, 0);
  });

  it('refuses marks for an archived student and at a session of an archived activity', async () => {
    const { scene, ana, bruno, session } = await lessonDay();
    await db
      .updateTable('students')
      .set({ archivedAt: NOW_ISO })
      .where('id', '=', bruno.id)
      .execute();
    await assertRuleRefusal(
      session.id,
      [
        { studentId: ana.id, status: 'P' },
        { studentId: bruno.id, status: 'P' },
      ],
      { studentId: bruno.id, rule: 'archived' },
    );

    const cleaning = await api.createSession(scene.cleaning, '2026-03-14');
    await db
      .updateTable('activities')
      .set({ archivedAt: NOW_ISO, isActive: false })
      .where('id', '=', scene.cleaning)
      .execute();
    await assertRuleRefusal(cleaning.id, [{ studentId: ana.id, status: 'V1' }], {
      studentId: ana.id,
      rule: 'archived',
    });
  });

  it('answers 404 for an unknown student or one not enrolled in the cohort', async () => {
    const { ana, session } = await lessonDay();
    const stranger = await insertStudent(db);
    const elsewhere = await createCohortScene(db);
    const otherCohort = await enrolledStudent(db, elsewhere.cohortId);
    for (const studentId of [stranger.id, otherCohort.id, 999_999]) {
      const body = await assertRefusedWithoutWrites(
        db,
        () =>
          api.putMarks(session.id, [
            { studentId: ana.id, status: 'P' },
            { studentId, status: 'P' },
          ]),
        404,
        'OMAUM_MARK_STUDENT_UNKNOWN',
      );
      assert.deepEqual(body.details, { studentIds: [studentId] });
    }
  });

  it('answers 404 for an unknown session', async () => {
    const { ana } = await lessonDay();
    await assertRefusedWithoutWrites(
      db,
      () => api.putMarks(999_999, [{ studentId: ana.id, status: 'P' }]),
      404,
      'OMAUM_SESSION_NOT_FOUND',
    );
  });

  it('answers 400 for a malformed body', async () => {
    const { ana, session } = await lessonDay();
    const bodies: object[] = [
      {},
      { marks: {} },
      { marks: [{ status: 'P' }] },
      { marks: [{ studentId: ana.id, status: 'X' }] },
      { marks: [{ studentId: ana.id, status: 'p' }] },
      { marks: [{ studentId: ana.id, status: 'P', colour: 'blue' }] },
      { marks: [{ studentId: ana.id, status: 'P', version: -1 }] },
      { marks: [{ studentId: 'ana', status: 'P' }] },
      { marks: [{ studentId: ana.id, status: 'P', justification: 'x'.repeat(501) }] },
      {
        marks: [
          { studentId: ana.id, status: 'P' },
          { studentId: ana.id, status: 'F' },
        ],
      },
    ];
    for (const body of bodies) {
      await assertRefusedWithoutWrites(
        db,
        () => api.send('PUT', `/sessions/${session.id}/marks`, body),
        400,
        'OMAUM_REQUEST_INVALID',
      );
    }
    const notJson = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/sessions/${session.id}/marks`,
      headers: { ...t.auth(api.token), 'content-type': 'application/json' },
      payload: '{"marks": [',
    });
    assertRefused(notJson, 400, 'OMAUM_REQUEST_MALFORMED');
  });

  it('refuses the whole request when one mark is refused, listing every violation', async () => {
    const { scene, ana, bruno, carla } = await lessonDay();
    const extra = await api.createSession(scene.lessons, '2026-03-07', { extra: true });
    await api.saveMarks(extra.id, [{ studentId: ana.id, status: 'V1' }]);
    const body = await assertRefusedWithoutWrites(
      db,
      () =>
        api.putMarks(extra.id, [
          { studentId: ana.id, status: 'V2' },
          { studentId: bruno.id, status: 'P' },
          { studentId: carla.id, status: 'F' },
        ]),
      422,
      'OMAUM_MARK_RULE_VIOLATION',
    );
    assert.deepEqual(
      violationsOf(body).map((v) => [v.studentName, v.sessionId, v.date, v.rule]),
      [
        ['Bruno Reis', extra.id, '2026-03-07', 'voluntary_status_required'],
        ['Carla Dias', extra.id, '2026-03-07', 'voluntary_status_required'],
      ],
    );
    assert.match(body.message, /Bruno Reis.*\(and 1 more\)/);
  });

  it('lets viewers read marks but not record them', async () => {
    const { ana, session } = await lessonDay();
    await api.saveMarks(session.id, [{ studentId: ana.id, status: 'P' }]);
    const viewer = api.as(await t.tokenFor('viewer'));
    await viewer.ok('GET', `/sessions/${session.id}/marks`);
    await assertRefusedWithoutWrites(
      db,
      () => viewer.putMarks(session.id, [{ studentId: ana.id, status: 'F' }]),
      403,
      'OMAUM_AUTH_FORBIDDEN',
    );
  });

  it('lets an instructor mark the cohorts they teach and answers 404 for others', async () => {
    const teacher = await insertStudent(db, { fullName: 'Instrutor Davi' });
    const own = await createCohortScene(db, { assistantInstructorId: teacher.id });
    const other = await createCohortScene(db);
    const ownStudent = await enrolledStudent(db, own.cohortId);
    const otherStudent = await enrolledStudent(db, other.cohortId);
    const ownSession = await api.createSession(own.lessons, '2026-03-02');
    const otherSession = await api.createSession(other.lessons, '2026-03-02');
    const instructor = api.as(await t.tokenFor('instructor', { studentId: teacher.id }));

    const saved = await instructor.saveMarks(ownSession.id, [
      { studentId: ownStudent.id, status: 'P' },
    ]);
    assert.equal(saved.changed, 1);
    await assertRefusedWithoutWrites(
      db,
      () => instructor.putMarks(otherSession.id, [{ studentId: otherStudent.id, status: 'P' }]),
      404,
      'OMAUM_COHORT_NOT_FOUND',
    );
    const read = await instructor.send('GET', `/sessions/${otherSession.id}/marks`);
    assert.equal(read.statusCode, 404, read.body);
  });

  it('clears a status and a summons when asked, keeping the change in the counters', async () => {
    const { scene, ana } = await lessonDay();
    const cleaning = await api.createSession(scene.cleaning, '2026-03-14');
    await api.saveMarks(cleaning.id, [{ studentId: ana.id, status: 'P', summoned: true }]);
    assert.equal((await countersOf(db, ana.id))[0]?.present, 1);
    const cleared = await api.saveMarks(cleaning.id, [
      { studentId: ana.id, status: null, summoned: false },
    ]);
    assert.equal(cleared.changed, 1);
    assert.deepEqual(
      cleared.marks.map((mark) => [mark.status, mark.summoned, mark.version]),
      [[null, false, 2]],
    );
    const [counters] = await countersOf(db, ana.id);
    assert.equal(counters?.present, 0);
    assert.equal(counters?.expected, 0);
    const state = await attendanceState(db);
    assert.equal(state.history.filter((row) => row.studentId === ana.id).length, 2);
  });
});
