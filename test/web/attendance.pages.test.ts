import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import * as statistics from '../../src/attendance/statistics.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Db } from '../../src/platform/db/database.ts';
import { createTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertStudent } from '../support/fixtures.ts';
import { TODAY, enrolledStudent, fixedClock } from '../attendance/harness.ts';
import type { MonthScene, PageClient } from './attendance.helpers.ts';
import { cspProblems, dataIslandOf, marchScene, signInPage, textOf } from './attendance.helpers.ts';

interface Island {
  grid: { cohortId: number; month: string; students: { fullName: string }[] };
  cohort: { id: number; minAttendancePct: number };
  month: string;
  today: string;
  canEdit: boolean;
  messages: Record<string, string>;
}

describeEachDatabase('the attendance grid page', (dialect) => {
  let t: TestApp;
  let db: Db;
  let secretary: PageClient;
  let scene: MonthScene;

  before(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    secretary = await signInPage(t, 'secretary');
    scene = await marchScene(t);
  });
  after(() => t.close());

  const gridUrl = () => `/turmas/${scene.cohort.cohortId}/frequencia/${scene.month}`;

  it('renders the shell with the month as the API reads it, in a data island', async () => {
    const response = await secretary.get(gridUrl());
    assert.equal(response.statusCode, 200, response.body);
    const island = dataIslandOf(response.body, 'grid-data') as Island;
    const api = await secretary.api(
      'GET',
      `/cohorts/${scene.cohort.cohortId}/attendance/${scene.month}`,
    );
    assert.deepEqual(island.grid, api.json());
    assert.equal(island.canEdit, true);
    assert.equal(island.cohort.minAttendancePct, 70);
    // The institution's day: 02:00 UTC on the 21st is still the 20th in São Paulo.
    assert.equal(island.today, TODAY);
    assert.equal(
      island.messages.OMAUM_MARK_VERSION_CONFLICT,
      'Outra pessoa mudou estas presenças depois que você abriu a página; nada foi salvo.',
    );
    const text = textOf(response.body);
    assert.match(text, /março de 2026/);
    assert.match(response.body, /<script type="module" src="\/static\/js\/grid\.js"><\/script>/);
    assert.match(response.body, /href="\/turmas\/\d+\/frequencia\/2026-02" rel="prev"/);
    assert.match(response.body, /href="\/turmas\/\d+\/frequencia\/2026-04" rel="next"/);
    assert.match(response.body, /<button id="grid-save" type="button" class="primary" disabled>/);
  });

  it('uses no inline script, event attribute or style attribute (strict CSP)', async () => {
    const response = await secretary.get(gridUrl());
    assert.deepEqual(cspProblems(response.body), []);
    const csp = String(response.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'/);
  });

  it('keeps a name with </script> inside the data island', async () => {
    const student = await insertStudent(db, { fullName: 'Zé </script><b>x</b> & "Cia"' });
    await t.app.services.enrollments.create(SYSTEM_ACTOR, scene.cohort.cohortId, {
      studentId: student.id,
      enrolledOn: '2026-01-01',
    });
    const response = await secretary.get(gridUrl());
    assert.equal(response.statusCode, 200);
    assert.ok(!response.body.includes('Zé </script>'), 'the name ended the script element');
    const island = dataIslandOf(response.body, 'grid-data') as Island;
    assert.ok(island.grid.students.some((s) => s.fullName === 'Zé </script><b>x</b> & "Cia"'));
  });

  it('is read-only for viewers', async () => {
    const viewer = await signInPage(t, 'viewer');
    const response = await viewer.get(gridUrl());
    assert.equal(response.statusCode, 200);
    const island = dataIslandOf(response.body, 'grid-data') as Island;
    assert.equal(island.canEdit, false);
    assert.match(textOf(response.body), /Somente leitura/);
    assert.match(response.body, /<button id="grid-save" type="button" hidden disabled>/);
  });

  it('answers 404 in Portuguese to an instructor for a cohort they do not teach', async () => {
    const teacher = await enrolledStudent(db, scene.cohort.cohortId, { fullName: 'Ivo Mestre' });
    const instructor = await signInPage(t, 'instructor', { studentId: teacher.id });
    const response = await instructor.get(gridUrl());
    assert.equal(response.statusCode, 404);
    assert.match(textOf(response.body), /Turma não encontrada\./);
  });

  it('refuses a month that is not YYYY-MM with a 400 page', async () => {
    const response = await secretary.get(`/turmas/${scene.cohort.cohortId}/frequencia/2026-13`);
    assert.equal(response.statusCode, 400);
    assert.match(textOf(response.body), /Mês inválido no endereço: use aaaa-mm\./);
  });

  it('sends a visitor who is not signed in to the sign-in page', async () => {
    const response = await t.app.inject({ url: gridUrl() });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, `/entrar?next=${encodeURIComponent(gridUrl())}`);
  });

  it('takes the cohort and month pickers to the grid', async () => {
    const id = scene.cohort.cohortId;
    const picked = await secretary.get(`/frequencia?turma=${id}&mes=03%2F2026`);
    assert.equal(picked.statusCode, 302);
    assert.equal(picked.headers.location, `/turmas/${id}/frequencia/2026-03`);
    const iso = await secretary.get(`/frequencia?turma=${id}&mes=2026-04`);
    assert.equal(iso.headers.location, `/turmas/${id}/frequencia/2026-04`);
    const current = await secretary.get(`/turmas/${id}/frequencia`);
    assert.equal(current.headers.location, `/turmas/${id}/frequencia/2026-03`);
    const chooser = await secretary.get('/frequencia');
    assert.equal(chooser.statusCode, 200);
    assert.match(chooser.body, new RegExp(`<option value="${id}">`));
  });
});

/** The browser module, loaded as Node loads any ES module (it touches no DOM). */
interface GridRules {
  allowedStatuses(facts: statistics.ExpectationFacts, isFuture?: boolean): readonly string[];
  nextStatus(current: string | null, allowed: readonly string[]): string | null;
  countCell(
    counters: statistics.ActivityCounters,
    facts: statistics.ExpectationFacts,
    status: string | null,
  ): void;
  emptyCounters(): statistics.ActivityCounters;
  displayPct(present: number, expected: number): number | null;
  isShortfall(counters: { expected: number; present: number }, minAttendancePct: number): boolean;
  enrollmentCovers(
    enrollment: { enrolledOn: string; endedOn: string | null },
    date: string,
  ): boolean;
}

describe("the grid's rules in the browser", () => {
  let rules: GridRules;

  before(async () => {
    const file = path.resolve('src/web/static/js/grid-rules.js');
    rules = (await import(pathToFileURL(file).href)) as GridRules;
  });

  const factsArbitrary = fc.record({
    isEnrolledOnDate: fc.constant(true),
    isExtra: fc.boolean(),
    mode: fc.constantFrom<statistics.ActivityMode>('mandatory', 'convocation'),
    isSummoned: fc.boolean(),
  });
  const statusArbitrary = fc.constantFrom<statistics.MarkStatus | null>(
    null,
    'P',
    'F',
    'J',
    'V1',
    'V2',
  );

  it('allows the same statuses as statistics.ts inside the enrollment', () => {
    fc.assert(
      fc.property(factsArbitrary, (facts) => {
        assert.deepEqual(rules.allowedStatuses(facts), statistics.allowedStatuses(facts));
      }),
    );
  });

  it('allows nothing outside the enrollment, and no P, F or J before the session date', () => {
    const outside = {
      isEnrolledOnDate: false,
      isExtra: false,
      mode: 'mandatory',
      isSummoned: false,
    };
    assert.deepEqual(rules.allowedStatuses(outside as statistics.ExpectationFacts), []);
    const expected = {
      isEnrolledOnDate: true,
      isExtra: false,
      mode: 'mandatory',
      isSummoned: false,
    };
    assert.deepEqual(rules.allowedStatuses(expected as statistics.ExpectationFacts, true), []);
    const extra = { isEnrolledOnDate: true, isExtra: true, mode: 'mandatory', isSummoned: false };
    assert.deepEqual(rules.allowedStatuses(extra as statistics.ExpectationFacts, true), [
      'V1',
      'V2',
    ]);
  });

  it('cycles empty → P → F → J → empty, and empty → V1 → V2 → empty', () => {
    const cycle = (allowed: readonly string[]) => {
      const seen: (string | null)[] = [];
      let status: string | null = null;
      for (let step = 0; step < allowed.length + 1; step++) {
        status = rules.nextStatus(status, allowed);
        seen.push(status);
      }
      return seen;
    };
    assert.deepEqual(cycle(['P', 'F', 'J']), ['P', 'F', 'J', null]);
    assert.deepEqual(cycle(['V1', 'V2']), ['V1', 'V2', null]);
    assert.equal(rules.nextStatus('V1', ['P', 'F', 'J']), 'P');
  });

  it('counts, rounds and finds shortfalls as statistics.ts does', () => {
    const cells = fc.array(fc.tuple(factsArbitrary, statusArbitrary), { maxLength: 40 });
    const minimum = fc.integer({ min: 0, max: 10_000 }).map((hundredths) => hundredths / 100);
    fc.assert(
      fc.property(cells, minimum, (list, minAttendancePct) => {
        const counters = rules.emptyCounters();
        for (const [facts, status] of list) rules.countCell(counters, facts, status);
        const expected = statistics.countFacts(
          list.map(([facts, status]) => ({ ...facts, date: '2026-03-02', status })),
        );
        assert.deepEqual(counters, expected);
        assert.equal(
          rules.displayPct(counters.present, counters.expected),
          statistics.roundPct(counters.present, counters.expected, 'display'),
        );
        assert.equal(
          rules.isShortfall(counters, minAttendancePct),
          statistics.isShortfall(counters, { minAttendancePct }),
        );
      }),
    );
  });

  it('reads enrollment windows with both ends included', () => {
    const enrollment = { enrolledOn: '2026-03-05', endedOn: '2026-03-20' };
    for (const date of ['2026-03-04', '2026-03-05', '2026-03-20', '2026-03-21']) {
      assert.equal(
        rules.enrollmentCovers(enrollment, date),
        statistics.enrollmentCovers(enrollment, date),
      );
    }
  });
});
