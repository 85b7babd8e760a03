import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { EnrollmentsService } from '../../src/enrollments/enrollments.service.ts';
import type { Db } from '../../src/platform/db/database.ts';
import { isAppError } from '../../src/platform/errors/app-error.ts';
import type { TestDatabase } from '../support/databases.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';

/**
 * Holds every query result back a little. Without it the two transactions
 * rarely overlap; with it, both would read "one seat left" before either
 * writes unless the service serialises them (row locks on PostgreSQL, the
 * single writer on SQLite).
 */
class SlowResults implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    await sleep(30);
    return args.result;
  }
}

const clock = { now: () => new Date('2026-03-01T12:00:00.000Z') };

describeEachDatabase('concurrent enrollments', (dialect) => {
  let testDb: TestDatabase;
  let db: Db;
  let service: EnrollmentsService;

  beforeEach(async () => {
    testDb = await createTestDatabase(dialect);
    db = testDb.database.db;
    const slowDb = db.withPlugin(new SlowResults());
    service = new EnrollmentsService(slowDb, clock, 'America/Sao_Paulo', dialect);
  });
  afterEach(() => testDb.destroy());

  /** Runs both attempts at once and returns the error of the one that must lose. */
  async function exactlyOneWins(attempts: readonly Promise<unknown>[]): Promise<string> {
    const results = await Promise.allSettled(attempts);
    const lost = results.filter((result) => result.status === 'rejected');
    assert.equal(lost.length, 1, `expected one refusal, got ${lost.length}`);
    const reason: unknown = lost[0]?.reason;
    assert.ok(isAppError(reason), String(reason));
    return reason.code;
  }

  async function activeIn(cohortId: number): Promise<number> {
    const rows = await db
      .selectFrom('enrollments')
      .select('id')
      .where('cohortId', '=', cohortId)
      .where('status', '=', 'active')
      .execute();
    return rows.length;
  }

  it('gives the last seat to exactly one of two enrollments', async () => {
    const cohort = await insertCohort(db, { capacity: 1 });
    const contenders = [(await insertStudent(db)).id, (await insertStudent(db)).id];
    const code = await exactlyOneWins(
      contenders.map((studentId) =>
        service.create(SYSTEM_ACTOR, cohort.id, { studentId, enrolledOn: '2026-02-01' }),
      ),
    );
    assert.equal(code, 'OMAUM_ENROLLMENT_COHORT_FULL');
    assert.equal(await activeIn(cohort.id), 1);
  });

  it('gives the last seat to exactly one of two re-activations', async () => {
    const cohort = await insertCohort(db, { capacity: 1 });
    const ids = [];
    for (let i = 0; i < 2; i += 1) {
      const enrollment = await insertEnrollment(db, (await insertStudent(db)).id, cohort.id);
      await service.update(SYSTEM_ACTOR, enrollment.id, { status: 'cancelled' });
      ids.push(enrollment.id);
    }
    const code = await exactlyOneWins(
      ids.map((id) => service.update(SYSTEM_ACTOR, id, { status: 'active' })),
    );
    assert.equal(code, 'OMAUM_ENROLLMENT_COHORT_FULL');
    assert.equal(await activeIn(cohort.id), 1);
  });

  it('gives a student only one of two enrollments in different active cohorts', async () => {
    const studentId = (await insertStudent(db)).id;
    const cohortIds = [(await insertCohort(db)).id, (await insertCohort(db)).id];
    const code = await exactlyOneWins(
      cohortIds.map((cohortId) =>
        service.create(SYSTEM_ACTOR, cohortId, { studentId, enrolledOn: '2026-02-01' }),
      ),
    );
    assert.equal(code, 'OMAUM_ENROLLMENT_ACTIVE_ELSEWHERE');
  });
});
