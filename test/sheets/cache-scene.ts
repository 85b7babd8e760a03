import assert from 'node:assert/strict';

import type { LightMyRequestResponse } from 'fastify';

import type { App } from '../../src/app.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Db } from '../../src/platform/db/database.ts';
import { SheetsService } from '../../src/sheets/sheets.service.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';

/**
 * Shared pieces of the sheet cache tests: a cohort with marks, what the API
 * answers for its sheets and a student's report, and the same computed with
 * no cache at all.
 */

export { silentLogger } from '../support/quiet-jobs.ts';

const NOW = '2026-03-01T12:00:00.000Z';

export interface Scene {
  readonly cohortId: number;
  readonly courseId: number;
  readonly lessons: number;
  readonly fullMoons: number;
  /** A non-default activity, mandatory, with no sessions. */
  readonly cleaning: number;
  readonly students: readonly [Student, Student];
  /** Marked: the first student present, the second absent. */
  readonly marked: number;
  /** No marks yet. */
  readonly unmarked: number;
}

interface Student {
  readonly id: number;
  readonly initiaticNumber: string;
  readonly enrollmentId: number;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** `app.inject` with a bearer token under `/api/v1`. */
export class Api {
  constructor(
    private readonly app: App,
    private readonly token: string,
  ) {}

  send(method: Method, url: string, payload?: object): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${this.token}` },
      ...(payload === undefined ? {} : { payload }),
    });
  }

  async ok<T = unknown>(method: Method, url: string, payload?: object): Promise<T> {
    const response = await this.send(method, url, payload);
    assert.ok(
      response.statusCode < 300,
      `${method} ${url}: ${response.statusCode} ${response.body}`,
    );
    return response.json<T>();
  }
}

/** A cohort of two students in January–March 2026, with two lessons in March, one marked. */
export async function createScene(db: Db, api: Api): Promise<Scene> {
  const cohort = await insertCohort(db);
  const activities = await db
    .selectFrom('activities')
    .select(['id', 'kind'])
    .where('cohortId', '=', cohort.id)
    .execute();
  const lessons = activities.find((a) => a.kind === 'lesson')?.id ?? 0;
  const fullMoons = activities.find((a) => a.kind === 'full_moon')?.id ?? 0;
  const cleaning = await db
    .insertInto('activities')
    .values({
      cohortId: cohort.id,
      name: 'Limpezas',
      kind: 'cleaning',
      mode: 'mandatory',
      position: 3,
      isActive: true,
      isDefault: false,
      createdAt: NOW,
      updatedAt: NOW,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  const students = [] as Student[];
  for (const fullName of ['Ana Cache', 'Bia Cache']) {
    const student = await insertStudent(db, { fullName });
    const enrollment = await insertEnrollment(db, student.id, cohort.id, '2026-01-01');
    students.push({
      id: student.id,
      initiaticNumber: student.initiaticNumber,
      enrollmentId: enrollment.id,
    });
  }
  const [ana, bia] = students as [Student, Student];

  const marked = await api.ok<{ id: number }>('POST', `/activities/${lessons}/sessions`, {
    date: '2026-03-02',
  });
  const unmarked = await api.ok<{ id: number }>('POST', `/activities/${lessons}/sessions`, {
    date: '2026-03-09',
  });
  await api.ok('PUT', `/sessions/${marked.id}/marks`, {
    marks: [
      { studentId: ana.id, status: 'P' },
      { studentId: bia.id, status: 'F' },
    ],
  });
  return {
    cohortId: cohort.id,
    courseId: cohort.courseId,
    lessons,
    fullMoons,
    cleaning: cleaning.id,
    students: [ana, bia],
    marked: marked.id,
    unmarked: unmarked.id,
  };
}

/** What the API shows of a scene: both sheets and the first student's report. */
export interface Views {
  readonly accumulated: unknown;
  readonly monthly: unknown;
  readonly report: unknown;
}

export async function viewsThroughApi(api: Api, scene: Scene): Promise<Views> {
  const id = scene.cohortId;
  const student = scene.students[0].id;
  return {
    accumulated: await api.ok('GET', `/cohorts/${id}/sheet?from=2026-01&to=2026-03`),
    monthly: await api.ok('GET', `/cohorts/${id}/sheet?from=2026-03`),
    report: await api.ok(
      'GET',
      `/students/${student}/report?cohortId=${id}&from=2026-01&to=2026-03`,
    ),
  };
}

/** The same views computed from the database by a service with no cache, as JSON. */
export async function viewsWithoutCache(db: Db, scene: Scene): Promise<Views> {
  const sheets = new SheetsService(db);
  const id = scene.cohortId;
  const student = scene.students[0].id;
  const views = {
    accumulated: await sheets.sheet(SYSTEM_ACTOR, id, '2026-01', '2026-03'),
    monthly: await sheets.sheet(SYSTEM_ACTOR, id, '2026-03'),
    report: await sheets.studentReport(SYSTEM_ACTOR, student, id, '2026-01', '2026-03'),
  };
  return JSON.parse(JSON.stringify(views)) as Views;
}
