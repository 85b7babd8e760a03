import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import type { StudentSituation } from '../../src/platform/db/tables.ts';
import type { CohortScene, Status } from './harness.ts';
import {
  Client,
  assertRefused,
  createCohortScene,
  enrolledStudent,
  fixedClock,
} from './harness.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

interface Cell {
  activityId: number;
  expected: number;
  present: number;
  absent: number;
  excused: number;
  volunteerExtra: number;
  volunteerSimple: number;
  pending: number;
  pct: number | null;
  shortfall: boolean;
  missingToMinimum: number;
}

interface Row {
  studentId: number;
  fullName: string;
  situation: string;
  activities: Cell[];
  volunteer: number;
  shortfalls: number;
  cleared: boolean;
}

interface Sheet {
  period: { from: string; to: string; months: string[] };
  activities: { activityId: number; name: string; sessions: number; extraSessions: number }[];
  rows: Row[];
  summary: {
    byShortfalls: Record<string, number>;
    cleared: number;
    notCleared: number;
    active: number;
    onLeave: number;
    disconnected: number;
  };
}

interface NotCleared {
  items: {
    studentId: number;
    fullName: string;
    shortfalls: number;
    activities: {
      activityId: number;
      name: string;
      pct: number | null;
      missingToMinimum: number;
    }[];
  }[];
  total: number;
}

interface Forecast {
  items: {
    studentId: number;
    activities: {
      activityId: number;
      undecided: number;
      presencesNeeded: number;
      affordableAbsences: number;
      canReachMinimum: boolean;
    }[];
  }[];
}

interface Report {
  studentId: number;
  months: { month: string; activities: Cell[] }[];
  total: { activities: Cell[]; volunteer: number; shortfalls: number; cleared: boolean };
}

const COUNTS = [
  'expected',
  'present',
  'absent',
  'excused',
  'volunteerExtra',
  'volunteerSimple',
  'pending',
] as const;

describeEachDatabase('sheets and the reports built on them', (dialect) => {
  let t: TestApp;
  let db: Db;
  let api: Client;

  before(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    api = new Client(t, await t.tokenFor('secretary'));
  });
  after(() => t.close());

  /** Creates the sessions of one activity and marks one student's statuses there, in order. */
  async function attend(
    activityId: number,
    studentId: number,
    plan: readonly [string, Status | null][],
  ): Promise<number[]> {
    const ids: number[] = [];
    for (const [date, status] of plan) {
      const session = await api.createSession(activityId, date);
      ids.push(session.id);
      if (status !== null) await api.saveMarks(session.id, [{ studentId, status }]);
    }
    return ids;
  }

  function sheet(cohortId: number, from: string, to = from) {
    return api.ok<Sheet>('GET', `/cohorts/${cohortId}/sheet?from=${from}&to=${to}`);
  }

  function cellOf(rows: readonly Row[], studentId: number, activityId: number): Cell {
    const cell = rows
      .find((row) => row.studentId === studentId)
      ?.activities.find((c) => c.activityId === activityId);
    assert.ok(cell, `cell of student ${studentId} in activity ${activityId}`);
    return cell;
  }

  /** A cohort where Ana attends well and Bruno misses lessons and full moons. */
  async function twoMonths() {
    const scene = await createCohortScene(db);
    const ana = await enrolledStudent(db, scene.cohortId, { fullName: 'Ana Lima' });
    const bruno = await enrolledStudent(db, scene.cohortId, { fullName: 'Bruno Reis' });
    const lessons = await attend(scene.lessons, ana.id, [
      ['2026-02-02', 'P'],
      ['2026-02-09', 'P'],
      ['2026-03-02', 'P'],
      ['2026-03-09', 'F'],
      ['2026-03-16', 'J'],
    ]);
    const plan: Status[] = ['P', 'F', 'F', 'P', 'F'];
    for (const [index, sessionId] of lessons.entries()) {
      await api.saveMarks(sessionId, [{ studentId: bruno.id, status: plan[index] ?? 'P' }]);
    }
    const fullMoon = await attend(scene.fullMoons, ana.id, [['2026-03-03', 'P']]);
    await api.saveMarks(fullMoon[0] ?? 0, [{ studentId: bruno.id, status: 'F' }]);
    const cleaning = await api.createSession(scene.cleaning, '2026-02-14');
    await api.saveMarks(cleaning.id, [{ studentId: ana.id, status: 'V2' }]);
    return { scene, ana, bruno };
  }

  it('gives an accumulated sheet whose counts are the sums of the monthly sheets', async () => {
    const { scene, ana, bruno } = await twoMonths();
    const february = await sheet(scene.cohortId, '2026-02');
    const march = await sheet(scene.cohortId, '2026-03');
    const total = await sheet(scene.cohortId, '2026-02', '2026-03');
    assert.deepEqual(total.period.months, ['2026-02', '2026-03']);
    assert.deepEqual(
      total.activities.map((a) => [a.name, a.sessions]),
      [
        ['Aulas', 5],
        ['Plenilúnios', 1],
        ['Limpezas', 1],
      ],
    );
    for (const student of [ana, bruno]) {
      for (const activityId of [scene.lessons, scene.fullMoons, scene.cleaning]) {
        const sum = cellOf(total.rows, student.id, activityId);
        for (const name of COUNTS) {
          const monthly =
            cellOf(february.rows, student.id, activityId)[name] +
            cellOf(march.rows, student.id, activityId)[name];
          assert.equal(sum[name], monthly, `${name} of ${student.fullName} in ${activityId}`);
        }
      }
    }
    // Percentages are recomputed from the summed counts, not averaged.
    assert.equal(cellOf(february.rows, ana.id, scene.lessons).pct, 100);
    assert.equal(cellOf(march.rows, ana.id, scene.lessons).pct, 33.33);
    assert.equal(cellOf(total.rows, ana.id, scene.lessons).pct, 60);
    assert.equal(cellOf(total.rows, ana.id, scene.cleaning).volunteerSimple, 1);
    assert.equal(total.rows.find((row) => row.studentId === ana.id)?.volunteer, 1);
  });

  it('lists the students not cleared with what each misses per activity', async () => {
    const { scene, ana, bruno } = await twoMonths();
    const list = await api.ok<NotCleared>(
      'GET',
      `/cohorts/${scene.cohortId}/not-cleared?from=2026-02&to=2026-03`,
    );
    assert.equal(list.total, 1);
    const [item] = list.items;
    assert.equal(item?.studentId, bruno.id);
    assert.equal(item?.shortfalls, 2);
    // Aulas 2 of 5: ⌈3.5⌉ − 2 = 2; Plenilúnios 0 of 1: ⌈0.7⌉ − 0 = 1.
    assert.deepEqual(
      item?.activities.map((a) => [a.name, a.pct, a.missingToMinimum]),
      [
        ['Aulas', 40, 2],
        ['Plenilúnios', 0, 1],
      ],
    );
    const total = await sheet(scene.cohortId, '2026-02', '2026-03');
    assert.equal(total.summary.notCleared, list.total);
    assert.ok(total.rows.find((row) => row.studentId === ana.id)?.cleared);
  });

  it('forecasts one affordable absence fewer after an absence on a pending session', async () => {
    const scene = await createCohortScene(db);
    const ana = await enrolledStudent(db, scene.cohortId);
    const sessions = await attend(scene.lessons, ana.id, [
      ['2026-03-02', 'P'],
      ['2026-03-09', 'P'],
      ['2026-03-16', null],
      ['2026-03-17', null],
    ]);
    const lessonsOf = async () => {
      const forecast = await api.ok<Forecast>(
        'GET',
        `/cohorts/${scene.cohortId}/forecast?from=2026-03`,
      );
      const cell = forecast.items
        .find((item) => item.studentId === ana.id)
        ?.activities.find((a) => a.activityId === scene.lessons);
      assert.ok(cell);
      return cell;
    };
    const before = await lessonsOf();
    // 2 present, 2 pending: 3 of 4 are needed, so 1 absence is affordable.
    assert.deepEqual(
      [before.undecided, before.presencesNeeded, before.affordableAbsences, before.canReachMinimum],
      [2, 1, 1, true],
    );
    await api.saveMarks(sessions[2] ?? 0, [{ studentId: ana.id, status: 'F' }]);
    const after = await lessonsOf();
    assert.equal(after.affordableAbsences, before.affordableAbsences - 1);
    assert.equal(after.undecided, 1);
    await api.saveMarks(sessions[3] ?? 0, [{ studentId: ana.id, status: 'J' }]);
    const last = await lessonsOf();
    assert.deepEqual([last.affordableAbsences, last.canReachMinimum], [0, false]);
  });

  it('gives the student report per month and for the whole period', async () => {
    const { scene, bruno } = await twoMonths();
    const report = await api.ok<Report>(
      'GET',
      `/students/${bruno.id}/report?cohortId=${scene.cohortId}&from=2026-02&to=2026-03`,
    );
    assert.deepEqual(
      report.months.map((m) => m.month),
      ['2026-02', '2026-03'],
    );
    const february = await sheet(scene.cohortId, '2026-02');
    const march = await sheet(scene.cohortId, '2026-03');
    const total = await sheet(scene.cohortId, '2026-02', '2026-03');
    const rowOf = (s: Sheet) => s.rows.find((row) => row.studentId === bruno.id);
    assert.deepEqual(report.months[0]?.activities, rowOf(february)?.activities);
    assert.deepEqual(report.months[1]?.activities, rowOf(march)?.activities);
    const row = rowOf(total);
    assert.deepEqual(report.total, {
      activities: row?.activities,
      volunteer: row?.volunteer,
      shortfalls: row?.shortfalls,
      cleared: row?.cleared,
    });

    const outsider = await enrolledStudent(db, scene.cohortId, { enrolledOn: '2026-04-01' });
    const missing = await api.send(
      'GET',
      `/students/${outsider.id}/report?cohortId=${scene.cohortId}&from=2026-02&to=2026-03`,
    );
    assertRefused(missing, 404, 'OMAUM_STUDENT_NOT_FOUND');
  });

  it('shows disconnected students on the sheet but leaves them out of the summary', async () => {
    const scene = await createCohortScene(db);
    const situations: StudentSituation[] = [
      'active',
      'active',
      'on_leave',
      'disconnected',
      'deceased',
      'excluded',
    ];
    const students = [];
    for (const situation of situations) {
      students.push(await enrolledStudent(db, scene.cohortId, { situation }));
    }
    // Everybody misses both activities: 2 shortfalls each, nobody is cleared.
    await absentEverywhere(
      scene,
      students.map((s) => s.id),
    );

    const march = await sheet(scene.cohortId, '2026-03');
    assert.equal(march.rows.length, situations.length);
    const disconnected = march.rows.find((row) => row.situation === 'disconnected');
    assert.equal(disconnected?.shortfalls, 2);
    assert.deepEqual(march.summary, {
      byShortfalls: { '0': 0, '1': 0, '2': 3, '3': 0, '4': 0, '5+': 0 },
      cleared: 0,
      notCleared: 3,
      active: 2,
      onLeave: 1,
      disconnected: 1,
    });
    // The follow-up lists leave out whoever the summary leaves out.
    const followed = march.rows
      .filter((row) => row.situation === 'active' || row.situation === 'on_leave')
      .map((row) => row.studentId)
      .sort();
    const list = await api.ok<NotCleared>(
      'GET',
      `/cohorts/${scene.cohortId}/not-cleared?from=2026-03`,
    );
    assert.equal(list.total, march.summary.notCleared);
    assert.deepEqual(list.items.map((item) => item.studentId).sort(), followed);
    const forecast = await api.ok<Forecast>(
      'GET',
      `/cohorts/${scene.cohortId}/forecast?from=2026-03`,
    );
    assert.deepEqual(forecast.items.map((item) => item.studentId).sort(), followed);
  });

  async function absentEverywhere(scene: CohortScene, studentIds: readonly number[]) {
    for (const activityId of [scene.lessons, scene.fullMoons]) {
      const session = await api.createSession(activityId, '2026-03-02');
      await api.saveMarks(
        session.id,
        studentIds.map((studentId) => ({ studentId, status: 'F' as const })),
      );
    }
  }

  it('refuses a period that ends before it starts, or one too long, with 400', async () => {
    const scene = await createCohortScene(db);
    const student = await enrolledStudent(db, scene.cohortId);
    const urls = [
      `/cohorts/${scene.cohortId}/sheet?from=2026-03&to=2026-02`,
      `/cohorts/${scene.cohortId}/not-cleared?from=2026-03&to=2026-02`,
      `/cohorts/${scene.cohortId}/forecast?from=2026-03&to=2026-02`,
      `/students/${student.id}/report?cohortId=${scene.cohortId}&from=2026-03&to=2026-02`,
      `/cohorts/${scene.cohortId}/sheet?from=2020-01&to=2026-02`,
      `/cohorts/${scene.cohortId}/sheet?from=2026-13`,
      `/cohorts/${scene.cohortId}/sheet`,
    ];
    for (const url of urls) {
      assertRefused(await api.send('GET', url), 400, 'OMAUM_REQUEST_INVALID');
    }
    const unknown = await api.send('GET', '/cohorts/999999/sheet?from=2026-03');
    assertRefused(unknown, 404, 'OMAUM_COHORT_NOT_FOUND');
  });
});
