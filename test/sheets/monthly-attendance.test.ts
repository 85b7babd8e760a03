/**
 * The home chart's monthly attendance against the sheets it stands for: the
 * same percentage for each cohort and month, counting only the students a
 * month's sheet lists (an enrollment moved to end before marks it already
 * had drops them from the later months), null for a month with nothing
 * expected, and an instructor refused a cohort they do not teach.
 * test/demo/demo.test.ts compares it over the demo's whole year.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Actor } from '../../src/auth/actor.ts';
import type { Services } from '../../src/services.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';
import { attendanceOf } from '../support/sheet-attendance.ts';

const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04'];

describeEachDatabase('monthly attendance of several cohorts', (dialect) => {
  let t: TestApp;
  let services: Services;
  let cohorts: number[];

  before(async () => {
    t = await createTestApp(dialect);
    services = t.app.services;
    const db = t.testDb.database.db;
    cohorts = [];
    for (const plan of [
      { ana: ['P', 'P'], bia: ['F', 'P'] },
      { ana: ['P', 'F'], bia: ['F', 'F'] },
    ] as const) {
      const cohort = await insertCohort(db);
      const lessons = await db
        .selectFrom('activities')
        .select('id')
        .where('cohortId', '=', cohort.id)
        .where('kind', '=', 'lesson')
        .executeTakeFirstOrThrow();
      const ana = await insertStudent(db);
      const bia = await insertStudent(db);
      await insertEnrollment(db, ana.id, cohort.id, '2026-02-01');
      const biaEnrollment = await insertEnrollment(db, bia.id, cohort.id, '2026-02-01');
      for (const month of ['2026-02', '2026-03']) {
        await services.monthAttendance.save(SYSTEM_ACTOR, cohort.id, month, {
          sessions: [2, 9].map((day, index) => ({
            activityId: lessons.id,
            date: `${month}-0${day}`,
            marks: [
              { studentId: ana.id, status: plan.ana[index] },
              { studentId: bia.id, status: plan.bia[index] },
            ],
          })),
        });
      }
      // Her enrollment now ends in February: March's sheet no longer lists her.
      await db
        .updateTable('enrollments')
        .set({ endedOn: '2026-02-28', status: 'finished' })
        .where('id', '=', biaEnrollment.id)
        .execute();
      cohorts.push(cohort.id);
    }
  });
  after(() => t.close());

  it("gives each month the percentage of that month's sheet", async () => {
    const charted = await services.sheets.monthlyAttendance(SYSTEM_ACTOR, cohorts, MONTHS);
    for (const cohortId of cohorts) {
      const fromSheets: (number | null)[] = [];
      for (const month of MONTHS) {
        fromSheets.push(attendanceOf(await services.sheets.sheet(SYSTEM_ACTOR, cohortId, month)));
      }
      assert.deepEqual(charted.get(cohortId), fromSheets, `cohort ${cohortId}`);
    }
    // January and April had no sessions; March counts Ana alone.
    assert.deepEqual(charted.get(cohorts[0] ?? 0), [null, 75, 100, null]);
    assert.deepEqual(charted.get(cohorts[1] ?? 0), [null, 25, 50, null]);
  });

  it('refuses an instructor a cohort they do not teach', async () => {
    const teacher = await insertStudent(t.testDb.database.db);
    const instructor: Actor = { ...SYSTEM_ACTOR, role: 'instructor', studentId: teacher.id };
    await assert.rejects(
      services.sheets.monthlyAttendance(instructor, cohorts, MONTHS),
      (error: unknown) => (error as { code?: string }).code === 'OMAUM_COHORT_NOT_FOUND',
    );
  });
});
