import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { validCpf } from '../support/fixtures.ts';

/**
 * The worked example of product.md, built through the HTTP API only: a
 * cohort with a 70 % minimum and at most 1 shortfall to be cleared; 10 lesson
 * sessions, 4 full-moon sessions and 6 cleaning sessions (convocation).
 */
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
  situation: string;
  activities: Cell[];
  volunteer: number;
  shortfalls: number;
  cleared: boolean;
}
interface Sheet {
  cohort: { minAttendancePct: number; courseName: string };
  activities: { activityId: number; name: string; sessions: number }[];
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

type Status = 'P' | 'F' | 'J' | 'V1' | 'V2' | null;

// Per student: the status at each session, in order; `summoned` for cleaning.
const PLAN: Record<
  string,
  { lessons: Status[]; fullMoons: Status[]; cleaning: [boolean, Status][] }
> = {
  A: {
    lessons: ['P', 'P', 'P', 'P', 'P', 'P', 'P', 'F', 'F', 'J'],
    fullMoons: ['P', 'P', 'P', 'P'],
    cleaning: [
      [true, 'P'],
      [true, 'P'],
      [true, 'P'],
      [false, 'V2'],
      [false, null],
      [false, null],
    ],
  },
  B: {
    lessons: ['P', 'P', 'P', 'P', 'P', 'P', 'F', 'F', 'F', 'F'],
    fullMoons: ['P', 'P', 'F', 'F'],
    cleaning: [
      [true, 'P'],
      [true, 'P'],
      [true, 'F'],
      [true, 'F'],
      [false, null],
      [false, null],
    ],
  },
  C: {
    lessons: ['P', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'P', 'F'],
    fullMoons: ['P', 'P', 'F', 'F'],
    cleaning: [
      [true, 'P'],
      [true, 'P'],
      [false, 'V1'],
      [false, 'V1'],
      [false, null],
      [false, null],
    ],
  },
};

describeEachDatabase('the worked example of product.md through the API', (dialect) => {
  let t: TestApp;
  let token: string;
  let sheet: Sheet;
  const ids: Record<string, number> = {};
  const activityIds: Record<string, number> = {};

  async function call<T>(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
    const response = await t.app.inject({
      method,
      url,
      headers: t.auth(token),
      payload: payload as object,
    });
    assert.ok(
      response.statusCode < 300,
      `${method} ${url}: ${response.statusCode} ${response.body}`,
    );
    return response.json<T>();
  }

  async function sessions(activity: string, days: number[]): Promise<number[]> {
    const result: number[] = [];
    for (const day of days) {
      const date = `2026-03-${String(day).padStart(2, '0')}`;
      const session = await call<{ id: number }>(
        'POST',
        `/api/v1/activities/${activityIds[activity]}/sessions`,
        { date },
      );
      result.push(session.id);
    }
    return result;
  }

  async function mark(
    sessionIds: number[],
    student: string,
    statuses: Status[],
    summoned?: boolean[],
  ) {
    for (const [index, sessionId] of sessionIds.entries()) {
      const status = statuses[index] ?? null;
      const isSummoned = summoned?.[index] ?? false;
      if (status === null && !isSummoned) continue;
      await call('PUT', `/api/v1/sessions/${sessionId}/marks`, {
        marks: [{ studentId: ids[student], status, summoned: isSummoned }],
      });
    }
  }

  before(async () => {
    t = await createTestApp(dialect);
    token = await t.tokenFor('secretary');
    const course = await call<{ id: number }>('POST', '/api/v1/courses', {
      name: '1º Grau – Aprendizes',
    });
    const cohort = await call<{ id: number }>('POST', '/api/v1/cohorts', {
      courseId: course.id,
      name: 'Turma Exemplo',
      capacity: 10,
      weekday: 'mon',
      minAttendancePct: 70,
      maxShortfallsToClear: 1,
    });
    const activities = await call<{ items: { id: number; name: string }[] }>(
      'GET',
      `/api/v1/cohorts/${cohort.id}/activities`,
    );
    for (const activity of activities.items) activityIds[activity.name] = activity.id;
    const cleaning = await call<{ id: number }>('POST', `/api/v1/cohorts/${cohort.id}/activities`, {
      name: 'Limpezas',
      kind: 'cleaning',
      mode: 'convocation',
    });
    activityIds.Limpezas = cleaning.id;

    for (const [index, name] of ['A', 'B', 'C'].entries()) {
      const student = await call<{ id: number }>('POST', '/api/v1/students', {
        fullName: `Aluno ${name}`,
        cpf: validCpf(4242 + index),
        initiaticNumber: `EX-${name}`,
        situation: 'active',
      });
      ids[name] = student.id;
      await call('POST', `/api/v1/cohorts/${cohort.id}/enrollments`, {
        studentId: student.id,
        enrolledOn: '2026-02-01',
      });
    }

    const lessonIds = await sessions('Aulas', [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const fullMoonIds = await sessions('Plenilúnios', [3, 12, 20, 28]);
    const cleaningIds = await sessions('Limpezas', [14, 15, 21, 22, 28, 29]);
    for (const [name, plan] of Object.entries(PLAN)) {
      await mark(lessonIds, name, plan.lessons);
      await mark(fullMoonIds, name, plan.fullMoons);
      await mark(
        cleaningIds,
        name,
        plan.cleaning.map(([, status]) => status),
        plan.cleaning.map(([summoned]) => summoned),
      );
    }
    sheet = await call<Sheet>('GET', `/api/v1/cohorts/${cohort.id}/sheet?from=2026-03&to=2026-03`);
  });
  after(() => t.close());

  function row(name: string): Row {
    const found = sheet.rows.find((r) => r.studentId === ids[name]);
    assert.ok(found, `row of ${name}`);
    return found;
  }

  function cell(name: string, activity: string): Cell {
    const found = row(name).activities.find((c) => c.activityId === activityIds[activity]);
    assert.ok(found, `${activity} of ${name}`);
    return found;
  }

  it('counts 10 lessons, 4 full moons and 6 cleaning sessions in the header', () => {
    const counts = Object.fromEntries(sheet.activities.map((a) => [a.name, a.sessions]));
    assert.deepEqual(counts, { Aulas: 10, Plenilúnios: 4, Limpezas: 6 });
    assert.equal(sheet.cohort.minAttendancePct, 70);
    assert.equal(sheet.cohort.courseName, '1º Grau – Aprendizes');
  });

  it('gives the percentages of the example', () => {
    const pcts = (name: string) =>
      ['Aulas', 'Plenilúnios', 'Limpezas'].map((activity) => cell(name, activity).pct);
    assert.deepEqual(pcts('A'), [70, 100, 100]);
    assert.deepEqual(pcts('B'), [60, 50, 50]);
    assert.deepEqual(pcts('C'), [90, 50, 100]);
  });

  it('counts excused absences as absences and only summoned cleaning sessions', () => {
    assert.deepEqual(
      [
        cell('A', 'Aulas').present,
        cell('A', 'Aulas').absent,
        cell('A', 'Aulas').excused,
        cell('A', 'Aulas').expected,
      ],
      [7, 2, 1, 10],
    );
    assert.equal(cell('A', 'Limpezas').expected, 3);
    assert.equal(cell('B', 'Limpezas').expected, 4);
    assert.equal(cell('C', 'Limpezas').expected, 2);
    assert.equal(cell('A', 'Limpezas').pending, 0);
  });

  it('gives shortfalls, clearance and volunteer totals', () => {
    assert.deepEqual(
      ['A', 'B', 'C'].map((name) => [row(name).shortfalls, row(name).cleared, row(name).volunteer]),
      [
        [0, true, 1],
        [3, false, 0],
        [1, true, 2],
      ],
    );
  });

  it('gives missingToMinimum as the example computes it', () => {
    assert.equal(cell('A', 'Aulas').missingToMinimum, 0);
    assert.deepEqual(
      ['Aulas', 'Plenilúnios', 'Limpezas'].map((activity) => cell('B', activity).missingToMinimum),
      [1, 1, 1],
    );
  });

  it('summarises the sheet as the example does', () => {
    assert.deepEqual(sheet.summary.byShortfalls, {
      '0': 1,
      '1': 1,
      '2': 0,
      '3': 1,
      '4': 0,
      '5+': 0,
    });
    assert.equal(sheet.summary.cleared, 2);
    assert.equal(sheet.summary.notCleared, 1);
    assert.equal(sheet.summary.active, 3);
  });
});
