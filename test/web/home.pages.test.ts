import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { currentMonth } from '../../src/web/time.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { chartJson, shortMonth } from '../../src/home/home-stats.ts';
import type { Db } from '../../src/platform/db/database.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import {
  insertCohort,
  insertCourse,
  insertEnrollment,
  insertStudent,
} from '../support/fixtures.ts';
import { signIn, textOf } from './cohorts.support.ts';
import { signedIn } from './students.support.ts';

interface ChartData {
  labels: string[];
  series: { name: string; values: (number | null)[] }[];
}

function chartOf(html: string): ChartData {
  const json =
    /<script type="application\/json" id="dados-grafico-frequencia">(.*?)<\/script>/s.exec(
      html,
    )?.[1];
  assert.ok(json, 'the page has the chart data island');
  return JSON.parse(json) as ChartData;
}

describeEachDatabase('home page', (dialect) => {
  let t: TestApp;
  let db: Db;
  const month = currentMonth({ clock: systemClock, timeZone: 'America/Sao_Paulo' });
  const firstDay = `${month}-01`;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    db = t.testDb.database.db;
  });
  afterEach(() => t.close());

  /**
   * A cohort this month: two students, one lesson and one full-moon session on
   * the 1st; Ana is absent from both (two shortfalls: not cleared), Bia is not
   * marked yet (two pending cells).
   */
  async function cohortWithAMonth(name: string, instructorId: number | null = null) {
    const courseId = (await insertCourse(db)).id;
    const cohort = await insertCohort(db, { courseId, name, instructorId });
    const ana = await insertStudent(db, { fullName: `Ana de ${name}` });
    const bia = await insertStudent(db, { fullName: `Bia de ${name}` });
    await insertEnrollment(db, ana.id, cohort.id, firstDay);
    await insertEnrollment(db, bia.id, cohort.id, firstDay);
    const activities = await t.app.services.activities.list(
      SYSTEM_ACTOR,
      cohort.id,
      {},
      {
        limit: 10,
        offset: 0,
      },
    );
    await t.app.services.monthAttendance.save(SYSTEM_ACTOR, cohort.id, month, {
      sessions: activities.items.map((activity) => ({
        activityId: activity.id,
        date: firstDay,
        marks: [{ studentId: ana.id, status: 'F' as const }],
      })),
    });
    return cohort;
  }

  it('shows counts, cohorts with pending marks or students not cleared, a chart', async () => {
    const cohort = await cohortWithAMonth('Turma Sol');
    await insertCohort(db, { name: 'Turma Parada', status: 'inactive' });
    const secretary = await signIn(t, 'secretary', { name: 'Rita Secretária' });

    const page = await secretary.get('/');
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    assert.match(text, /Olá, Rita Secretária/);
    assert.match(text, /2 alunos ativos/);
    assert.match(text, /1 turmas ativas/);
    assert.match(text, /2 presenças registradas em/);
    assert.match(text, /Turmas que precisam de atenção neste mês/);
    assert.match(text, /Turma Sol .* 2 1/);
    assert.match(page.body, new RegExp(`href="/turmas/${cohort.id}/frequencia/${month}"`));
    assert.match(page.body, new RegExp(`href="/turmas/${cohort.id}/relatorio"`));
    assert.doesNotMatch(text, /Turma Parada/);

    const chart = chartOf(page.body);
    assert.equal(chart.labels.length, 6);
    assert.equal(chart.labels.at(-1), shortMonth(month));
    assert.deepEqual(chart.series, [
      { name: 'Turma Sol', values: [null, null, null, null, null, 0] },
    ]);
    assert.match(page.body, /<script src="\/static\/vendor\/chart.umd.min.js"><\/script>/);
    assert.match(page.body, /<script type="module" src="\/static\/js\/home-chart.js">/);
    assert.match(text, /Frequência mensal por turma \(%\) Turma .* Turma Sol – – – – – 0%/);
  });

  it('shows an instructor only the cohorts they teach', async () => {
    const teacher = await insertStudent(db, { fullName: 'Otávio Mestre' });
    await cohortWithAMonth('Turma Lua', teacher.id);
    await cohortWithAMonth('Turma Estrela');
    const instructor = await signIn(t, 'instructor', { studentId: teacher.id });

    const page = await instructor.get('/');
    const text = textOf(page.body);
    assert.match(text, /1 turmas ativas/);
    assert.match(text, /2 alunos ativos/);
    assert.match(text, /Turma Lua .* 2 1/);
    assert.doesNotMatch(text, /Turma Estrela/);
    assert.deepEqual(
      chartOf(page.body).series.map((series) => series.name),
      ['Turma Lua'],
    );
  });

  it('says so when no cohort needs attention, and draws no chart without cohorts', async () => {
    const viewer = await signIn(t, 'viewer');
    const page = await viewer.get('/');
    assert.match(page.body, /Nenhuma turma ativa tem presenças pendentes/);
    assert.doesNotMatch(page.body, /chart.umd.min.js/);
  });

  it('answers a browser asking for a page that does not exist with a page, the API with JSON', async () => {
    const asBrowser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const page = await t.app.inject({ method: 'GET', url: '/nao-existe', headers: asBrowser });
    assert.equal(page.statusCode, 404);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /Esta página não existe\./);
    assert.match(page.body, /href="\/"/);

    assert.doesNotMatch(page.body, /href="\/turmas"/, 'no menu for nobody');
    const secretary = await signedIn(t, 'secretary');
    const withMenu = await secretary.get('/nao-existe', asBrowser);
    assert.equal(withMenu.statusCode, 404);
    assert.match(withMenu.body, /Esta página não existe\./);
    assert.match(withMenu.body, /href="\/turmas"/, 'the menu of whoever is signed in');

    const api = await t.app.inject({
      method: 'GET',
      url: '/api/v1/nao-existe',
      headers: asBrowser,
    });
    assert.equal(api.statusCode, 404);
    assert.equal(api.json<{ code: string }>().code, 'OMAUM_ROUTE_NOT_FOUND');
    const script = await t.app.inject({ method: 'GET', url: '/nao-existe' });
    assert.equal(script.json<{ code: string }>().code, 'OMAUM_ROUTE_NOT_FOUND');
    const form = await t.app.inject({ method: 'POST', url: '/nao-existe', headers: asBrowser });
    assert.equal(form.json<{ code: string }>().code, 'OMAUM_ROUTE_NOT_FOUND');
  });

  it("shows the signed-in user's name in the header of every page", async () => {
    const secretary = await signIn(t, 'secretary', { name: 'Rita Secretária' });
    for (const url of ['/', '/turmas', '/alunos', '/cursos']) {
      const page = await secretary.get(url);
      assert.equal(page.statusCode, 200, url);
      assert.match(page.body, /<span class="user-name">Rita Secretária<\/span>/, url);
    }
  });

  it('escapes the data island', () => {
    const json = chartJson({
      months: ['2026-03'],
      series: [{ cohortId: 1, name: '</script>', values: [1] }],
    });
    assert.doesNotMatch(json, /<\/script>/);
    assert.deepEqual(JSON.parse(json), {
      labels: ['mar/26'],
      series: [{ name: '</script>', values: [1] }],
    });
  });
});
