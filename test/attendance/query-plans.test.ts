import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import {
  CompiledQuery,
  PostgresQueryCompiler,
  SqliteQueryCompiler,
  createQueryId,
  sql,
} from 'kysely';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

import { AttendanceRepo } from '../../src/attendance/attendance.repo.ts';
import type { Db } from '../../src/platform/db/database.ts';
import { SessionsRepo } from '../../src/sessions/sessions.repo.ts';
import type { Status } from './harness.ts';
import { Client, createCohortScene, enrolledStudent, fixedClock } from './harness.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

/**
 * The indexes of migration 0002 (docs/database.md) serve the reads that
 * matter. Each test runs the repository method itself, captures the SQL it
 * sends, and asks the database how it would run it: EXPLAIN QUERY PLAN on
 * SQLite, EXPLAIN with sequential scans disabled on PostgreSQL (on a few
 * hundred rows a sequential scan is cheapest, which says nothing about a
 * real school's years of marks).
 */

/** Remembers every query a repository sends, as the database receives it. */
class CaptureQueries implements KyselyPlugin {
  readonly nodes: RootOperationNode[] = [];

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push(args.node);
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

const STATUSES: readonly Status[] = ['P', 'P', 'P', 'F', 'J'];

describeEachDatabase('query plans of the attendance reads', (dialect) => {
  let t: TestApp;
  let db: Db;
  let cohortId = 0;
  let activityId = 0;
  let studentId = 0;
  let sessionIds: number[] = [];

  /** Three months of a cohort of 12, marked through the API, so every table has rows. */
  before(async () => {
    t = await createTestApp(dialect, { clock: fixedClock });
    db = t.testDb.database.db;
    const api = new Client(t, await t.tokenFor('secretary'));
    const scene = await createCohortScene(db);
    cohortId = scene.cohortId;
    activityId = scene.lessons;
    const students = [];
    for (let n = 0; n < 12; n += 1) students.push(await enrolledStudent(db, cohortId));
    studentId = students[0]?.id ?? 0;
    for (const month of ['2026-01', '2026-02', '2026-03']) {
      for (const day of ['02', '09', '16']) {
        const session = await api.createSession(scene.lessons, `${month}-${day}`);
        sessionIds.push(session.id);
        await api.saveMarks(
          session.id,
          students.map((s, i) => ({ studentId: s.id, status: STATUSES[i % STATUSES.length] })),
        );
      }
    }
    // A second round of changes gives the history more than one entry per mark.
    for (const sessionId of sessionIds.slice(0, 3)) {
      await api.saveMarks(sessionId, [{ studentId, status: 'J' }]);
    }
    sessionIds = sessionIds.slice(-3);
    await sql`analyze`.execute(db);
  });
  after(() => t.close());

  /** The one query `read` sends, compiled for this database. */
  async function queryOf(read: (db: Db) => Promise<unknown>): Promise<CompiledQuery> {
    const capture = new CaptureQueries();
    await read(db.withPlugin(capture));
    assert.equal(capture.nodes.length, 1, 'the read sends one query');
    const [node] = capture.nodes;
    assert.ok(node);
    const compiler = dialect === 'sqlite' ? new SqliteQueryCompiler() : new PostgresQueryCompiler();
    return compiler.compileQuery(node, createQueryId());
  }

  /** How the database would run the query `read` sends, one plan line per row. */
  async function planOf(read: (db: Db) => Promise<unknown>): Promise<string> {
    const query = await queryOf(read);
    if (dialect === 'sqlite') {
      const explain = CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]);
      const result = await db.executeQuery<{ detail: string }>(explain);
      return result.rows.map((row) => row.detail).join('\n');
    }
    return db.transaction().execute(async (trx) => {
      await sql`set local enable_seqscan = off`.execute(trx);
      const explain = CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]);
      const result = await trx.executeQuery<Record<string, string>>(explain);
      return result.rows.map((row) => Object.values(row).join(' ')).join('\n');
    });
  }

  /** The index a plan must name: SQLite names unique constraints and primary keys itself. */
  function indexName(names: { sqlite: string; postgres: string }): string {
    return names[dialect];
  }

  function assertUses(plan: string, index: string): void {
    assert.ok(
      new RegExp(`\\b${index}\\b`).test(plan),
      `expected the plan to use ${index}:\n${plan}`,
    );
    if (dialect === 'sqlite')
      assert.doesNotMatch(plan, /\bSCAN (marks|mark_history|attendance_counters)\b/);
  }

  it('reads the marks of a month grid through the (session, student) unique index', async () => {
    const plan = await planOf((q) => new AttendanceRepo(q).marksOfSessions(sessionIds));
    assertUses(
      plan,
      indexName({ sqlite: 'sqlite_autoindex_marks_1', postgres: 'marks_session_student_key' }),
    );
  });

  it("lists an activity's sessions between two dates through its unique key", async () => {
    const plan = await planOf((q) =>
      new SessionsRepo(q).listForActivity(activityId, { from: '2026-02-01', to: '2026-02-28' }),
    );
    assertUses(
      plan,
      indexName({
        sqlite: 'sqlite_autoindex_sessions_1',
        postgres: 'sessions_activity_day_slot_key',
      }),
    );
  });

  it("lists a month's sessions through sessions_cohort_month_idx", async () => {
    const plan = await planOf((q) =>
      new SessionsRepo(q).listForCohort(cohortId, '2026-03', '2026-03'),
    );
    assertUses(plan, 'sessions_cohort_month_idx');
  });

  it('sums the sheet counters through the primary key of attendance_counters', async () => {
    const plan = await planOf((q) =>
      new AttendanceRepo(q).sumCounters(cohortId, '2026-01', '2026-03'),
    );
    assertUses(
      plan,
      indexName({
        sqlite: 'sqlite_autoindex_attendance_counters_1',
        postgres: 'attendance_counters_pkey',
      }),
    );
  });

  it('reads the marks a whole month recount needs through marks_cohort_month_idx', async () => {
    const plan = await planOf((q) =>
      new AttendanceRepo(q).factsFor({ cohortId, month: '2026-02' }),
    );
    assertUses(plan, 'marks_cohort_month_idx');
  });

  it("reads a student's marks of a month, as a save recounts them, by an index", async () => {
    const plan = await planOf((q) =>
      new AttendanceRepo(q).factsFor({ cohortId, month: '2026-02', studentIds: [studentId] }),
    );
    // Either index fits: (student, month) is the more selective one for a few students.
    const index = /\bmarks_student_idx\b/.test(plan)
      ? 'marks_student_idx'
      : 'marks_cohort_month_idx';
    assertUses(plan, index);
  });

  it("pages a student's history through mark_history_student_idx", async () => {
    const plan = await planOf((q) => new AttendanceRepo(q).historyOfStudent(studentId, 50, 0));
    assertUses(plan, 'mark_history_student_idx');
  });

  it("reads a mark's and a session's history through their own indexes", async () => {
    const markPlan = await planOf((q) => new AttendanceRepo(q).historyOfMark(1));
    assertUses(markPlan, 'mark_history_mark_idx');
    const sessionId = sessionIds[0] ?? 0;
    const sessionPlan = await planOf((q) => new AttendanceRepo(q).historyOfSession(sessionId));
    assertUses(sessionPlan, 'mark_history_session_idx');
  });
});
