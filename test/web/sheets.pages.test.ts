import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Db } from '../../src/platform/db/database.ts';
import type { Sheet } from '../../src/sheets/sheets.schemas.ts';
import { createCohortScene, enrolledStudent } from '../attendance/harness.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import type { PageClient } from './attendance.helpers.ts';
import {
  cspProblems,
  expectedSheetCells,
  marchScene,
  sheetRowsOf,
  signInPage,
  textOf,
} from './attendance.helpers.ts';

type Status = 'P' | 'F' | 'J' | 'V1' | 'V2' | null;

/** The worked example of product.md: statuses per session; cleaning as [summoned, status]. */
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

const LESSON_DAYS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const FULL_MOON_DAYS = [3, 12, 20, 28];
const CLEANING_DAYS = [14, 15, 21, 22, 28, 29];

function day(number: number): string {
  return `2026-03-${String(number).padStart(2, '0')}`;
}

describeEachDatabase('the sheet page', (dialect) => {
  let t: TestApp;
  let db: Db;
  let secretary: PageClient;
  let cohortId: number;
  const ids: Record<string, number> = {};

  async function markPlan(
    activityId: number,
    days: number[],
    pick: (name: string) => [boolean, Status][],
  ) {
    const sessions = days.map((number, index) => ({
      activityId,
      date: day(number),
      marks: Object.entries(ids).flatMap(([name, studentId]) => {
        const [summoned, status] = pick(name)[index] ?? [false, null];
        return status === null && !summoned ? [] : [{ studentId, status, summoned }];
      }),
    }));
    await t.app.services.monthAttendance.save(SYSTEM_ACTOR, cohortId, '2026-03', { sessions });
  }

  before(async () => {
    t = await createTestApp(dialect);
    db = t.testDb.database.db;
    secretary = await signInPage(t, 'viewer');
    const scene = await createCohortScene(db, { minAttendancePct: 70, maxShortfallsToClear: 1 });
    cohortId = scene.cohortId;
    for (const name of ['A', 'B', 'C']) {
      ids[name] = (await enrolledStudent(db, cohortId, { fullName: `Aluno ${name}` })).id;
    }
    const asPairs = (statuses: Status[]) => statuses.map((s): [boolean, Status] => [false, s]);
    const plan = (name: string) => PLAN[name] ?? { lessons: [], fullMoons: [], cleaning: [] };
    await markPlan(scene.lessons, LESSON_DAYS, (name) => asPairs(plan(name).lessons));
    await markPlan(scene.fullMoons, FULL_MOON_DAYS, (name) => asPairs(plan(name).fullMoons));
    await markPlan(scene.cleaning, CLEANING_DAYS, (name) => plan(name).cleaning);
  });
  after(() => t.close());

  async function apiSheet(from: string, to: string): Promise<Sheet> {
    const response = await secretary.api('GET', `/cohorts/${cohortId}/sheet?from=${from}&to=${to}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json<Sheet>();
  }

  it('prints every row with the same numbers as the sheet API (the worked example)', async () => {
    const sheet = await apiSheet('2026-03', '2026-03');
    const page = await secretary.get(`/turmas/${cohortId}/relatorio?de=2026-03&ate=2026-03`);
    assert.equal(page.statusCode, 200, page.body);
    const rows = sheetRowsOf(page.body);
    assert.equal(rows.size, sheet.rows.length);
    sheet.rows.forEach((row, index) => {
      assert.deepEqual(
        rows.get(row.studentId),
        expectedSheetCells(sheet, row, index),
        row.fullName,
      );
    });
    // The product.md figures themselves: A 70 100 100, B 60 50 50, C 90 50 100.
    assert.deepEqual(rows.get(ids.A ?? 0), [
      '1',
      '7',
      '3',
      '70%',
      '4',
      '0',
      '100%',
      '3',
      '3',
      '0',
      '1',
      '100%',
      '1',
      '0',
    ]);
    assert.deepEqual(rows.get(ids.B ?? 0), [
      '2',
      '6',
      '4',
      '60%',
      '2',
      '2',
      '50%',
      '4',
      '2',
      '2',
      '0',
      '50%',
      '0',
      '3',
    ]);
    assert.deepEqual(rows.get(ids.C ?? 0), [
      '3',
      '9',
      '1',
      '90%',
      '2',
      '2',
      '50%',
      '2',
      '2',
      '0',
      '2',
      '100%',
      '2',
      '1',
    ]);
  });

  it('highlights shortfall percentages and students not cleared', async () => {
    const page = await secretary.get(`/turmas/${cohortId}/relatorio?de=2026-03&ate=2026-03`);
    const rowB =
      /<tr data-student="\d+"[^>]*>(?:(?!<\/tr>)[\s\S])*Aluno B[\s\S]*?<\/tr>/.exec(
        page.body,
      )?.[0] ?? '';
    const shortfalls = [...rowB.matchAll(/<td class="([^"]*)">([^<]*)<\/td>/g)]
      .filter((cell) => (cell[1] ?? '').includes('shortfall'))
      .map((cell) => cell[2]);
    assert.deepEqual(shortfalls, ['60%', '50%', '50%']);
    assert.match(rowB, /<td class="num not-cleared">3<\/td>/);
    const rowA =
      /<tr data-student="\d+"[^>]*>(?:(?!<\/tr>)[\s\S])*Aluno A[\s\S]*?<\/tr>/.exec(
        page.body,
      )?.[0] ?? '';
    assert.doesNotMatch(rowA, /shortfall|not-cleared/);
  });

  it('lays out the header and the summary block like the workbook', async () => {
    const sheet = await apiSheet('2026-03', '2026-03');
    const page = await secretary.get(`/turmas/${cohortId}/relatorio?de=2026-03&ate=2026-03`);
    const text = textOf(page.body);
    assert.match(text, /Relatório Mensal de Atividades/);
    assert.match(text, /março de 2026 \(01\/03\/2026 a 31\/03\/2026\)/);
    assert.match(text, new RegExp(`Curso ${sheet.cohort.courseName} Turma ${sheet.cohort.name}`));
    assert.match(text, /Dias no período Aulas: 10 · Plenilúnios: 4 · Limpezas: 6/);
    assert.match(text, /mínimo de 70% de presença; liberado com até 1 carência/);
    assert.match(text, /Aulas Plenilúnios Limpezas Vol Car p f % p f % c p f v %/);
    const summary = /<tr data-summary>([\s\S]*?)<\/tr>/.exec(page.body)?.[1] ?? '';
    const numbers = [...summary.matchAll(/<td[^>]*>(\d+)<\/td>/g)].map((cell) => Number(cell[1]));
    const s = sheet.summary;
    assert.deepEqual(numbers, [
      s.byShortfalls['0'],
      s.byShortfalls['1'],
      s.byShortfalls['2'],
      s.byShortfalls['3'],
      s.byShortfalls['4'],
      s.byShortfalls['5+'],
      s.cleared,
      s.notCleared,
      s.active,
      s.onLeave,
      s.disconnected,
    ]);
    assert.deepEqual(numbers, [1, 1, 0, 1, 0, 0, 2, 1, 3, 0, 0]);
    assert.deepEqual(cspProblems(page.body), []);
  });

  it('shows the accumulated sheet over a range of months', async () => {
    const sheet = await apiSheet('2026-02', '2026-04');
    const page = await secretary.get(`/turmas/${cohortId}/relatorio?de=2026-02&ate=2026-04`);
    assert.equal(page.statusCode, 200);
    assert.match(textOf(page.body), /Relatório Acumulado fevereiro de 2026 a abril de 2026/);
    const rows = sheetRowsOf(page.body);
    sheet.rows.forEach((row, index) => {
      assert.deepEqual(rows.get(row.studentId), expectedSheetCells(sheet, row, index));
    });
  });

  it('opens on the current month without a period in the address', async () => {
    const page = await secretary.get(`/turmas/${cohortId}/relatorio`);
    assert.equal(page.statusCode, 200);
    assert.match(textOf(page.body), /Relatório Mensal de Atividades/);
  });

  it('refuses a range that ends before it starts, in Portuguese', async () => {
    const page = await secretary.get(`/turmas/${cohortId}/relatorio?de=2026-04&ate=2026-03`);
    assert.equal(page.statusCode, 400);
    assert.match(textOf(page.body), /O mês final não pode ser anterior ao inicial\./);
    const bad = await secretary.get(`/turmas/${cohortId}/relatorio?de=marco`);
    assert.equal(bad.statusCode, 400);
  });
});

describeEachDatabase('the sheet page with students who left', (dialect) => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp(dialect);
  });
  after(() => t.close());

  it('marks disconnected students and leaves them out of the summary counts', async () => {
    const scene = await marchScene(t);
    const client = await signInPage(t, 'secretary');
    const page = await client.get(
      `/turmas/${scene.cohort.cohortId}/relatorio?de=${scene.month}&ate=${scene.month}`,
    );
    assert.equal(page.statusCode, 200);
    const [, , carla] = scene.studentIds;
    const row = new RegExp(
      `<tr data-student="${carla ?? 0}" class="disconnected">([\\s\\S]*?)</tr>`,
    ).exec(page.body);
    assert.ok(row, 'the disconnected student is on the sheet, marked');
    assert.match(textOf(row[1] ?? ''), /Carla Souza \(desligado\)/);
    const summary = /<tr data-summary>([\s\S]*?)<\/tr>/.exec(page.body)?.[1] ?? '';
    const numbers = [...summary.matchAll(/<td[^>]*>(\d+)<\/td>/g)].map((cell) => Number(cell[1]));
    assert.equal(
      numbers.slice(0, 6).reduce((sum, n) => sum + n, 0),
      2,
    );
    assert.equal(numbers[10], 1);
  });
});
