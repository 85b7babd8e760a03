import type { MarkFactRow } from '../src/attendance/attendance.repo.ts';
import type { MonthBody } from '../src/attendance/attendance.schemas.ts';
import { monthsBetween } from '../src/attendance/calendar.ts';
import { countersFromFacts, rebuildCounters } from '../src/attendance/counters.ts';
import type { Db } from '../src/platform/db/database.ts';
import type { ActivityKind, ActivityMode, MarkStatus } from '../src/platform/db/tables.ts';
import { yieldToEventLoop } from './measure.ts';
import type { BenchTarget, CounterInsert, MarkRow } from './target.ts';

export const STUDENTS_PER_COHORT = 40;
export const SESSIONS_PER_MONTH = 20;
/** The year of history every generated cohort has, and the period the sheet reads. */
export const HISTORY_FROM = '2025-01';
export const HISTORY_TO = '2025-12';
/** The month the save figures write (in the past, so P/F/J are accepted). */
export const SAVE_MONTH = '2026-06';

const HISTORY_MONTHS = monthsBetween(HISTORY_FROM, HISTORY_TO);
export const MARKS_PER_COHORT = STUDENTS_PER_COHORT * SESSIONS_PER_MONTH * HISTORY_MONTHS.length;

const ENROLLED_ON = '2024-12-01';
const STAMP = '2025-01-01T12:00:00.000Z';

/** A cohort's activities: two mandatory ones and a convocation one, as schools run them. */
const ACTIVITIES: readonly { name: string; kind: ActivityKind; mode: ActivityMode }[] = [
  { name: 'Aulas', kind: 'lesson', mode: 'mandatory' },
  { name: 'Plenilúnios', kind: 'full_moon', mode: 'mandatory' },
  { name: 'Limpeza', kind: 'cleaning', mode: 'convocation' },
];

/**
 * The 20 sessions of a month: 12 lessons (the last one extra), 2 full-moon
 * sessions and 6 cleaning sessions.
 */
const MONTH_PLAN: readonly { activity: number; day: number; isExtra: boolean }[] = [
  ...Array.from({ length: 12 }, (_, i) => ({ activity: 0, day: i + 1, isExtra: i === 11 })),
  { activity: 1, day: 14, isExtra: false },
  { activity: 1, day: 15, isExtra: false },
  ...Array.from({ length: 6 }, (_, i) => ({ activity: 2, day: 16 + i, isExtra: false })),
];

export interface ActivitySeed {
  readonly id: number;
  readonly mode: ActivityMode;
}

export interface SessionSeed {
  readonly id: number;
  readonly activityId: number;
  readonly heldOn: string;
  readonly month: string;
  readonly isExtra: boolean;
}

export interface CohortSeed {
  readonly id: number;
  readonly activities: ActivitySeed[];
  readonly studentIds: number[];
}

/** The cohort and month the save figures write, and what they write. */
export interface SaveCase {
  readonly cohortId: number;
  readonly month: string;
  readonly sessions: SessionSeed[];
  /** The request body: every session with all 40 students' marks. */
  readonly body: MonthBody;
  /** The same marks as stored rows, for the raw baseline. */
  readonly rows: MarkRow[];
}

interface Generated {
  readonly status: MarkStatus | null;
  readonly isSummoned: boolean;
  readonly justification: string | null;
}

/** Small deterministic PRNG (mulberry32): the same data on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A mark the attendance rules accept for the session (rule 1 and 2 of product.md). */
function generateMark(next: () => number, mode: ActivityMode, isExtra: boolean): Generated {
  const roll = next();
  if (isExtra) return { status: roll < 0.5 ? 'V1' : 'V2', isSummoned: false, justification: null };
  if (mode === 'convocation' && next() >= 0.4) {
    return { status: roll < 0.3 ? 'V1' : 'V2', isSummoned: false, justification: null };
  }
  const isSummoned = mode === 'convocation';
  if (roll < 0.8) return { status: 'P', isSummoned, justification: null };
  if (roll < 0.92) return { status: 'F', isSummoned, justification: null };
  if (roll < 0.98 || !isSummoned) return { status: 'J', isSummoned, justification: 'Atestado' };
  // Summoned and not marked yet: pending.
  return { status: null, isSummoned, justification: null };
}

const FIRST_NAMES = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elisa', 'Fábio', 'Gabriela', 'Heitor'];
const LAST_NAMES = ['Silva', 'Souza', 'Oliveira', 'Santos', 'Lima', 'Pereira', 'Costa', 'Alves'];

/** Rows straight into the tables: the application's Kysely for the small ones, raw for marks. */
export class Dataset {
  readonly cohorts: CohortSeed[] = [];
  readonly counts = { cohorts: 0, students: 0, sessions: 0, marks: 0, counters: 0 };
  private courseId = 0;
  private staffIds: number[] = [];
  private studentSerial = 0;

  constructor(
    private readonly target: BenchTarget,
    /** recordedBy of generated marks (the bench user). */
    private readonly userId: number,
  ) {}

  private get db(): Db {
    return this.target.database.db;
  }

  private async ensureBase(): Promise<void> {
    if (this.courseId !== 0) return;
    const course = await this.db
      .insertInto('courses')
      .values({
        name: 'Curso Bench',
        description: null,
        isActive: true,
        createdAt: STAMP,
        updatedAt: STAMP,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.courseId = course.id;
    this.staffIds = await this.insertStudents(6, 'Instrutor');
  }

  private async insertStudents(count: number, prefix: string): Promise<number[]> {
    const rows = Array.from({ length: count }, () => {
      this.studentSerial += 1;
      const n = this.studentSerial;
      const first = FIRST_NAMES[n % FIRST_NAMES.length] ?? 'Ana';
      const last = LAST_NAMES[Math.floor(n / FIRST_NAMES.length) % LAST_NAMES.length] ?? 'Silva';
      const fullName = `${prefix === 'Aluno' ? '' : `${prefix} `}${first} ${last} ${n}`;
      return {
        fullName,
        searchText: fullName.toLowerCase(),
        cpf: String(10_000_000_000 + n * 7),
        initiaticNumber: `B${n}`,
        situation: 'active' as const,
        createdAt: STAMP,
        updatedAt: STAMP,
      };
    });
    const inserted = await this.db.insertInto('students').values(rows).returning('id').execute();
    this.counts.students += count;
    return inserted.map((row) => row.id);
  }

  /** A cohort with its activities, 40 enrolled students and no sessions yet. */
  private async insertCohort(name: string): Promise<CohortSeed> {
    await this.ensureBase();
    const serial = this.counts.cohorts;
    const cohort = await this.db
      .insertInto('cohorts')
      .values({
        courseId: this.courseId,
        name,
        bookNumber: String(serial + 1),
        capacity: STUDENTS_PER_COHORT,
        status: 'active',
        minAttendancePct: 70,
        maxShortfallsToClear: 1,
        weekday: 'mon',
        time: '20:00',
        place: 'Templo',
        instructorId: this.staffIds[serial % this.staffIds.length] ?? null,
        assistantInstructorId: this.staffIds[(serial + 1) % this.staffIds.length] ?? null,
        createdAt: STAMP,
        updatedAt: STAMP,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const activities = await this.db
      .insertInto('activities')
      .values(
        ACTIVITIES.map((activity, index) => ({
          cohortId: cohort.id,
          ...activity,
          position: index + 1,
          isActive: true,
          isDefault: index < 2,
          createdAt: STAMP,
          updatedAt: STAMP,
        })),
      )
      .returning(['id', 'mode'])
      .execute();
    const studentIds = await this.insertStudents(STUDENTS_PER_COHORT, 'Aluno');
    await this.db
      .insertInto('enrollments')
      .values(
        studentIds.map((studentId) => ({
          studentId,
          cohortId: cohort.id,
          enrolledOn: ENROLLED_ON,
          status: 'active' as const,
          createdAt: STAMP,
          updatedAt: STAMP,
        })),
      )
      .execute();
    this.counts.cohorts += 1;
    return { id: cohort.id, activities, studentIds };
  }

  private async insertSessions(
    cohort: CohortSeed,
    months: readonly string[],
  ): Promise<SessionSeed[]> {
    const rows = months.flatMap((month) =>
      MONTH_PLAN.map((plan) => {
        const activity = cohort.activities[plan.activity];
        if (!activity) throw new Error(`cohort ${cohort.id} has no activity #${plan.activity}`);
        return {
          activityId: activity.id,
          cohortId: cohort.id,
          heldOn: `${month}-${String(plan.day).padStart(2, '0')}`,
          month,
          slot: 1,
          time: '20:00',
          subject: null,
          isExtra: plan.isExtra,
          createdAt: STAMP,
          updatedAt: STAMP,
        };
      }),
    );
    const sessions: SessionSeed[] = [];
    for (let start = 0; start < rows.length; start += 500) {
      sessions.push(
        ...(await this.db
          .insertInto('sessions')
          .values(rows.slice(start, start + 500))
          .returning(['id', 'activityId', 'heldOn', 'month', 'isExtra'])
          .execute()),
      );
    }
    this.counts.sessions += sessions.length;
    return sessions;
  }

  /** Marks of every session for every student of the cohort, as the rules allow them. */
  private marksOf(cohort: CohortSeed, sessions: readonly SessionSeed[], seed: number, at: string) {
    const next = random(seed);
    const modes = new Map(cohort.activities.map((a) => [a.id, a.mode]));
    const rows: MarkRow[] = [];
    for (const session of sessions) {
      const mode = modes.get(session.activityId) ?? 'mandatory';
      for (const studentId of cohort.studentIds) {
        const mark = generateMark(next, mode, session.isExtra);
        rows.push({
          sessionId: session.id,
          studentId,
          cohortId: cohort.id,
          activityId: session.activityId,
          month: session.month,
          ...mark,
          recordedBy: this.userId,
          recordedAt: at,
          version: 1,
          createdAt: at,
          updatedAt: at,
        });
      }
    }
    return rows;
  }

  /** Counters of the marks, computed by the application's own counting code. */
  private countersOf(
    cohort: CohortSeed,
    sessions: readonly SessionSeed[],
    marks: readonly MarkRow[],
  ): CounterInsert[] {
    const sessionsById = new Map(sessions.map((s) => [s.id, s]));
    const modes = new Map(cohort.activities.map((a) => [a.id, a.mode]));
    const byMonth = new Map<string, MarkFactRow[]>();
    for (const mark of marks) {
      const session = sessionsById.get(mark.sessionId);
      if (!session) throw new Error(`mark of unknown session ${mark.sessionId}`);
      const facts = byMonth.get(mark.month) ?? [];
      facts.push({
        studentId: mark.studentId,
        activityId: mark.activityId,
        status: mark.status,
        isSummoned: mark.isSummoned,
        isExtra: session.isExtra,
        heldOn: session.heldOn,
        mode: modes.get(mark.activityId) ?? 'mandatory',
        enrolledOn: ENROLLED_ON,
        endedOn: null,
      });
      byMonth.set(mark.month, facts);
    }
    return [...byMonth].flatMap(([month, facts]) =>
      countersFromFacts({ cohortId: cohort.id, month }, facts).map((row) => ({
        ...row,
        updatedAt: STAMP,
      })),
    );
  }

  /** Adds cohorts, each with a year of sessions, marks and counters, until there are `total`. */
  async growTo(total: number, progress: (message: string) => void): Promise<void> {
    const first = this.cohorts.length;
    for (let index = first; index < total; index++) {
      await yieldToEventLoop();
      const cohort = await this.insertCohort(`Turma Bench ${index + 1}`);
      const sessions = await this.insertSessions(cohort, HISTORY_MONTHS);
      const marks = this.marksOf(cohort, sessions, index + 1, STAMP);
      await this.target.raw.insertMarks(marks);
      const counters = this.countersOf(cohort, sessions, marks);
      await this.target.raw.insertCounters(counters);
      this.counts.marks += marks.length;
      this.counts.counters += counters.length;
      this.cohorts.push(cohort);
      if ((index + 1) % 20 === 0 || index + 1 === total) {
        progress(
          `  ${index + 1}/${total} cohorts, ${this.counts.marks.toLocaleString('en')} marks`,
        );
      }
    }
    await this.target.raw.settle();
  }

  /**
   * Checks the generated counters against the application's own rebuild for
   * one cohort: a rebuild must change nothing.
   */
  async verifyCounters(cohortId: number): Promise<void> {
    const read = () =>
      this.db
        .selectFrom('attendanceCounters')
        .select([
          'activityId',
          'studentId',
          'month',
          'expected',
          'present',
          'absent',
          'excused',
          'volunteerExtra',
          'volunteerSimple',
          'summonedUnmarked',
        ])
        .where('cohortId', '=', cohortId)
        .orderBy('month')
        .orderBy('activityId')
        .orderBy('studentId')
        .execute();
    const before = JSON.stringify(await read());
    await rebuildCounters(this.db, { cohortId }, STAMP);
    const after = JSON.stringify(await read());
    if (before !== after) {
      throw new Error(`generated counters of cohort ${cohortId} differ from rebuildCounters`);
    }
  }

  /** A separate cohort whose SAVE_MONTH sessions exist without marks. */
  async saveCase(at: string): Promise<SaveCase> {
    const cohort = await this.insertCohort('Turma Bench Gravação');
    const sessions = await this.insertSessions(cohort, [SAVE_MONTH]);
    const rows = this.marksOf(cohort, sessions, 424242, at);
    const body: MonthBody = {
      sessions: sessions.map((session) => ({
        id: session.id,
        activityId: session.activityId,
        date: session.heldOn,
        marks: rows
          .filter((row) => row.sessionId === session.id)
          .map((row) => ({
            studentId: row.studentId,
            status: row.status,
            summoned: row.isSummoned,
            justification: row.justification,
          })),
      })),
    };
    return { cohortId: cohort.id, month: SAVE_MONTH, sessions, body, rows };
  }

  /** Removes what a save wrote (marks, their history, the month's counters). */
  async clearSave(save: SaveCase): Promise<void> {
    const sessionIds = save.sessions.map((s) => s.id);
    await this.db.deleteFrom('markHistory').where('sessionId', 'in', sessionIds).execute();
    await this.db.deleteFrom('marks').where('sessionId', 'in', sessionIds).execute();
    await this.db
      .deleteFrom('attendanceCounters')
      .where('cohortId', '=', save.cohortId)
      .where('month', '=', save.month)
      .execute();
  }

  async countMarks(): Promise<number> {
    const row = await this.db
      .selectFrom('marks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }
}
