import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, requireRole } from '../auth/actor.ts';
import { assertCohortVisible } from '../cohorts/cohort-scope.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db, Queryable } from '../platform/db/database.ts';
import type { Activity, Mark, MarkSource, NewSession, Session } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import { blankToNull } from '../platform/text.ts';
import type { SessionView } from '../sessions/sessions.schemas.ts';
import { ATTENDANCE_ROLES, toSessionView } from '../sessions/sessions.service.ts';
import { SessionsRepo } from '../sessions/sessions.repo.ts';
import { invalidateCohortSheets } from '../sheets/sheet-cache.ts';
import { AttendanceRepo } from './attendance.repo.ts';
import type { MarkView, MonthBody, MonthSessionInput } from './attendance.schemas.ts';
import type { AttendanceService } from './attendance.service.ts';
import { assertDistinctStudents, throwIfRefused, toMarkView } from './attendance.service.ts';
import { monthRange } from './calendar.ts';
import { enrollmentCovers, isExpected } from './statistics.ts';

export interface GridStudent {
  readonly studentId: number;
  readonly fullName: string;
  readonly initiaticNumber: string;
  readonly situation: string;
  readonly enrolledOn: string;
  readonly endedOn: string | null;
}

export interface MonthGrid {
  readonly cohortId: number;
  readonly month: string;
  readonly activities: {
    id: number;
    name: string;
    kind: string;
    mode: string;
    position: number;
    isArchived: boolean;
  }[];
  readonly sessions: SessionView[];
  readonly students: GridStudent[];
  readonly marks: MarkView[];
  /** Expected cells (session × student) still without P, F or J. */
  readonly pending: { sessionId: number; studentId: number }[];
}

/**
 * A cohort's month at once: the attendance grid, and saving its sessions and
 * marks in one idempotent, all-or-nothing request.
 */
export class MonthAttendanceService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly marks: AttendanceService,
  ) {}

  async read(actor: Actor, cohortId: number, month: string): Promise<MonthGrid> {
    requireRole(actor, ALL_ROLES, 'read attendance');
    await assertCohortVisible(this.db, actor, cohortId);
    return this.grid(this.db, cohortId, month);
  }

  /**
   * Creates the listed sessions that do not exist yet (matched by id, or by
   * activity, date and slot), then saves their marks. Sending the same
   * request twice changes nothing the second time. `source` is what the
   * history records as the origin of the changes (the import says `import`).
   */
  async save(
    actor: Actor,
    cohortId: number,
    month: string,
    body: MonthBody,
    source: MarkSource = 'month',
  ): Promise<MonthGrid & { changed: number; createdSessions: number }> {
    requireRole(actor, ATTENDANCE_ROLES, 'record attendance');
    const range = monthRange(month);
    checkSessionInputs(body.sessions, range);
    for (const [index, input] of body.sessions.entries()) {
      assertDistinctStudents(input.marks, `sessions[${index}]`, `sessions[${index}].marks`);
    }

    return this.db.transaction().execute(async (trx) => {
      await assertCohortVisible(trx, actor, cohortId);
      const activities = await this.loadActivities(trx, cohortId);
      await new AttendanceRepo(trx).lockCohort(cohortId);
      const resolved = await this.resolveSessions(trx, cohortId, month, body.sessions, activities);
      assertDistinctSessions(resolved.sessions.map((entry) => entry.session));

      // Every session and its marks are read in a few queries, not a few per session.
      const contexts = await this.marks.loadSessions(
        trx,
        actor,
        resolved.sessions.map(({ session }) => session.id),
      );
      const entries = resolved.sessions.map(({ input }, index) => {
        const context = contexts[index];
        if (!context) throw new Error(`session of sessions[${index}] was not loaded`);
        return { context, inputs: input.marks };
      });
      const planned = await this.marks.planSessions(trx, entries);
      const plans = entries.map(({ context }, index) => {
        const plan = planned[index];
        if (!plan) throw new Error(`sessions[${index}] was not planned`);
        return { context, plan };
      });
      throwIfRefused(plans.map((entry) => entry.plan));
      const stored = await this.marks.write(trx, actor, plans, source);
      // Marks written above moved the cached sheets on already; new sessions alone must too.
      if (resolved.created > 0) await invalidateCohortSheets(trx, [cohortId]);

      // The marks of the saved sessions are known already: only the others are read back.
      const known = new Map<number, Map<number, Mark>>();
      for (const { context, plan } of plans) {
        known.set(context.session.id, new Map(plan.previous));
      }
      for (const mark of stored) known.get(mark.sessionId)?.set(mark.studentId, mark);
      const grid = await this.grid(trx, cohortId, month, known);
      return { ...grid, changed: stored.length, createdSessions: resolved.created };
    });
  }

  private async loadActivities(db: Queryable, cohortId: number): Promise<Map<number, Activity>> {
    const repo = new AttendanceRepo(db);
    const cohort = await repo.findCohort(cohortId);
    if (!cohort) throw new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${cohortId}`);
    if (cohort.archivedAt !== null) {
      throw new AppError('OMAUM_COHORT_ARCHIVED', `The cohort "${cohort.name}" is archived`);
    }
    return new Map((await repo.activitiesOf(cohortId)).map((a) => [a.id, a]));
  }

  private async resolveSessions(
    db: Queryable,
    cohortId: number,
    month: string,
    inputs: readonly MonthSessionInput[],
    activities: Map<number, Activity>,
  ) {
    const repo = new SessionsRepo(db);
    const existing = await repo.listForCohort(cohortId, month, month);
    const byId = new Map(existing.map((s) => [s.id, s]));
    const byKey = new Map(existing.map((s) => [sessionKey(s.activityId, s.heldOn, s.slot), s]));
    const now = this.clock.now().toISOString();
    const toCreate: { index: number; row: NewSession }[] = [];
    const found: (Session | null)[] = [];

    for (const [index, input] of inputs.entries()) {
      const activity = activities.get(input.activityId);
      if (!activity) {
        throw new AppError(
          'OMAUM_ACTIVITY_NOT_FOUND',
          `sessions[${index}]: activity ${input.activityId} ` +
            `is not an activity of cohort ${cohortId}`,
        );
      }
      const session = this.matchSession(input, index, byId, byKey);
      found.push(session);
      if (session) {
        await this.applySessionChanges(db, session, input, now);
        continue;
      }
      if (activity.archivedAt !== null || !activity.isActive) {
        throw new AppError(
          'OMAUM_SESSION_NOT_ALLOWED',
          `Activity "${activity.name}" is archived or inactive`,
        );
      }
      toCreate.push({ index, row: newSessionRow(cohortId, input, now) });
    }

    const created = await repo.insertMany(toCreate.map((entry) => entry.row));
    created.forEach((session, i) => {
      const entry = toCreate[i];
      if (entry) found[entry.index] = session;
    });
    const sessions = inputs.map((input, index) => {
      const session = found[index];
      if (!session) throw new Error(`session of sessions[${index}] was not resolved`);
      return { session, input };
    });
    return { sessions, created: created.length };
  }

  private matchSession(
    input: MonthSessionInput,
    index: number,
    byId: Map<number, Session>,
    byKey: Map<string, Session>,
  ): Session | null {
    if (input.id === undefined) {
      return byKey.get(sessionKey(input.activityId, input.date, input.slot ?? 1)) ?? null;
    }
    const session = byId.get(input.id);
    if (!session || session.activityId !== input.activityId) {
      throw new AppError(
        'OMAUM_SESSION_NOT_FOUND',
        `sessions[${index}]: session ${input.id} is not a session ` +
          `of activity ${input.activityId} in this month`,
      );
    }
    if (session.heldOn !== input.date) {
      throw invalidFields([
        {
          field: `sessions[${index}].date`,
          message: `session ${input.id} is on ${session.heldOn}`,
        },
      ]);
    }
    return session;
  }

  private async applySessionChanges(
    db: Queryable,
    session: Session,
    input: MonthSessionInput,
    now: string,
  ): Promise<void> {
    const time = input.time === undefined ? session.time : input.time;
    const subject = input.subject === undefined ? session.subject : blankToNull(input.subject);
    const isExtra = input.extra ?? session.isExtra;
    if (time === session.time && subject === session.subject && isExtra === session.isExtra) {
      return;
    }
    const repo = new SessionsRepo(db);
    if (isExtra !== session.isExtra && (await repo.countMarks(session.id)) > 0) {
      throw new AppError(
        'OMAUM_SESSION_HAS_MARKS',
        `Session ${session.id} has marks: its extra flag cannot change`,
      );
    }
    await repo.update(session.id, { time, subject, isExtra, updatedAt: now });
  }

  private async grid(
    db: Queryable,
    cohortId: number,
    month: string,
    known: ReadonlyMap<number, ReadonlyMap<number, Mark>> = new Map(),
  ): Promise<MonthGrid> {
    const repo = new AttendanceRepo(db);
    const range = monthRange(month);
    const activities = await repo.activitiesOf(cohortId);
    const sessions = await new SessionsRepo(db).listForCohort(cohortId, month, month);
    const roster = await repo.rosterOf(cohortId, range.first, range.last);
    const unknown = sessions.filter((s) => !known.has(s.id)).map((s) => s.id);
    const marks = [
      ...[...known.values()].flatMap((bySession) => [...bySession.values()]),
      ...(await repo.marksOfSessions(unknown)),
    ].sort((a, b) => a.sessionId - b.sessionId || a.studentId - b.studentId);

    return {
      cohortId,
      month,
      activities: activities.map((a) => ({
        id: a.id,
        name: a.name,
        kind: a.kind,
        mode: a.mode,
        position: a.position,
        isArchived: a.archivedAt !== null,
      })),
      sessions: sessions.map(toSessionView),
      students: roster.map((r) => ({
        studentId: r.studentId,
        fullName: r.fullName,
        initiaticNumber: r.initiaticNumber,
        situation: r.situation,
        enrolledOn: r.enrolledOn,
        endedOn: r.endedOn,
      })),
      marks: marks.map(toMarkView),
      pending: pendingCells(sessions, roster, marks, new Map(activities.map((a) => [a.id, a]))),
    };
  }
}

function pendingCells(
  sessions: readonly Session[],
  roster: readonly { studentId: number; enrolledOn: string; endedOn: string | null }[],
  marks: readonly Mark[],
  activities: Map<number, Activity>,
): { sessionId: number; studentId: number }[] {
  const markOf = new Map(marks.map((m) => [`${m.sessionId}:${m.studentId}`, m]));
  const cells: { sessionId: number; studentId: number }[] = [];
  for (const session of sessions) {
    const mode = activities.get(session.activityId)?.mode ?? 'mandatory';
    for (const student of roster) {
      const mark = markOf.get(`${session.id}:${student.studentId}`);
      const facts = {
        isExtra: session.isExtra,
        mode,
        isEnrolledOnDate: enrollmentCovers(student, session.heldOn),
        isSummoned: mark?.isSummoned ?? false,
      };
      const isAnswered = mark?.status === 'P' || mark?.status === 'F' || mark?.status === 'J';
      if (isExpected(facts) && !isAnswered) {
        cells.push({ sessionId: session.id, studentId: student.studentId });
      }
    }
  }
  return cells;
}

function sessionKey(activityId: number, date: string, slot: number): string {
  return `${activityId}:${date}:${slot}`;
}

function newSessionRow(cohortId: number, input: MonthSessionInput, now: string): NewSession {
  return {
    activityId: input.activityId,
    cohortId,
    heldOn: input.date,
    month: input.date.slice(0, 7),
    slot: input.slot ?? 1,
    time: input.time ?? null,
    subject: blankToNull(input.subject),
    isExtra: input.extra ?? false,
    createdAt: now,
    updatedAt: now,
  };
}

function checkSessionInputs(
  inputs: readonly MonthSessionInput[],
  range: { first: string; last: string },
): void {
  const problems = inputs.flatMap((input, index) =>
    input.date < range.first || input.date > range.last
      ? [
          {
            field: `sessions[${index}].date`,
            message: `must be within ${range.first}..${range.last}`,
          },
        ]
      : [],
  );
  // Sessions named by id are checked once resolved (assertDistinctSessions):
  // their slot is the stored one, not the schema's default.
  const keys = new Set<string>();
  for (const [index, input] of inputs.entries()) {
    if (input.id !== undefined) continue;
    const key = sessionKey(input.activityId, input.date, input.slot ?? 1);
    if (keys.has(key)) {
      problems.push({ field: `sessions[${index}]`, message: 'lists the same session twice' });
    }
    keys.add(key);
  }
  if (problems.length > 0) throw invalidFields(problems);
}

/** Refuses (400) a request that names one session twice, by id or by date and slot. */
function assertDistinctSessions(sessions: readonly Session[]): void {
  const seen = new Map<number, number>();
  for (const [index, session] of sessions.entries()) {
    const earlier = seen.get(session.id);
    if (earlier !== undefined) {
      throw invalidFields([
        { field: `sessions[${index}]`, message: `is the same session as sessions[${earlier}]` },
      ]);
    }
    seen.set(session.id, index);
  }
}
