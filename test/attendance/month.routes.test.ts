import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import type { CohortScene, MarkBody, MarkReply, SessionReply } from './harness.ts';
import {
  Client,
  NOW_ISO,
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

interface Cell {
  sessionId: number;
  studentId: number;
}

interface Grid {
  cohortId: number;
  month: string;
  activities: { id: number; name: string; mode: string }[];
  sessions: SessionReply[];
  students: { studentId: number; fullName: string }[];
  marks: MarkReply[];
  pending: Cell[];
}

interface SavedGrid extends Grid {
  changed: number;
  createdSessions: number;
}

interface PendingList {
  items: {
    sessionId: number;
    activityId: number;
    date: string;
    studentId: number;
    fullName: string;
  }[];
  total: number;
}

interface MonthSession {
  id?: number;
  activityId: number;
  date: string;
  slot?: number;
  extra?: boolean;
  subject?: string;
  marks: MarkBody[];
}

describeEachDatabase("a cohort's month at once", (dialect) => {
  let t: TestApp;
  let db: Db;
  let api: Client;

  before(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    api = new Client(t, await t.tokenFor('secretary'));
  });
  after(() => t.close());

  async function scene() {
    const cohort = await createCohortScene(db);
    const ana = await enrolledStudent(db, cohort.cohortId, { fullName: 'Ana Lima' });
    const bruno = await enrolledStudent(db, cohort.cohortId, { fullName: 'Bruno Reis' });
    return { cohort, ana, bruno };
  }

  function putMonth(cohortId: number, month: string, sessions: MonthSession[], client = api) {
    return client.send('PUT', `/cohorts/${cohortId}/attendance/${month}`, { sessions });
  }

  async function saveMonth(cohortId: number, month: string, sessions: MonthSession[]) {
    const response = await putMonth(cohortId, month, sessions);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<SavedGrid>();
  }

  /** A month of the scene: two lessons, a full moon and a cleaning session. */
  function marchOf(cohort: CohortScene, ana: number, bruno: number): MonthSession[] {
    return [
      {
        activityId: cohort.lessons,
        date: '2026-03-02',
        marks: [
          { studentId: ana, status: 'P' },
          { studentId: bruno, status: 'F', justification: 'viagem' },
        ],
      },
      { activityId: cohort.lessons, date: '2026-03-09', marks: [{ studentId: ana, status: 'P' }] },
      { activityId: cohort.fullMoons, date: '2026-03-03', subject: 'Lua cheia', marks: [] },
      {
        activityId: cohort.cleaning,
        date: '2026-03-14',
        marks: [
          { studentId: ana, status: 'P', summoned: true },
          { studentId: bruno, status: 'V2' },
        ],
      },
    ];
  }

  function cellsOf(grid: Grid): string[] {
    const dates = new Map(grid.sessions.map((s) => [s.id, `${s.activityId}@${s.date}`]));
    return grid.pending.map((cell) => `${dates.get(cell.sessionId) ?? '?'}:${cell.studentId}`);
  }

  it('creates missing sessions and saves marks across them, answering with the grid', async () => {
    const { cohort, ana, bruno } = await scene();
    const grid = await saveMonth(cohort.cohortId, '2026-03', marchOf(cohort, ana.id, bruno.id));
    assert.equal(grid.createdSessions, 4);
    assert.equal(grid.changed, 5);
    assert.equal(grid.cohortId, cohort.cohortId);
    assert.equal(grid.month, '2026-03');
    assert.deepEqual(
      grid.sessions.map((s) => [s.date, s.activityId, s.slot]),
      [
        ['2026-03-02', cohort.lessons, 1],
        ['2026-03-03', cohort.fullMoons, 1],
        ['2026-03-09', cohort.lessons, 1],
        ['2026-03-14', cohort.cleaning, 1],
      ],
    );
    assert.equal(grid.sessions[1]?.subject, 'Lua cheia');
    assert.equal(grid.marks.length, 5);
    assert.deepEqual(
      grid.students.map((s) => s.fullName),
      ['Ana Lima', 'Bruno Reis'],
    );
    assert.deepEqual(
      cellsOf(grid).sort(),
      [
        `${cohort.fullMoons}@2026-03-03:${ana.id}`,
        `${cohort.fullMoons}@2026-03-03:${bruno.id}`,
        `${cohort.lessons}@2026-03-09:${bruno.id}`,
      ].sort(),
    );

    const history = (await attendanceState(db)).history;
    assert.ok(history.every((row) => row.source === 'month' && row.changedAt === NOW_ISO));
    const counters = await countersOf(db, bruno.id);
    assert.deepEqual(
      counters.map((row) => [row.activityId, row.expected, row.absent, row.volunteerSimple]),
      [
        [cohort.lessons, 1, 1, 0],
        [cohort.cleaning, 0, 0, 1],
      ],
    );
    // GET answers the same grid.
    const read = await api.ok<Grid>('GET', `/cohorts/${cohort.cohortId}/attendance/2026-03`);
    const { changed: _changed, createdSessions: _created, ...saved } = grid;
    assert.deepEqual(read, saved);
  });

  it('changes nothing when the same request is sent twice', async () => {
    const { cohort, ana, bruno } = await scene();
    const sessions = marchOf(cohort, ana.id, bruno.id);
    await saveMonth(cohort.cohortId, '2026-03', sessions);
    const before = await attendanceState(db);
    const again = await saveMonth(cohort.cohortId, '2026-03', sessions);
    assert.equal(again.createdSessions, 0);
    assert.equal(again.changed, 0);
    assert.equal(again.sessions.length, 4);
    assert.deepEqual(await attendanceState(db), before);
  });

  it('finds existing sessions by id or by activity, date and slot', async () => {
    const { cohort, ana, bruno } = await scene();
    const first = await api.createSession(cohort.lessons, '2026-03-02');
    const second = await api.createSession(cohort.lessons, '2026-03-02');
    // The session in slot 2 is named by id alone: its slot is not taken for 1.
    const grid = await saveMonth(cohort.cohortId, '2026-03', [
      {
        activityId: cohort.lessons,
        date: '2026-03-02',
        slot: 1,
        marks: [{ studentId: ana.id, status: 'P' }],
      },
      {
        id: second.id,
        activityId: cohort.lessons,
        date: '2026-03-02',
        marks: [{ studentId: bruno.id, status: 'F' }],
      },
      { activityId: cohort.lessons, date: '2026-03-02', slot: 3, marks: [] },
    ]);
    assert.equal(grid.createdSessions, 1);
    assert.deepEqual(
      grid.sessions.map((s) => s.slot),
      [1, 2, 3],
    );
    const byStudent = new Map(grid.marks.map((mark) => [mark.studentId, mark.sessionId]));
    assert.equal(byStudent.get(ana.id), first.id);
    assert.equal(byStudent.get(bruno.id), second.id);

    const wrongDate = await putMonth(cohort.cohortId, '2026-03', [
      { id: first.id, activityId: cohort.lessons, date: '2026-03-03', marks: [] },
    ]);
    assertRefused(wrongDate, 400, 'OMAUM_REQUEST_INVALID');
    const sameTwice = await putMonth(cohort.cohortId, '2026-03', [
      { id: first.id, activityId: cohort.lessons, date: '2026-03-02', marks: [] },
      { activityId: cohort.lessons, date: '2026-03-02', slot: 1, marks: [] },
    ]);
    assertRefused(sameTwice, 400, 'OMAUM_REQUEST_INVALID');
    const wrongActivity = await putMonth(cohort.cohortId, '2026-03', [
      { id: first.id, activityId: cohort.fullMoons, date: '2026-03-02', marks: [] },
    ]);
    assertRefused(wrongActivity, 404, 'OMAUM_SESSION_NOT_FOUND');
  });

  it('rolls back the sessions it created when a mark is refused', async () => {
    const { cohort, ana, bruno } = await scene();
    const existing = await api.createSession(cohort.lessons, '2026-03-02');
    await api.saveMarks(existing.id, [{ studentId: ana.id, status: 'P' }]);
    const fresh = (marks: MarkBody[]): MonthSession[] => [
      {
        activityId: cohort.lessons,
        date: '2026-03-16',
        marks: [{ studentId: bruno.id, status: 'P' }],
      },
      { activityId: cohort.fullMoons, date: '2026-03-03', marks: [] },
      { id: existing.id, activityId: cohort.lessons, date: '2026-03-02', marks },
    ];

    const refused = await assertRefusedWithoutWrites(
      db,
      () => putMonth(cohort.cohortId, '2026-03', fresh([{ studentId: bruno.id, status: 'V1' }])),
      422,
      'OMAUM_MARK_RULE_VIOLATION',
    );
    assert.deepEqual(
      violationsOf(refused).map((v) => [v.studentId, v.sessionId, v.rule]),
      [[bruno.id, existing.id, 'attendance_status_required']],
    );
    await assertRefusedWithoutWrites(
      db,
      () =>
        putMonth(
          cohort.cohortId,
          '2026-03',
          fresh([{ studentId: ana.id, status: 'F', version: 0 }]),
        ),
      409,
      'OMAUM_MARK_VERSION_CONFLICT',
    );
    const stranger = await insertStudent(db);
    await assertRefusedWithoutWrites(
      db,
      () => putMonth(cohort.cohortId, '2026-03', fresh([{ studentId: stranger.id, status: 'P' }])),
      404,
      'OMAUM_MARK_STUDENT_UNKNOWN',
    );
    // A new session whose own mark is refused is not kept either.
    const extraRefused = await assertRefusedWithoutWrites(
      db,
      () =>
        putMonth(cohort.cohortId, '2026-03', [
          {
            activityId: cohort.lessons,
            date: '2026-03-17',
            extra: true,
            marks: [{ studentId: ana.id, status: 'P' }],
          },
        ]),
      422,
      'OMAUM_MARK_RULE_VIOLATION',
    );
    assert.equal(violationsOf(extraRefused)[0]?.rule, 'voluntary_status_required');
  });

  it('refuses sessions dated outside the month with 400', async () => {
    const { cohort, ana } = await scene();
    const body = await assertRefusedWithoutWrites(
      db,
      () =>
        putMonth(cohort.cohortId, '2026-03', [
          { activityId: cohort.lessons, date: '2026-03-31', marks: [] },
          {
            activityId: cohort.lessons,
            date: '2026-04-01',
            marks: [{ studentId: ana.id, status: 'P' }],
          },
          { activityId: cohort.lessons, date: '2026-02-28', marks: [] },
        ]),
      400,
      'OMAUM_REQUEST_INVALID',
    );
    assert.deepEqual(
      (body.details as { field: string }[]).map((problem) => problem.field),
      ['sessions[1].date', 'sessions[2].date'],
    );
    for (const url of ['2026-13', '2026-3', 'march']) {
      const response = await api.send('PUT', `/cohorts/${cohort.cohortId}/attendance/${url}`, {
        sessions: [],
      });
      assertRefused(response, 400, 'OMAUM_REQUEST_INVALID');
    }
  });

  it('refuses a session listed twice or a student listed twice at one session', async () => {
    const { cohort, ana } = await scene();
    await assertRefusedWithoutWrites(
      db,
      () =>
        putMonth(cohort.cohortId, '2026-03', [
          { activityId: cohort.lessons, date: '2026-03-02', marks: [] },
          { activityId: cohort.lessons, date: '2026-03-02', slot: 1, marks: [] },
        ]),
      400,
      'OMAUM_REQUEST_INVALID',
    );
    await assertRefusedWithoutWrites(
      db,
      () =>
        putMonth(cohort.cohortId, '2026-03', [
          {
            activityId: cohort.lessons,
            date: '2026-03-02',
            marks: [
              { studentId: ana.id, status: 'P' },
              { studentId: ana.id, status: 'F' },
            ],
          },
        ]),
      400,
      'OMAUM_REQUEST_INVALID',
    );
  });

  it('refuses to re-flag a session that has marks', async () => {
    const { cohort, ana } = await scene();
    const session = await api.createSession(cohort.lessons, '2026-03-02');
    await api.saveMarks(session.id, [{ studentId: ana.id, status: 'P' }]);
    await assertRefusedWithoutWrites(
      db,
      () =>
        putMonth(cohort.cohortId, '2026-03', [
          {
            id: session.id,
            activityId: cohort.lessons,
            date: '2026-03-02',
            extra: true,
            marks: [],
          },
        ]),
      409,
      'OMAUM_SESSION_HAS_MARKS',
    );
  });

  it('lists pending cells in the grid and, with names, at /pending', async () => {
    const { cohort, ana, bruno } = await scene();
    const late = await enrolledStudent(db, cohort.cohortId, {
      fullName: 'Carla Dias',
      enrolledOn: '2026-03-10',
    });
    await enrolledStudent(db, cohort.cohortId, { enrolledOn: '2026-04-01' });
    const grid = await saveMonth(cohort.cohortId, '2026-03', [
      {
        activityId: cohort.lessons,
        date: '2026-03-02',
        marks: [{ studentId: ana.id, status: 'P' }],
      },
      {
        activityId: cohort.lessons,
        date: '2026-03-16',
        marks: [{ studentId: late.id, status: 'J' }],
      },
      { activityId: cohort.lessons, date: '2026-03-07', extra: true, marks: [] },
      {
        activityId: cohort.cleaning,
        date: '2026-03-14',
        marks: [
          { studentId: bruno.id, summoned: true },
          { studentId: ana.id, status: 'V1' },
        ],
      },
    ]);
    const lesson2 = `${cohort.lessons}@2026-03-02`;
    const lesson16 = `${cohort.lessons}@2026-03-16`;
    assert.deepEqual(
      cellsOf(grid).sort(),
      [
        `${cohort.cleaning}@2026-03-14:${bruno.id}`,
        `${lesson16}:${ana.id}`,
        `${lesson16}:${bruno.id}`,
        `${lesson2}:${bruno.id}`,
      ].sort(),
    );
    assert.equal(grid.students.length, 3, 'the student enrolled in April is not in the March grid');

    const pending = await api.ok<PendingList>(
      'GET',
      `/cohorts/${cohort.cohortId}/pending?month=2026-03`,
    );
    assert.equal(pending.total, 4);
    const brunoCleaning = pending.items.find(
      (item) => item.studentId === bruno.id && item.activityId === cohort.cleaning,
    );
    assert.deepEqual(brunoCleaning && [brunoCleaning.fullName, brunoCleaning.date], [
      'Bruno Reis',
      '2026-03-14',
    ]);
    assert.ok(pending.items.every((item) => item.fullName !== ''));

    // Answering every pending cell, one entry per session, leaves nothing pending.
    await saveMonth(
      cohort.cohortId,
      '2026-03',
      grid.sessions.map((session) => ({
        id: session.id,
        activityId: session.activityId,
        date: session.date,
        marks: grid.pending
          .filter((cell) => cell.sessionId === session.id)
          .map((cell) => ({ studentId: cell.studentId, status: 'P' as const })),
      })),
    );
    const done = await api.ok<PendingList>(
      'GET',
      `/cohorts/${cohort.cohortId}/pending?month=2026-03`,
    );
    assert.equal(done.total, 0);
    const bad = await api.send('GET', `/cohorts/${cohort.cohortId}/pending`);
    assertRefused(bad, 400, 'OMAUM_REQUEST_INVALID');
  });

  it('refuses archived cohorts, viewers, and instructors of other cohorts', async () => {
    const { cohort, ana, bruno } = await scene();
    const viewer = api.as(await t.tokenFor('viewer'));
    await viewer.ok('GET', `/cohorts/${cohort.cohortId}/attendance/2026-03`);
    await assertRefusedWithoutWrites(
      db,
      () => putMonth(cohort.cohortId, '2026-03', marchOf(cohort, ana.id, bruno.id), viewer),
      403,
      'OMAUM_AUTH_FORBIDDEN',
    );

    const teacher = await insertStudent(db);
    await createCohortScene(db, { aideId: teacher.id });
    const instructor = api.as(await t.tokenFor('instructor', { studentId: teacher.id }));
    await assertRefusedWithoutWrites(
      db,
      () => putMonth(cohort.cohortId, '2026-03', marchOf(cohort, ana.id, bruno.id), instructor),
      404,
      'OMAUM_COHORT_NOT_FOUND',
    );
    const read = await instructor.send('GET', `/cohorts/${cohort.cohortId}/attendance/2026-03`);
    assertRefused(read, 404, 'OMAUM_COHORT_NOT_FOUND');

    await db
      .updateTable('cohorts')
      .set({ archivedAt: NOW_ISO })
      .where('id', '=', cohort.cohortId)
      .execute();
    await assertRefusedWithoutWrites(
      db,
      () => putMonth(cohort.cohortId, '2026-03', marchOf(cohort, ana.id, bruno.id)),
      409,
      'OMAUM_COHORT_ARCHIVED',
    );
  });
});
