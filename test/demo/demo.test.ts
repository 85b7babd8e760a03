import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { monthsBetween } from '../../src/attendance/calendar.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { loadConfig } from '../../src/config/config.ts';
import { DemoNotEmptyError, loadDemoInstitution } from '../../src/demo/demo-loader.ts';
import type { DemoSummary } from '../../src/demo/demo-loader.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Db, Dialect } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { createServices } from '../../src/services.ts';
import type { Services } from '../../src/services.ts';
import { isValidCpf } from '../../src/students/cpf.ts';
import { CliSandbox } from '../cli/cli-harness.ts';
import type { TestDatabase } from '../support/databases.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';
import { attendanceOf } from '../support/sheet-attendance.ts';

/** Mid-afternoon of 3 December 2026 in São Paulo: attendance runs from 2025-12 to 2026-11. */
const clock: Clock = { now: () => new Date('2026-12-03T15:00:00.000Z') };
const TIME_ZONE = 'America/Sao_Paulo';
const FROM = '2025-12';
const TO = '2026-11';
const TABLES = [
  'courses',
  'cohorts',
  'students',
  'enrollments',
  'activities',
  'sessions',
  'marks',
  'markHistory',
  'attendanceCounters',
] as const;

function servicesOn(testDb: TestDatabase): Services {
  return createServices({
    config: loadConfig({ OMAUM_DATA_DIR: '/tmp/omaum-test-data' }, { useDotenv: false }),
    database: testDb.database,
    clock,
    logger: createLogger({ level: 'silent' }),
  });
}

async function load(dialect: Dialect) {
  const testDb = await createTestDatabase(dialect);
  const services = servicesOn(testDb);
  const summary = await loadDemoInstitution(services, { clock, timeZone: TIME_ZONE });
  return { testDb, services, summary };
}

async function countRows(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    counts[table] = row.count;
  }
  return counts;
}

const ALL = { limit: 500, offset: 0 };

async function enrolledEver(db: Db, cohortId: number): Promise<number> {
  const row = await db
    .selectFrom('enrollments')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('cohortId', '=', cohortId)
    .executeTakeFirstOrThrow();
  return row.count;
}

describeEachDatabase('The demo institution', (dialect) => {
  let testDb: TestDatabase;
  let services: Services;
  let summary: DemoSummary;

  before(async () => {
    ({ testDb, services, summary } = await load(dialect));
  });
  after(() => testDb.destroy());

  it('has two courses, four active cohorts and about sixty students', async () => {
    const courses = await services.courses.list(SYSTEM_ACTOR, {}, ALL);
    assert.deepEqual(courses.items.map((c) => c.name).sort(), [
      '1º Grau – Aprendizes',
      '2º Grau – Companheiros',
    ]);
    const cohorts = await services.cohorts.list(SYSTEM_ACTOR, {}, ALL);
    assert.equal(cohorts.total, 4);
    const students = await services.students.list(SYSTEM_ACTOR, {}, ALL);
    assert.ok(students.total >= 55 && students.total <= 65, `${students.total} students`);

    assert.deepEqual(
      { courses: summary.courses, cohorts: summary.cohorts, students: summary.students },
      { courses: 2, cohorts: 4, students: students.total },
    );
    assert.deepEqual(summary.period, { from: FROM, to: TO });
    assert.ok(summary.enrollments >= 40, `${summary.enrollments} enrollments`);
  });

  it('gives every cohort three distinct staff members, its place, weekday and thresholds', async () => {
    const cohorts = await services.cohorts.list(SYSTEM_ACTOR, {}, ALL);
    const staff = cohorts.items.flatMap((c) => [c.instructorId, c.assistantInstructorId, c.aideId]);
    assert.ok(staff.every((id) => id !== null));
    assert.equal(new Set(staff).size, staff.length, 'nobody holds two roles');
    for (const cohort of cohorts.items) {
      assert.equal(cohort.status, 'active');
      assert.ok(cohort.place && cohort.weekday && cohort.time && cohort.bookNumber, cohort.name);
      assert.match(cohort.initiationDate ?? '', /^202[56]-/);
      assert.match(cohort.firstLessonDate ?? '', /^202[56]-/);
    }
    const thresholds = new Set(
      cohorts.items.map((c) => `${c.minAttendancePct}/${c.maxShortfallsToClear}`),
    );
    assert.ok(thresholds.has('70/1'));
    assert.ok(thresholds.size >= 2, 'one cohort has thresholds of its own');
  });

  it('gives every student a valid CPF, a unique e-mail and a unique initiatic number', async () => {
    const { items } = await services.students.list(SYSTEM_ACTOR, {}, ALL);
    for (const student of items) {
      assert.ok(isValidCpf(student.cpf), `${student.fullName}: ${student.cpf}`);
      assert.match(student.email ?? '', /^[a-z0-9.]+@exemplo\.(com|net|org)\.br$/);
      assert.match(student.phone ?? '', /^\(\d{2}\) 9\d{4}-\d{4}$/);
      assert.ok(student.birthDate !== null && student.birthDate < '2010-01-01');
    }
    const unique = (values: readonly unknown[]) => new Set(values).size === values.length;
    assert.ok(unique(items.map((s) => s.cpf)), 'CPFs are unique');
    assert.ok(unique(items.map((s) => s.email)), 'e-mails are unique');
    assert.ok(unique(items.map((s) => s.initiaticNumber)), 'initiatic numbers are unique');
    assert.ok(
      items.some((s) => /[áâãàçéêíóôõú]/i.test(s.fullName)),
      'names carry accents',
    );

    const situations = items.map((s) => s.situation);
    const active = situations.filter((s) => s === 'active').length;
    assert.ok(active > items.length * 0.85, `${active} of ${items.length} active`);
    assert.ok(situations.includes('on_leave'));
    assert.ok(situations.includes('disconnected'));
  });

  it('gives every cohort its default activities and one convocation duty', async () => {
    const cohorts = await services.cohorts.list(SYSTEM_ACTOR, {}, ALL);
    for (const cohort of cohorts.items) {
      const { items } = await services.activities.list(SYSTEM_ACTOR, cohort.id, {}, ALL);
      assert.deepEqual(
        items.map((a) => [a.kind, a.mode]),
        [
          ['lesson', 'mandatory'],
          ['full_moon', 'mandatory'],
          [items[2]?.kind, 'convocation'],
        ],
        cohort.name,
      );
      assert.ok(['cleaning', 'service'].includes(items[2]?.kind ?? ''));
    }
  });

  it('has sessions in each month of the year before today, from each cohort’s start', async () => {
    const db = testDb.database.db;
    const cohorts = await services.cohorts.list(SYSTEM_ACTOR, {}, ALL);
    const rows = await db
      .selectFrom('sessions')
      .select(['cohortId', 'month'])
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .groupBy(['cohortId', 'month'])
      .execute();
    for (const cohort of cohorts.items) {
      const start = (cohort.initiationDate ?? '').slice(0, 7);
      const months = rows.filter((r) => r.cohortId === cohort.id).map((r) => r.month);
      const expected = [
        '2025-12',
        '2026-01',
        '2026-02',
        '2026-03',
        '2026-04',
        '2026-05',
        '2026-06',
        '2026-07',
        '2026-08',
        '2026-09',
        '2026-10',
        '2026-11',
      ].filter((month) => month >= start);
      assert.deepEqual(months.sort(), expected, cohort.name);
    }
    const total = rows.reduce((sum, r) => sum + r.count, 0);
    assert.equal(total, summary.sessions);

    const latest = await db
      .selectFrom('sessions')
      .select((eb) => eb.fn.max('heldOn').as('last'))
      .executeTakeFirstOrThrow();
    assert.ok((latest.last ?? '') <= '2026-11-30', 'nothing after the last complete month');
  });

  it('records every kind of mark, with history and counters for each', async () => {
    const db = testDb.database.db;
    const counts = await countRows(db);
    assert.equal(counts.marks, summary.marks);
    assert.equal(counts.markHistory, summary.marks, 'one history entry per mark');
    assert.ok((counts.attendanceCounters ?? 0) > 0);

    const statuses = await db
      .selectFrom('marks')
      .select('status')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .groupBy('status')
      .execute();
    const byStatus = new Map(statuses.map((row) => [row.status, row.count]));
    for (const status of ['P', 'F', 'J', 'V1', 'V2'] as const) {
      assert.ok((byStatus.get(status) ?? 0) > 0, `some ${status} marks`);
    }
    assert.ok((byStatus.get('P') ?? 0) > summary.marks * 0.7, 'mostly present');

    const unjustified = await db
      .selectFrom('marks')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', '=', 'J')
      .where('justification', 'is', null)
      .executeTakeFirstOrThrow();
    assert.equal(unjustified.count, 0, 'every J has a justification');

    const summoned = await db
      .selectFrom('marks')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('isSummoned', '=', true)
      .executeTakeFirstOrThrow();
    assert.ok(summoned.count > 0, 'students were summoned');
  });

  it('gives sheets for the year where most students are cleared and some are not', async () => {
    const cohorts = await services.cohorts.list(SYSTEM_ACTOR, {}, ALL);
    let cleared = 0;
    let notCleared = 0;
    for (const cohort of cohorts.items) {
      const sheet = await services.sheets.sheet(SYSTEM_ACTOR, cohort.id, FROM, TO);
      const counted = sheet.rows.filter((row) => row.situation !== 'disconnected');
      const pending = sheet.rows.flatMap((row) => row.activities).filter((c) => c.pending > 0);
      assert.equal(pending.length, 0, `${cohort.name}: no expected session left unmarked`);
      assert.ok(
        sheet.activities.every((activity) => activity.sessions > 0),
        `${cohort.name}: every activity has sessions`,
      );
      const clearedHere = counted.filter((row) => row.cleared).length;
      assert.ok(clearedHere > counted.length / 2, `${cohort.name}: most are cleared`);
      cleared += clearedHere;
      notCleared += counted.length - clearedHere;
    }
    assert.ok(notCleared >= 1, 'someone has shortfalls to follow up');
    assert.ok(cleared > 3 * notCleared, `${cleared} cleared, ${notCleared} not`);
  });

  it("charts on the home page, for every cohort and month, the attendance of that month's sheet", async () => {
    const cohorts = await services.cohorts.list(SYSTEM_ACTOR, {}, ALL);
    const ids = cohorts.items.map((cohort) => cohort.id);
    const months = monthsBetween(FROM, TO);
    const charted = await services.sheets.monthlyAttendance(SYSTEM_ACTOR, ids, months);
    let withEndedEnrollments = 0;
    for (const id of ids) {
      const fromSheets: (number | null)[] = [];
      for (const month of months) {
        const sheet = await services.sheets.sheet(SYSTEM_ACTOR, id, month);
        fromSheets.push(attendanceOf(sheet));
        if (sheet.rows.length < (await enrolledEver(testDb.database.db, id))) {
          withEndedEnrollments++;
        }
      }
      assert.deepEqual(charted.get(id), fromSheets, `cohort ${id}`);
      assert.ok(fromSheets.some((pct) => pct !== null));
    }
    // Months whose sheet leaves out a student enrolled in another month are compared too.
    assert.ok(withEndedEnrollments > 0);
  });

  it('refuses a second run and writes nothing', async () => {
    const db = testDb.database.db;
    const before = await countRows(db);
    await assert.rejects(
      loadDemoInstitution(services, { clock, timeZone: TIME_ZONE }),
      (error: unknown) => {
        assert.ok(error instanceof DemoNotEmptyError);
        assert.deepEqual(error.existing, {
          courses: 2,
          cohorts: 4,
          students: summary.students,
        });
        return true;
      },
    );
    assert.deepEqual(await countRows(db), before);
  });
});

describe('The demo institution, loaded twice on fresh databases', () => {
  it('is the same both times (seeded)', async () => {
    const first = await load('sqlite');
    const second = await load('sqlite');
    try {
      assert.deepEqual(first.summary, second.summary);
      const people = async (services: Services) =>
        (await services.students.list(SYSTEM_ACTOR, {}, ALL)).items.map((s) => [
          s.fullName,
          s.cpf,
          s.email,
        ]);
      assert.deepEqual(await people(first.services), await people(second.services));
    } finally {
      await first.testDb.destroy();
      await second.testDb.destroy();
    }
  });
});

describe('omaum demo', () => {
  const sandbox = new CliSandbox();
  after(() => sandbox.close());

  it('asks for migrations first on a database that has none', async () => {
    const fresh = new CliSandbox();
    try {
      const result = await fresh.run(['demo']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /migrate latest/);
    } finally {
      await fresh.close();
    }
  });

  it('fills a fresh data folder (exit 0) and refuses the second time (exit 1)', async () => {
    const migrated = await sandbox.run(['migrate', 'latest']);
    assert.equal(migrated.code, 0, migrated.stderr);

    const first = await sandbox.run(['demo', '--json'], { timeoutMs: 60_000 });
    assert.equal(first.code, 0, first.stderr);
    const printed = JSON.parse(first.stdout) as DemoSummary & {
      admin: { email: string; exists: boolean };
    };
    assert.equal(printed.courses, 2);
    assert.equal(printed.cohorts, 4);
    assert.ok(printed.students >= 55 && printed.marks > 1000);
    assert.deepEqual(printed.admin, { email: 'admin@omaum.local', exists: false });

    const second = await sandbox.run(['demo'], { timeoutMs: 60_000 });
    assert.equal(second.code, 1);
    assert.equal(second.stdout, '');
    assert.match(second.stderr, /not empty/);
    assert.match(second.stderr, /OMAUM_DATA_DIR=\S+ npx omaum migrate latest/);
  });
});
