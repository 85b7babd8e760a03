import assert from 'node:assert/strict';

import type { LightMyRequestResponse } from 'fastify';

import { roundPct } from '../../src/attendance/statistics.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Db } from '../../src/platform/db/database.ts';
import type { Role } from '../../src/platform/db/tables.ts';
import type { Sheet } from '../../src/sheets/sheets.schemas.ts';
import type { CohortScene } from '../attendance/harness.ts';
import { createCohortScene, enrolledStudent } from '../attendance/harness.ts';
import type { TestApp } from '../support/app.ts';
import { TEST_PASSWORD } from '../support/app.ts';

/**
 * Shared pieces of the attendance grid and sheet page tests: a signed-in
 * browser over `app.inject` (session cookie, CSRF token), and a cohort month
 * with students, sessions and marks.
 */

export interface PageClient {
  get(url: string): Promise<LightMyRequestResponse>;
  /** A JSON API call with the session cookie (and the CSRF token for writes). */
  api(method: 'GET' | 'PUT', url: string, payload?: object): Promise<LightMyRequestResponse>;
}

let counter = 0;

function sessionCookie(response: LightMyRequestResponse): string | null {
  const header = response.headers['set-cookie'];
  const cookies = Array.isArray(header) ? header : header ? [header] : [];
  const session = cookies.find((cookie) => cookie.startsWith('omaum_session='));
  return session?.split(';')[0] ?? null;
}

function csrfOf(html: string): string {
  const token = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1];
  assert.ok(token, 'the page has a CSRF token');
  return token;
}

/** Signs a new user of the role in through the sign-in form (GET for the token, then POST). */
export async function signInPage(
  t: TestApp,
  role: Role,
  options: { studentId?: number } = {},
): Promise<PageClient> {
  counter += 1;
  const email = `frequencia.${role}.${counter}.${Date.now()}@test.omaum`;
  await t.app.services.users.create(SYSTEM_ACTOR, {
    email,
    name: `Pessoa ${role} ${counter}`,
    role,
    password: TEST_PASSWORD,
    studentId: options.studentId ?? null,
  });
  const form = await t.app.inject({ url: '/entrar' });
  let cookie = sessionCookie(form) ?? '';
  const body = new URLSearchParams({ _csrf: csrfOf(form.body), email, password: TEST_PASSWORD });
  const signedIn = await t.app.inject({
    method: 'POST',
    url: '/entrar',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  });
  assert.equal(signedIn.statusCode, 302, signedIn.body);
  cookie = sessionCookie(signedIn) ?? cookie;
  let csrf = '';

  return {
    async get(url) {
      const response = await t.app.inject({ url, headers: { cookie } });
      cookie = sessionCookie(response) ?? cookie;
      if (response.headers['content-type']?.toString().startsWith('text/html')) {
        csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(response.body)?.[1] ?? csrf;
      }
      return response;
    },
    async api(method, url, payload) {
      const headers: Record<string, string> = { cookie };
      if (method !== 'GET') headers['x-csrf-token'] = csrf;
      return t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers,
        ...(payload ? { payload } : {}),
      });
    },
  };
}

export interface MonthScene {
  readonly cohort: CohortScene;
  readonly month: string;
  readonly studentIds: number[];
  readonly sessions: { lessons: number[]; fullMoons: number[]; cleaning: number[] };
}

/**
 * March 2026 of a cohort: three students, two lessons, a full moon and a
 * cleaning session (convocation), with some marks.
 */
export async function marchScene(t: TestApp): Promise<MonthScene> {
  const db: Db = t.testDb.database.db;
  const cohort = await createCohortScene(db, { minAttendancePct: 70, capacity: 80 });
  const ana = await enrolledStudent(db, cohort.cohortId, { fullName: 'Ana Lima' });
  const bruno = await enrolledStudent(db, cohort.cohortId, { fullName: 'Bruno Reis' });
  const carla = await enrolledStudent(db, cohort.cohortId, {
    fullName: 'Carla Souza',
    situation: 'disconnected',
  });
  const month = '2026-03';
  const saved = await t.app.services.monthAttendance.save(SYSTEM_ACTOR, cohort.cohortId, month, {
    sessions: [
      {
        activityId: cohort.lessons,
        date: '2026-03-02',
        marks: [
          { studentId: ana.id, status: 'P' },
          { studentId: bruno.id, status: 'F', justification: 'viagem' },
          { studentId: carla.id, status: 'F' },
        ],
      },
      {
        activityId: cohort.lessons,
        date: '2026-03-09',
        marks: [
          { studentId: ana.id, status: 'P' },
          { studentId: bruno.id, status: 'J' },
        ],
      },
      {
        activityId: cohort.fullMoons,
        date: '2026-03-03',
        marks: [{ studentId: ana.id, status: 'P' }],
      },
      {
        activityId: cohort.cleaning,
        date: '2026-03-14',
        marks: [
          { studentId: ana.id, status: 'P', summoned: true },
          { studentId: bruno.id, status: 'V2' },
        ],
      },
    ],
  });
  const idsOf = (activityId: number) =>
    saved.sessions.filter((s) => s.activityId === activityId).map((s) => s.id);
  return {
    cohort,
    month,
    studentIds: [ana.id, bruno.id, carla.id],
    sessions: {
      lessons: idsOf(cohort.lessons),
      fullMoons: idsOf(cohort.fullMoons),
      cleaning: idsOf(cohort.cleaning),
    },
  };
}

/** The JSON of the page's `<script type="application/json" id="...">` data island. */
export function dataIslandOf(html: string, id: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${id}">([^<]*)</script>`).exec(
    html,
  );
  assert.ok(match?.[1], `no data island #${id}`);
  return JSON.parse(match[1]);
}

/**
 * What a strict Content-Security-Policy refuses: inline scripts, event
 * handler attributes and style attributes. Returns the offending snippets.
 */
export function cspProblems(html: string): string[] {
  const problems: string[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>/g)) {
    const attributes = match[1] ?? '';
    if (!/\bsrc=/.test(attributes) && !/type="application\/json"/.test(attributes)) {
      problems.push(match[0]);
    }
  }
  for (const match of html.matchAll(/<[^>]+\s(on[a-z]+|style)=/gi)) problems.push(match[0]);
  return problems;
}

/** The text of an HTML fragment without tags, entities decoded, spaces collapsed. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The cells of each student row of the sheet page, in order, as text, by student id. */
export function sheetRowsOf(html: string): Map<number, string[]> {
  const rows = new Map<number, string[]>();
  for (const match of html.matchAll(/<tr data-student="(\d+)"[^>]*>([\s\S]*?)<\/tr>/g)) {
    const cells = [...(match[2] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) =>
      textOf(cell[1] ?? ''),
    );
    rows.set(Number(match[1]), cells);
  }
  return rows;
}

/**
 * What the sheet page must print for a row, from the API's sheet: Nº, then
 * per activity `p f %` or `c p f v %`, then Vol and Car.
 */
export function expectedSheetCells(
  sheet: Sheet,
  row: Sheet['rows'][number],
  index: number,
): string[] {
  const cells = [String(index + 1)];
  for (const activity of sheet.activities) {
    const cell = row.activities.find((each) => each.activityId === activity.activityId);
    assert.ok(cell, `no cell for activity ${activity.activityId}`);
    const pct = roundPct(cell.present, cell.expected, 'display');
    const numbers = {
      c: String(cell.expected + cell.pending),
      p: String(cell.present),
      f: String(cell.absent + cell.excused),
      v: String(cell.volunteerExtra + cell.volunteerSimple),
      pct: pct === null ? '–' : `${pct}%`,
    };
    if (activity.mode === 'convocation') {
      cells.push(numbers.c, numbers.p, numbers.f, numbers.v, numbers.pct);
    } else {
      cells.push(numbers.p, numbers.f, numbers.pct);
    }
  }
  cells.push(String(row.volunteer), String(row.shortfalls));
  return cells;
}
