import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { rebuildCounters } from '../../src/attendance/counters.ts';
import type { ActivityCounters, SessionFact } from '../../src/attendance/statistics.ts';
import {
  activityResult,
  countFacts,
  enrollmentCovers,
  sheetSummary,
  studentResult,
} from '../../src/attendance/statistics.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/database.ts';
import type { ActivityMode } from '../../src/platform/db/tables.ts';
import type { MarkBody, SessionReply, Status } from './harness.ts';
import { Client, createCohortScene, enrolledStudent } from './harness.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

/**
 * Random attendance, valid under the rules, saved through the API in several
 * requests (month at once, then session by session, then month again, with
 * overwrites and clearings), checked against a model the test keeps of what
 * it sent. The counters kept incrementally must equal the counters rebuilt
 * from the marks and the counters of the raw marks; the sheets must equal
 * the rules applied to every (session, student) cell.
 */

const SEED = 20260415;
const MONTHS = ['2026-01', '2026-02', '2026-03'] as const;
// Mid-April: every session of the period is in the past.
const clock: Clock = { now: () => new Date('2026-04-15T15:00:00.000Z') };
const PERIODS: readonly (readonly [string, string])[] = [
  ...MONTHS.map((month) => [month, month] as const),
  ['2026-01', '2026-03'],
];
const POLICY = { minAttendancePct: 70, maxShortfallsToClear: 1 };

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface StudentModel {
  readonly id: number;
  readonly enrolledOn: string;
  readonly endedOn: string | null;
}

interface ActivityModel {
  readonly id: number;
  readonly mode: ActivityMode;
}

interface CohortModel {
  readonly id: number;
  readonly activities: ActivityModel[];
  readonly students: StudentModel[];
}

interface SessionModel {
  readonly cohort: CohortModel;
  readonly activity: ActivityModel;
  readonly date: string;
  readonly slot: number;
  readonly extra: boolean;
  id: number;
}

interface MarkModel {
  readonly status: Status | null;
  readonly summoned: boolean;
}

/** Picks one of the options with probability proportional to its weight. */
type Chooser = <T>(options: readonly (readonly [T, number])[]) => T;

function chooser(random: () => number): Chooser {
  return <T>(options: readonly (readonly [T, number])[]): T => {
    const total = options.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = random() * total;
    for (const [value, weight] of options) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = options[options.length - 1];
    assert.ok(last, 'no options to choose from');
    return last[0];
  };
}

/**
 * A random mark the rules accept for the student at the session, or null for
 * "no mark": P/F/J where the session is expected, V1/V2 elsewhere, a summons
 * with or without a status at convocation sessions.
 */
function randomMark(pick: Chooser, session: SessionModel, student: StudentModel): MarkModel | null {
  if (!enrollmentCovers(student, session.date)) return null;
  const voluntary = (none: number) =>
    pick<MarkModel | null>([
      [null, none],
      [{ status: 'V1', summoned: false }, 1],
      [{ status: 'V2', summoned: false }, 1],
    ]);
  const attendance = (summoned: boolean, none: number) =>
    pick<MarkModel | null>([
      [null, none],
      [{ status: 'P', summoned }, 6],
      [{ status: 'F', summoned }, 2],
      [{ status: 'J', summoned }, 1],
    ]);
  if (session.extra) return voluntary(2);
  if (session.activity.mode === 'mandatory') return attendance(false, 2);
  const isSummoned = pick([
    [true, 1],
    [false, 1],
  ]);
  // Summoned and not marked yet: pending.
  if (isSummoned) return attendance(true, 1) ?? { status: null, summoned: true };
  return voluntary(3);
}

function sessionKey(session: { activityId: number; date: string; slot: number }): string {
  return `${session.activityId}:${session.date}:${session.slot}`;
}

/** A cell of the model, by session (known before the API gives it an id) and student. */
function cellKey(session: SessionModel, studentId: number): string {
  return `${sessionKey({ activityId: session.activity.id, ...session })}:${studentId}`;
}

function counterKey(cohortId: number, month: string, activityId: number, studentId: number) {
  return `${cohortId}|${month}|${activityId}|${studentId}`;
}

type CounterColumns = Omit<ActivityCounters, 'pending'> & { summonedUnmarked: number };

function counterColumns(counters: ActivityCounters): CounterColumns {
  const { pending, ...rest } = counters;
  return { ...rest, summonedUnmarked: pending };
}

describeEachDatabase('monthly counters on random attendance', (dialect) => {
  let t: TestApp;
  let db: Db;
  let api: Client;
  const random = seededRandom(SEED);
  const pick = chooser(random);
  const cohorts: CohortModel[] = [];
  const sessions: SessionModel[] = [];
  /** What the test sent and the API accepted: one entry per stored mark row. */
  const marks = new Map<string, MarkModel>();
  let requests = 0;

  /** The mark to send to turn the model's cell into `next`, or null when nothing changes. */
  function markChange(session: SessionModel, student: StudentModel): MarkBody | null {
    const next = randomMark(pick, session, student);
    const current = marks.get(cellKey(session, student.id));
    if (next === null) {
      if (!current) return null;
      marks.set(cellKey(session, student.id), { status: null, summoned: false });
      return { studentId: student.id, status: null, summoned: false };
    }
    marks.set(cellKey(session, student.id), next);
    return { studentId: student.id, status: next.status, summoned: next.summoned };
  }

  async function saveMonth(cohort: CohortModel, month: string, share: number) {
    const own = sessions.filter((s) => s.cohort === cohort && s.date.startsWith(month));
    const body = own.map((session) => ({
      ...(session.id > 0 ? { id: session.id } : {}),
      activityId: session.activity.id,
      date: session.date,
      slot: session.slot,
      extra: session.extra,
      marks: cohort.students
        .filter(() => random() < share)
        .map((student) => markChange(session, student))
        .filter((mark) => mark !== null),
    }));
    const grid = await api.ok<{ sessions: SessionReply[] }>(
      'PUT',
      `/cohorts/${cohort.id}/attendance/${month}`,
      { sessions: body },
    );
    requests += 1;
    const ids = new Map(grid.sessions.map((s) => [sessionKey(s), s.id]));
    for (const session of own) {
      session.id = ids.get(sessionKey({ activityId: session.activity.id, ...session })) ?? 0;
      assert.ok(session.id > 0, `session ${session.date} was saved`);
    }
  }

  async function saveSessionBySession(share: number) {
    for (const session of sessions) {
      if (random() >= share) continue;
      const changes = session.cohort.students
        .map((student) => markChange(session, student))
        .filter((mark) => mark !== null);
      if (changes.length === 0) continue;
      await api.saveMarks(session.id, changes);
      requests += 1;
    }
  }

  function planSessions(cohort: CohortModel) {
    for (const month of MONTHS) {
      for (const activity of cohort.activities) {
        const count = 3 + Math.floor(random() * 3);
        const taken = new Map<string, number>();
        for (let n = 0; n < count; n += 1) {
          const day = 1 + Math.floor(random() * 28);
          const date = `${month}-${String(day).padStart(2, '0')}`;
          const slot = (taken.get(date) ?? 0) + 1;
          taken.set(date, slot);
          sessions.push({ cohort, activity, date, slot, extra: random() < 0.2, id: 0 });
        }
      }
    }
  }

  async function createCohort(studentCount: number): Promise<CohortModel> {
    const scene = await createCohortScene(db, { minAttendancePct: POLICY.minAttendancePct });
    const students: StudentModel[] = [];
    for (let n = 0; n < studentCount; n += 1) {
      // Some students join in the middle of the period.
      const enrolledOn = pick([
        ['2025-12-01', 6],
        ['2026-02-11', 2],
        ['2026-03-16', 1],
      ]);
      const endedOn = n === 0 ? '2026-03-10' : null;
      const student = await enrolledStudent(db, scene.cohortId, {
        enrolledOn,
        ...(endedOn ? { endedOn } : {}),
      });
      students.push({ id: student.id, enrolledOn, endedOn });
    }
    return {
      id: scene.cohortId,
      activities: [
        { id: scene.lessons, mode: 'mandatory' },
        { id: scene.fullMoons, mode: 'mandatory' },
        { id: scene.cleaning, mode: 'convocation' },
      ],
      students,
    };
  }

  before(async () => {
    t = await createTestApp(dialect, { clock });
    db = t.testDb.database.db;
    api = new Client(t, await t.tokenFor('secretary'));
    cohorts.push(await createCohort(8), await createCohort(7));
    for (const cohort of cohorts) planSessions(cohort);

    for (const cohort of cohorts) for (const month of MONTHS) await saveMonth(cohort, month, 0.8);
    await saveSessionBySession(0.5);
    for (const cohort of cohorts) for (const month of MONTHS) await saveMonth(cohort, month, 0.4);
    await saveSessionBySession(0.3);
  });
  after(() => t.close());

  /** The counter rows as stored, keyed by cohort, month, activity and student. */
  async function storedCounters(): Promise<Map<string, CounterColumns>> {
    const rows = await db.selectFrom('attendanceCounters').selectAll().execute();
    return new Map(
      rows.map(({ cohortId, month, activityId, studentId, updatedAt: _at, ...counters }) => [
        counterKey(cohortId, month, activityId, studentId),
        counters,
      ]),
    );
  }

  function fact(session: SessionModel, student: StudentModel, mark: MarkModel | undefined) {
    const result: SessionFact = {
      date: session.date,
      status: mark?.status ?? null,
      isSummoned: mark?.summoned ?? false,
      isExtra: session.extra,
      mode: session.activity.mode,
      isEnrolledOnDate: enrollmentCovers(student, session.date),
    };
    return result;
  }

  /** countFacts over the stored marks only, grouped as the counters table is. */
  function countersOfRawMarks(): Map<string, CounterColumns> {
    const groups = new Map<string, SessionFact[]>();
    for (const session of sessions) {
      for (const student of session.cohort.students) {
        const mark = marks.get(cellKey(session, student.id));
        if (!mark) continue;
        const key = counterKey(
          session.cohort.id,
          session.date.slice(0, 7),
          session.activity.id,
          student.id,
        );
        groups.set(key, [...(groups.get(key) ?? []), fact(session, student, mark)]);
      }
    }
    return new Map([...groups].map(([key, facts]) => [key, counterColumns(countFacts(facts))]));
  }

  it('saved a realistic amount of data in many requests', () => {
    assert.ok(requests >= 20, `${requests} requests`);
    assert.ok(sessions.length >= 50, `${sessions.length} sessions`);
    assert.ok(marks.size >= 200, `${marks.size} marks`);
    const statuses = new Set([...marks.values()].map((mark) => mark.status));
    assert.deepEqual([...statuses].sort(), ['F', 'J', 'P', 'V1', 'V2', null].sort());
  });

  it('stored exactly the marks the test sent', async () => {
    const rows = await db.selectFrom('marks').selectAll().execute();
    const byId = new Map(sessions.map((session) => [session.id, session]));
    assert.equal(rows.length, marks.size);
    for (const row of rows) {
      const session = byId.get(row.sessionId);
      assert.ok(session, `session ${row.sessionId}`);
      assert.deepEqual(
        { status: row.status, summoned: row.isSummoned },
        marks.get(cellKey(session, row.studentId)),
      );
    }
  });

  it('keeps counters equal to counting the raw marks with the rules', async () => {
    assert.deepEqual(await storedCounters(), countersOfRawMarks());
  });

  it('keeps counters equal to the counters rebuilt from the marks', async () => {
    const kept = await storedCounters();
    await db.deleteFrom('attendanceCounters').execute();
    assert.equal((await storedCounters()).size, 0);
    const months = await rebuildCounters(db, {}, '2026-04-15T16:00:00.000Z');
    assert.equal(months, cohorts.length * MONTHS.length);
    assert.deepEqual(await storedCounters(), kept);
  });

  /** The sheet of a cohort as the rules compute it from every (session, student) cell. */
  function expectedSheet(cohort: CohortModel, from: string, to: string) {
    const inPeriod = sessions.filter((s) => {
      const month = s.date.slice(0, 7);
      return s.cohort === cohort && month >= from && month <= to;
    });
    const firstDay = `${from}-01`;
    const lastDay = `${to}-31`;
    const roster = cohort.students.filter(
      (s) => s.enrolledOn <= lastDay && (s.endedOn === null || s.endedOn >= firstDay),
    );
    const rows = roster.map((student) => {
      const activities = cohort.activities.map((activity) => {
        const facts = inPeriod
          .filter((s) => s.activity === activity)
          .map((s) => fact(s, student, marks.get(cellKey(s, student.id))));
        return { activityId: activity.id, ...activityResult(countFacts(facts), POLICY) };
      });
      return { studentId: student.id, activities, ...studentResult(activities, POLICY) };
    });
    const summary = sheetSummary(
      rows.map((row) => ({
        situation: 'active',
        shortfalls: row.shortfalls,
        cleared: row.cleared,
      })),
    );
    return { rows: rows.sort((a, b) => a.studentId - b.studentId), summary };
  }

  interface SheetReply {
    rows: {
      studentId: number;
      activities: ({ activityId: number } & ActivityCounters)[];
      volunteer: number;
      shortfalls: number;
      cleared: boolean;
    }[];
    summary: unknown;
  }

  async function sheetOf(cohort: CohortModel, from: string, to: string) {
    const sheet = await api.ok<SheetReply>(
      'GET',
      `/cohorts/${cohort.id}/sheet?from=${from}&to=${to}`,
    );
    const rows = sheet.rows
      .map(({ studentId, activities, volunteer, shortfalls, cleared }) => ({
        studentId,
        activities,
        volunteer,
        shortfalls,
        cleared,
      }))
      .sort((a, b) => a.studentId - b.studentId);
    return { rows, summary: sheet.summary };
  }

  it('gives monthly and accumulated sheets equal to the rules applied to raw marks', async () => {
    for (const cohort of cohorts) {
      for (const [from, to] of PERIODS) {
        assert.deepEqual(
          await sheetOf(cohort, from, to),
          expectedSheet(cohort, from, to),
          `cohort ${cohort.id}, ${from}..${to}`,
        );
      }
    }
  });

  it('gives accumulated counts equal to the sum of the monthly ones', async () => {
    const names = [
      'expected',
      'present',
      'absent',
      'excused',
      'volunteerExtra',
      'volunteerSimple',
      'pending',
    ] as const;
    for (const cohort of cohorts) {
      const total = await sheetOf(cohort, MONTHS[0], MONTHS[2]);
      const monthly = await Promise.all(MONTHS.map((m) => sheetOf(cohort, m, m)));
      for (const row of total.rows) {
        for (const cell of row.activities) {
          const cells = monthly.flatMap((sheet) =>
            sheet.rows
              .filter((r) => r.studentId === row.studentId)
              .flatMap((r) => r.activities.filter((c) => c.activityId === cell.activityId)),
          );
          for (const name of names) {
            const sum = cells.reduce((total, c) => total + c[name], 0);
            assert.equal(cell[name], sum, `${name} of ${row.studentId} in ${cell.activityId}`);
          }
        }
      }
    }
  });
});
