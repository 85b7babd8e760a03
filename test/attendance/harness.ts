import assert from 'node:assert/strict';

import type { LightMyRequestResponse } from 'fastify';

import type { Clock } from '../../src/platform/clock.ts';
import type { Db } from '../../src/platform/db/database.ts';
import type { NewCohort, Student, StudentSituation } from '../../src/platform/db/tables.ts';
import type { TestApp } from '../support/app.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';

/**
 * Shared pieces of the attendance and session tests: a fixed clock, a small
 * HTTP client over `app.inject`, a cohort with a convocation activity, and a
 * snapshot of everything a mark write touches.
 */

/**
 * 02:00 UTC on 21 March 2026 is still 20 March in São Paulo (UTC−3): "today"
 * for the rules is the institution's day, so a session on the 21st is future.
 */
export const fixedClock: Clock = { now: () => new Date('2026-03-21T02:00:00.000Z') };
export const TODAY = '2026-03-20';
export const TOMORROW = '2026-03-21';
export const NOW_ISO = '2026-03-21T02:00:00.000Z';

export type Status = 'P' | 'F' | 'J' | 'V1' | 'V2';
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ErrorReply {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export interface Violation {
  readonly studentId: number;
  readonly studentName: string | null;
  readonly sessionId: number;
  readonly date: string;
  readonly rule: string;
  readonly message: string;
}

export interface MarkReply {
  readonly id: number;
  readonly sessionId: number;
  readonly studentId: number;
  readonly status: Status | null;
  readonly summoned: boolean;
  readonly justification: string | null;
  readonly recordedBy: number | null;
  readonly recordedAt: string;
  readonly version: number;
}

export interface SaveReply {
  readonly changed: number;
  readonly marks: MarkReply[];
}

export interface SessionReply {
  readonly id: number;
  readonly activityId: number;
  readonly cohortId: number;
  readonly date: string;
  readonly slot: number;
  readonly time: string | null;
  readonly subject: string | null;
  readonly extra: boolean;
}

export interface HistoryItem {
  readonly id: number;
  readonly markId: number;
  readonly sessionId: number;
  readonly studentId: number;
  readonly changedBy: number | null;
  readonly changedAt: string;
  readonly source: string;
  readonly oldStatus: Status | null;
  readonly newStatus: Status | null;
  readonly oldSummoned: boolean | null;
  readonly newSummoned: boolean;
  readonly oldJustification: string | null;
  readonly newJustification: string | null;
  readonly version: number;
}

export interface MarkBody {
  readonly studentId: number;
  readonly status?: Status | null;
  readonly summoned?: boolean;
  readonly justification?: string | null;
  readonly version?: number;
}

/** `app.inject` with a bearer token, and helpers that check the answer. */
export class Client {
  constructor(
    private readonly t: TestApp,
    readonly token: string,
  ) {}

  /** The same client acting with another token. */
  as(token: string): Client {
    return new Client(this.t, token);
  }

  send(method: Method, url: string, payload?: object): Promise<LightMyRequestResponse> {
    return this.t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: this.t.auth(this.token),
      ...(payload === undefined ? {} : { payload }),
    });
  }

  /** Sends the request and returns the JSON answer, failing the test on a 4xx or 5xx. */
  async ok<T>(method: Method, url: string, payload?: object): Promise<T> {
    const response = await this.send(method, url, payload);
    assert.ok(
      response.statusCode < 300,
      `${method} ${url}: ${response.statusCode} ${response.body}`,
    );
    return response.json<T>();
  }

  putMarks(sessionId: number, marks: readonly MarkBody[]): Promise<LightMyRequestResponse> {
    return this.send('PUT', `/sessions/${sessionId}/marks`, { marks });
  }

  saveMarks(sessionId: number, marks: readonly MarkBody[]): Promise<SaveReply> {
    return this.ok<SaveReply>('PUT', `/sessions/${sessionId}/marks`, { marks });
  }

  async createSession(
    activityId: number,
    date: string,
    fields: { extra?: boolean; slot?: number; subject?: string } = {},
  ): Promise<SessionReply> {
    return this.ok<SessionReply>('POST', `/activities/${activityId}/sessions`, {
      date,
      ...fields,
    });
  }
}

/** Checks the status and the error code of a refusal and returns its body. */
export function assertRefused(
  response: LightMyRequestResponse,
  statusCode: number,
  code: string,
): ErrorReply {
  const body = response.json<ErrorReply>();
  assert.equal(response.statusCode, statusCode, response.body);
  assert.equal(body.code, code, response.body);
  return body;
}

/** The violations listed by a 422 OMAUM_MARK_RULE_VIOLATION. */
export function violationsOf(body: ErrorReply): Violation[] {
  const details = body.details as { violations?: Violation[] } | undefined;
  assert.ok(details?.violations, `no violations in ${JSON.stringify(body)}`);
  return details.violations;
}

/** A cohort with its two mandatory activities and a convocation one ("Limpezas"). */
export interface CohortScene {
  readonly cohortId: number;
  readonly lessons: number;
  readonly fullMoons: number;
  readonly cleaning: number;
}

export async function createCohortScene(
  db: Db,
  overrides: Partial<NewCohort> = {},
): Promise<CohortScene> {
  const cohort = await insertCohort(db, overrides);
  const cleaning = await db
    .insertInto('activities')
    .values({
      cohortId: cohort.id,
      name: 'Limpezas',
      kind: 'cleaning',
      mode: 'convocation',
      position: 3,
      isActive: true,
      isDefault: false,
      createdAt: NOW_ISO,
      updatedAt: NOW_ISO,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const activities = await db
    .selectFrom('activities')
    .select(['id', 'name'])
    .where('cohortId', '=', cohort.id)
    .execute();
  const idOf = (name: string) => {
    const found = activities.find((activity) => activity.name === name);
    assert.ok(found, `activity ${name}`);
    return found.id;
  };
  return {
    cohortId: cohort.id,
    lessons: idOf('Aulas'),
    fullMoons: idOf('Plenilúnios'),
    cleaning: cleaning.id,
  };
}

export interface StudentOptions {
  readonly fullName?: string;
  readonly enrolledOn?: string;
  readonly endedOn?: string;
  readonly situation?: StudentSituation;
}

/** A student enrolled in the cohort (from 1 January 2026 unless told otherwise). */
export async function enrolledStudent(
  db: Db,
  cohortId: number,
  options: StudentOptions = {},
): Promise<Student> {
  const student = await insertStudent(db, {
    ...(options.fullName ? { fullName: options.fullName } : {}),
    situation: options.situation ?? 'active',
  });
  const enrollment = await insertEnrollment(
    db,
    student.id,
    cohortId,
    options.enrolledOn ?? '2026-01-01',
  );
  if (options.endedOn) {
    await db
      .updateTable('enrollments')
      .set({ endedOn: options.endedOn, status: 'finished' })
      .where('id', '=', enrollment.id)
      .execute();
  }
  return student;
}

/** Everything a mark write touches, in a stable order, for before/after comparisons. */
export async function attendanceState(db: Db) {
  const [sessions, marks, history, counters] = await Promise.all([
    db.selectFrom('sessions').selectAll().orderBy('id').execute(),
    db.selectFrom('marks').selectAll().orderBy('id').execute(),
    db.selectFrom('markHistory').selectAll().orderBy('id').execute(),
    db
      .selectFrom('attendanceCounters')
      .selectAll()
      .orderBy('cohortId')
      .orderBy('month')
      .orderBy('activityId')
      .orderBy('studentId')
      .execute(),
  ]);
  return { sessions, marks, history, counters };
}

/**
 * Sends a request that must be refused and checks that it wrote nothing:
 * sessions, marks, history and counters are exactly as before.
 */
export async function assertRefusedWithoutWrites(
  db: Db,
  request: () => Promise<LightMyRequestResponse>,
  statusCode: number,
  code: string,
): Promise<ErrorReply> {
  const before = await attendanceState(db);
  const body = assertRefused(await request(), statusCode, code);
  assert.deepEqual(await attendanceState(db), before, 'a refused request changed the database');
  return body;
}

/** The counter rows of a student, without their timestamps. */
export async function countersOf(db: Db, studentId: number) {
  const rows = await db
    .selectFrom('attendanceCounters')
    .selectAll()
    .where('studentId', '=', studentId)
    .orderBy('month')
    .orderBy('activityId')
    .execute();
  return rows.map(({ updatedAt: _updatedAt, ...counters }) => counters);
}
