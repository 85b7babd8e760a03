import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, requireRole } from '../auth/actor.ts';
import { fullMoonDates, parseMonth, suggestLessonDates } from '../attendance/calendar.ts';
import { assertCohortVisible } from '../cohorts/cohort-scope.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db, Queryable } from '../platform/db/database.ts';
import { isUniqueViolation } from '../platform/db/errors.ts';
import type { NewSession, Role, Session } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { blankToNull } from '../platform/text.ts';
import { invalidateCohortSheets } from '../sheets/sheet-cache.ts';
import type { CreateSessionBody, SessionView, UpdateSessionBody } from './sessions.schemas.ts';
import type { SessionRange } from './sessions.repo.ts';
import { SessionsRepo } from './sessions.repo.ts';

export interface SessionSuggestion {
  readonly activityId: number;
  readonly name: string;
  readonly kind: string;
  readonly dates: { date: string; hasSession: boolean }[];
}

/** Who takes attendance: staff, and instructors for the cohorts they teach. */
export const ATTENDANCE_ROLES: readonly Role[] = ['admin', 'secretary', 'instructor'];

export function toSessionView(session: Session): SessionView {
  return {
    id: session.id,
    activityId: session.activityId,
    cohortId: session.cohortId,
    date: session.heldOn,
    slot: session.slot,
    time: session.time,
    subject: session.subject,
    extra: session.isExtra,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
  };
}

/** Sessions of activities ("dias de atividade"): the columns of the attendance grid. */
export class SessionsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly timeZone: string,
  ) {}

  /**
   * Dates to offer when creating a month's sessions: lesson activities on the
   * cohort's weekday (within its first lesson and end dates), full-moon
   * activities on the astronomical full moons of the institution's time zone.
   */
  async suggestions(actor: Actor, cohortId: number, month: string): Promise<SessionSuggestion[]> {
    requireRole(actor, ALL_ROLES, 'read sessions');
    await assertCohortVisible(this.db, actor, cohortId);
    const repo = new SessionsRepo(this.db);
    const cohort = await repo.findCohortCalendar(cohortId);
    if (!cohort) throw new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${cohortId}`);

    const { year, month: monthNumber } = parseMonth(month);
    const existing = await repo.listForCohort(cohortId, month, month);
    const activities = await repo.activeActivitiesOf(cohortId);
    return activities.map((activity) => {
      const taken = new Set(
        existing.filter((s) => s.activityId === activity.id).map((s) => s.heldOn),
      );
      let dates: string[] = [];
      if (activity.kind === 'lesson' && cohort.weekday !== null) {
        dates = suggestLessonDates({
          year,
          month: monthNumber,
          weekday: cohort.weekday,
          from: cohort.firstLessonDate ?? cohort.activitiesStartDate ?? undefined,
          to: cohort.endDate ?? undefined,
        });
      } else if (activity.kind === 'full_moon') {
        dates = fullMoonDates(year, monthNumber, this.timeZone);
      }
      return {
        activityId: activity.id,
        name: activity.name,
        kind: activity.kind,
        dates: dates.map((date) => ({ date, hasSession: taken.has(date) })),
      };
    });
  }

  async create(actor: Actor, activityId: number, input: CreateSessionBody): Promise<SessionView> {
    const [session] = await this.createMany(actor, activityId, [input]);
    if (!session) throw new Error('no session was created');
    return session;
  }

  /**
   * Creates several sessions of one activity at once, all or none. A session
   * without a slot takes the first free slot of its day.
   */
  async createMany(
    actor: Actor,
    activityId: number,
    inputs: readonly CreateSessionBody[],
  ): Promise<SessionView[]> {
    requireRole(actor, ATTENDANCE_ROLES, 'create sessions');
    return this.db.transaction().execute(async (trx) => {
      const repo = new SessionsRepo(trx);
      const activity = await this.loadWritableActivity(trx, actor, activityId);
      const taken = await repo.takenSlots(
        activityId,
        inputs.map((input) => input.date),
      );
      const now = this.clock.now().toISOString();

      const rows: NewSession[] = inputs.map((input) => ({
        activityId,
        cohortId: activity.cohortId,
        heldOn: input.date,
        month: input.date.slice(0, 7),
        slot: pickSlot(taken, input.date, input.slot),
        time: input.time ?? null,
        subject: blankToNull(input.subject),
        isExtra: input.extra ?? false,
        createdAt: now,
        updatedAt: now,
      }));
      let created: Session[];
      try {
        created = await repo.insertMany(rows);
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('OMAUM_SESSION_DUPLICATE');
        throw error;
      }
      await invalidateCohortSheets(trx, [activity.cohortId]);
      return created.map(toSessionView);
    });
  }

  async get(actor: Actor, id: number): Promise<SessionView> {
    requireRole(actor, ALL_ROLES, 'read sessions');
    const session = await this.loadVisible(this.db, actor, id);
    return toSessionView(session);
  }

  async listForActivity(
    actor: Actor,
    activityId: number,
    range: SessionRange,
  ): Promise<SessionView[]> {
    requireRole(actor, ALL_ROLES, 'read sessions');
    const repo = new SessionsRepo(this.db);
    const activity = await repo.findActivity(activityId);
    if (!activity) throw activityNotFound(activityId);
    await assertCohortVisible(this.db, actor, activity.cohortId);
    return (await repo.listForActivity(activityId, range)).map(toSessionView);
  }

  async listForCohort(
    actor: Actor,
    cohortId: number,
    month: string,
    includeExtra = true,
  ): Promise<SessionView[]> {
    requireRole(actor, ALL_ROLES, 'read sessions');
    await assertCohortVisible(this.db, actor, cohortId);
    const sessions = await new SessionsRepo(this.db).listForCohort(cohortId, month, month);
    return sessions.filter((session) => includeExtra || !session.isExtra).map(toSessionView);
  }

  /**
   * Changes a session. Its date and its `extra` flag decide which marks are
   * valid, so they may only change while the session has no marks.
   */
  // TODO(#3): take the cohort's attendance lock here too, so re-flagging cannot race the
  // first marks of the session (docs/known-issues.md).
  async update(actor: Actor, id: number, input: UpdateSessionBody): Promise<SessionView> {
    requireRole(actor, ATTENDANCE_ROLES, 'change sessions');
    return this.db.transaction().execute(async (trx) => {
      const repo = new SessionsRepo(trx);
      const session = await this.loadVisible(trx, actor, id);
      await this.loadWritableActivity(trx, actor, session.activityId);

      const isMoving = input.date !== undefined && input.date !== session.heldOn;
      const isReflagging = input.extra !== undefined && input.extra !== session.isExtra;
      if ((isMoving || isReflagging) && (await repo.countMarks(id)) > 0) {
        throw new AppError('OMAUM_SESSION_HAS_MARKS');
      }
      const date = input.date ?? session.heldOn;
      const slot = isMoving
        ? pickSlot(await repo.takenSlots(session.activityId, [date]), date, undefined)
        : session.slot;
      const updated = await repo.update(id, {
        heldOn: date,
        month: date.slice(0, 7),
        slot,
        time: input.time === undefined ? session.time : input.time,
        subject: input.subject === undefined ? session.subject : blankToNull(input.subject),
        isExtra: input.extra ?? session.isExtra,
        updatedAt: this.clock.now().toISOString(),
      });
      await invalidateCohortSheets(trx, [session.cohortId]);
      return toSessionView(updated ?? session);
    });
  }

  /** Deletes a session that has no marks (one with marks is history and stays). */
  async delete(actor: Actor, id: number): Promise<void> {
    requireRole(actor, ATTENDANCE_ROLES, 'delete sessions');
    await this.db.transaction().execute(async (trx) => {
      const repo = new SessionsRepo(trx);
      const session = await this.loadVisible(trx, actor, id);
      await this.loadWritableActivity(trx, actor, session.activityId);
      if ((await repo.countMarks(id)) > 0) throw new AppError('OMAUM_SESSION_HAS_MARKS');
      await repo.delete(id);
      await invalidateCohortSheets(trx, [session.cohortId]);
    });
  }

  private async loadVisible(db: Queryable, actor: Actor, id: number): Promise<Session> {
    const session = await new SessionsRepo(db).findById(id);
    if (!session) throw new AppError('OMAUM_SESSION_NOT_FOUND', `There is no session ${id}`);
    await assertCohortVisible(db, actor, session.cohortId);
    return session;
  }

  private async loadWritableActivity(db: Queryable, actor: Actor, activityId: number) {
    const activity = await new SessionsRepo(db).findActivity(activityId);
    if (!activity) throw activityNotFound(activityId);
    await assertCohortVisible(db, actor, activity.cohortId);
    if (activity.archivedAt !== null || !activity.isActive || activity.cohortArchivedAt !== null) {
      throw new AppError(
        'OMAUM_SESSION_NOT_ALLOWED',
        `Activity ${activityId} or its cohort is archived or inactive`,
      );
    }
    return activity;
  }
}

function pickSlot(taken: Map<string, number[]>, date: string, wanted: number | undefined): number {
  const used = taken.get(date) ?? [];
  if (wanted !== undefined) {
    if (used.includes(wanted)) {
      throw new AppError(
        'OMAUM_SESSION_DUPLICATE',
        `The activity already has a session on ${date} in slot ${wanted}`,
      );
    }
    taken.set(date, [...used, wanted]);
    return wanted;
  }
  let slot = 1;
  while (used.includes(slot)) slot += 1;
  taken.set(date, [...used, slot]);
  return slot;
}

function activityNotFound(activityId: number): AppError {
  return new AppError('OMAUM_ACTIVITY_NOT_FOUND', `There is no activity ${activityId}`);
}
