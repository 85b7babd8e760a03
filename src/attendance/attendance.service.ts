import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, requireRole } from '../auth/actor.ts';
import { assertCohortVisible } from '../cohorts/cohort-scope.ts';
import type { Clock } from '../platform/clock.ts';
import { dateIn } from '../platform/clock.ts';
import type { Db, Queryable } from '../platform/db/database.ts';
import type {
  Mark,
  MarkHistoryEntry,
  MarkSource,
  NewMark,
  Session,
} from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { blankToNull } from '../platform/text.ts';
import { SessionsRepo } from '../sessions/sessions.repo.ts';
import { invalidateCohortSheets } from '../sheets/sheet-cache.ts';
import { ATTENDANCE_ROLES } from '../sessions/sessions.service.ts';
import type { HistoryRow } from './attendance.repo.ts';
import { AttendanceRepo } from './attendance.repo.ts';
import type { MarkInput, MarkView, SaveResult } from './attendance.schemas.ts';
import { refreshCounters } from './counters.ts';
import { enrollmentCovers, validateMark } from './statistics.ts';

/** A mark the rules refuse, named by student, session and rule. */
export interface MarkViolation {
  readonly studentId: number;
  readonly studentName: string | null;
  readonly sessionId: number;
  readonly date: string;
  readonly rule: string;
  readonly message: string;
}

/** A mark someone else changed after the client read it. */
export interface MarkConflict {
  readonly studentId: number;
  readonly sessionId: number;
  readonly yourVersion: number;
  readonly currentVersion: number;
  readonly current: MarkView | null;
}

interface SessionContext {
  readonly session: Session;
  readonly mode: 'mandatory' | 'convocation';
  readonly isArchived: boolean;
}

interface Enrollment {
  readonly studentId: number;
  readonly enrolledOn: string;
  readonly endedOn: string | null;
  readonly fullName: string;
  readonly archivedAt: string | null;
}

/** The outcome of checking one session's marks, before anything is written. */
interface MarksPlan {
  readonly writes: NewMark[];
  readonly previous: Map<number, Mark>;
  readonly unchanged: Mark[];
  readonly unknown: number[];
  readonly conflicts: MarkConflict[];
  readonly violations: MarkViolation[];
}

export function toMarkView(mark: Mark): MarkView {
  return {
    id: mark.id,
    sessionId: mark.sessionId,
    studentId: mark.studentId,
    status: mark.status,
    summoned: mark.isSummoned,
    justification: mark.justification,
    recordedBy: mark.recordedBy,
    recordedAt: mark.recordedAt,
    version: mark.version,
  };
}

/**
 * Marks ("registros de presença"): validation by the attendance rules,
 * optimistic concurrency, the append-only history, and the monthly counters
 * kept in the same transaction.
 */
export class AttendanceService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly timeZone: string,
  ) {}

  /**
   * Upserts the listed students' marks at one session; other students'
   * marks are untouched. All or nothing: 404 for unknown students, 409 for
   * stale versions, 422 for marks the rules refuse.
   */
  async saveSessionMarks(
    actor: Actor,
    sessionId: number,
    marks: readonly MarkInput[],
    source: MarkSource = 'api',
  ): Promise<SaveResult> {
    requireRole(actor, ATTENDANCE_ROLES, 'record attendance');
    assertDistinctStudents(marks, `session ${sessionId}`);
    return this.db.transaction().execute(async (trx) => {
      const context = await this.loadSession(trx, actor, sessionId);
      await new AttendanceRepo(trx).lockCohort(context.session.cohortId);
      const plan = await this.plan(trx, context, marks);
      throwIfRefused([plan]);
      const stored = await this.write(trx, actor, [{ context, plan }], source);
      return { changed: stored.length, marks: [...plan.unchanged, ...stored].map(toMarkView) };
    });
  }

  async listSessionMarks(actor: Actor, sessionId: number): Promise<MarkView[]> {
    requireRole(actor, ALL_ROLES, 'read attendance');
    const context = await this.loadSession(this.db, actor, sessionId);
    const marks = await new AttendanceRepo(this.db).marksOfSessions([context.session.id]);
    return marks.map(toMarkView);
  }

  async markHistory(actor: Actor, markId: number): Promise<MarkHistoryEntry[]> {
    requireRole(actor, ALL_ROLES, 'read attendance history');
    const repo = new AttendanceRepo(this.db);
    const mark = await repo.findMark(markId);
    if (!mark) throw new AppError('OMAUM_MARK_NOT_FOUND', `There is no mark ${markId}`);
    await assertCohortVisible(this.db, actor, mark.cohortId);
    return repo.historyOfMark(markId);
  }

  /** Changes to a student's marks, newest first (staff and viewers). */
  async studentHistory(
    actor: Actor,
    studentId: number,
    page: { limit: number; offset: number },
  ): Promise<MarkHistoryEntry[]> {
    requireRole(actor, ['admin', 'secretary', 'viewer'], "read a student's attendance history");
    return new AttendanceRepo(this.db).historyOfStudent(studentId, page.limit, page.offset);
  }

  async sessionHistory(actor: Actor, sessionId: number): Promise<MarkHistoryEntry[]> {
    requireRole(actor, ALL_ROLES, 'read attendance history');
    await this.loadSession(this.db, actor, sessionId);
    return new AttendanceRepo(this.db).historyOfSession(sessionId);
  }

  /** Checks every mark of one session; decides what to write. */
  async plan(
    db: Queryable,
    context: SessionContext,
    inputs: readonly MarkInput[],
  ): Promise<MarksPlan> {
    const [plan] = await this.planSessions(db, [{ context, inputs }]);
    if (!plan) throw new Error('planSessions returned no plan');
    return plan;
  }

  /**
   * `plan` for several sessions at once (a month save): the enrollments and
   * the existing marks are read in one query each, not two per session.
   */
  async planSessions(
    db: Queryable,
    entries: readonly { context: SessionContext; inputs: readonly MarkInput[] }[],
  ): Promise<MarksPlan[]> {
    const repo = new AttendanceRepo(db);
    const enrollments = new Map<string, Enrollment>();
    const studentsByCohort = new Map<number, Set<number>>();
    for (const { context, inputs } of entries) {
      const ids = studentsByCohort.get(context.session.cohortId) ?? new Set<number>();
      for (const input of inputs) ids.add(input.studentId);
      studentsByCohort.set(context.session.cohortId, ids);
    }
    for (const [cohortId, ids] of studentsByCohort) {
      const studentIds = [...ids];
      // Bounded lists keep each query under SQLite's limit on bound values.
      for (let start = 0; start < studentIds.length; start += 1000) {
        const rows = await repo.enrollmentsOf(cohortId, studentIds.slice(start, start + 1000));
        for (const row of rows) enrollments.set(`${cohortId}:${row.studentId}`, row);
      }
    }
    const marksBySession = new Map<number, Map<number, Mark>>();
    for (const { context } of entries) marksBySession.set(context.session.id, new Map());
    for (const mark of await repo.marksOfSessions([...marksBySession.keys()])) {
      marksBySession.get(mark.sessionId)?.set(mark.studentId, mark);
    }

    // The institution's date, worked out once: Intl formatting costs tens of
    // microseconds, which once per mark was most of a month save.
    let today: string | undefined;
    const todayOf = () => (today ??= dateIn(this.clock.now(), this.timeZone));
    return entries.map(({ context, inputs }) => {
      const existing = marksBySession.get(context.session.id) ?? new Map<number, Mark>();
      const plan: MarksPlan = {
        writes: [],
        previous: existing,
        unchanged: [],
        unknown: [],
        conflicts: [],
        violations: [],
      };
      for (const input of inputs) {
        const enrollment = enrollments.get(`${context.session.cohortId}:${input.studentId}`);
        this.planOne(plan, context, input, enrollment, existing, todayOf);
      }
      return plan;
    });
  }

  private planOne(
    plan: MarksPlan,
    context: SessionContext,
    input: MarkInput,
    enrollment: Enrollment | undefined,
    existing: Map<number, Mark>,
    todayOf: () => string,
  ): void {
    if (!enrollment) {
      plan.unknown.push(input.studentId);
      return;
    }
    const { session } = context;
    const current = existing.get(input.studentId);
    const next = {
      status: input.status === undefined ? (current?.status ?? null) : input.status,
      isSummoned: input.summoned ?? current?.isSummoned ?? false,
      justification:
        input.justification === undefined
          ? (current?.justification ?? null)
          : blankToNull(input.justification),
    };
    const isChange = current
      ? current.status !== next.status ||
        current.isSummoned !== next.isSummoned ||
        current.justification !== next.justification
      : next.status !== null || next.isSummoned || next.justification !== null;
    if (!isChange) {
      if (current) plan.unchanged.push(current);
      return;
    }

    const currentVersion = current?.version ?? 0;
    if (input.version !== undefined && input.version !== currentVersion) {
      plan.conflicts.push({
        studentId: input.studentId,
        sessionId: session.id,
        yourVersion: input.version,
        currentVersion,
        current: current ? toMarkView(current) : null,
      });
      return;
    }
    const violation = this.violationOf(context, enrollment, next, todayOf);
    if (violation) {
      plan.violations.push({
        studentId: input.studentId,
        studentName: enrollment.fullName,
        sessionId: session.id,
        date: session.heldOn,
        ...violation,
      });
      return;
    }
    const now = this.clock.now().toISOString();
    plan.writes.push({
      sessionId: session.id,
      studentId: input.studentId,
      cohortId: session.cohortId,
      activityId: session.activityId,
      month: session.month,
      ...next,
      recordedBy: null,
      recordedAt: now,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
  }

  private violationOf(
    context: SessionContext,
    enrollment: Enrollment,
    next: { status: string | null; isSummoned: boolean },
    todayOf: () => string,
  ): { rule: string; message: string } | null {
    const { session } = context;
    if (context.isArchived) {
      return { rule: 'archived', message: 'the activity or its cohort is archived' };
    }
    if (enrollment.archivedAt !== null) {
      return { rule: 'archived', message: 'the student is archived' };
    }
    const isEnrolledOnDate = enrollmentCovers(enrollment, session.heldOn);
    if (!isEnrolledOnDate) {
      return {
        rule: 'outside_enrollment',
        message:
          `the enrollment (${enrollment.enrolledOn} to ${enrollment.endedOn ?? 'open'}) ` +
          `does not cover ${session.heldOn}`,
      };
    }
    if (next.status === null) return null;

    const isAttendance = next.status === 'P' || next.status === 'F' || next.status === 'J';
    if (isAttendance && session.heldOn > todayOf()) {
      return {
        rule: 'future_date',
        message: `${next.status} cannot be recorded before the session date ${session.heldOn}`,
      };
    }
    const rejection = validateMark(
      {
        isExtra: session.isExtra,
        mode: context.mode,
        isEnrolledOnDate,
        isSummoned: next.isSummoned,
      },
      next.status,
    );
    return rejection ? { rule: rejection.code, message: rejection.message } : null;
  }

  /**
   * Writes the planned marks, their history and the counters they change, and
   * moves the cached sheets of their cohorts on; `db` is the caller's transaction.
   */
  async write(
    db: Queryable,
    actor: Actor,
    plans: readonly { context: SessionContext; plan: MarksPlan }[],
    source: MarkSource,
  ): Promise<Mark[]> {
    const recordedBy = actor.userId > 0 ? actor.userId : null;
    const writes = plans.flatMap(({ plan }) => plan.writes.map((row) => ({ ...row, recordedBy })));
    if (writes.length === 0) return [];

    const repo = new AttendanceRepo(db);
    const stored = await repo.upsertMarks(writes);
    const previous = new Map<string, Mark>();
    for (const { plan } of plans) {
      for (const mark of plan.previous.values()) {
        previous.set(`${mark.sessionId}:${mark.studentId}`, mark);
      }
    }
    await repo.insertHistory(
      stored.map((mark) =>
        historyRow(mark, previous.get(`${mark.sessionId}:${mark.studentId}`), source),
      ),
    );
    await this.refreshCountersFor(db, stored);
    await invalidateCohortSheets(db, [...new Set(stored.map((mark) => mark.cohortId))]);
    return stored;
  }

  private async refreshCountersFor(db: Queryable, stored: readonly Mark[]): Promise<void> {
    const scopes = new Map<string, { cohortId: number; month: string; students: Set<number> }>();
    for (const mark of stored) {
      const key = `${mark.cohortId}:${mark.month}`;
      const scope = scopes.get(key) ?? {
        cohortId: mark.cohortId,
        month: mark.month,
        students: new Set<number>(),
      };
      scope.students.add(mark.studentId);
      scopes.set(key, scope);
    }
    const at = this.clock.now().toISOString();
    for (const scope of scopes.values()) {
      await refreshCounters(
        db,
        { cohortId: scope.cohortId, month: scope.month, studentIds: [...scope.students] },
        at,
      );
    }
  }

  async loadSession(db: Queryable, actor: Actor, sessionId: number): Promise<SessionContext> {
    const session = await new SessionsRepo(db).findById(sessionId);
    if (!session) throw new AppError('OMAUM_SESSION_NOT_FOUND', `There is no session ${sessionId}`);
    await assertCohortVisible(db, actor, session.cohortId);
    const activity = await new SessionsRepo(db).findActivity(session.activityId);
    if (!activity) throw new AppError('OMAUM_ACTIVITY_NOT_FOUND');
    const isArchived = activity.archivedAt !== null || activity.cohortArchivedAt !== null;
    return { session, mode: activity.mode, isArchived };
  }

  /** `loadSession` for several sessions: one query in all, in the order given. */
  async loadSessions(
    db: Queryable,
    actor: Actor,
    sessionIds: readonly number[],
  ): Promise<SessionContext[]> {
    const rows = new Map(
      (await new AttendanceRepo(db).sessionsWithActivity(sessionIds)).map((row) => [row.id, row]),
    );
    const visible = new Set<number>();
    const contexts: SessionContext[] = [];
    for (const sessionId of sessionIds) {
      const row = rows.get(sessionId);
      if (!row) throw new AppError('OMAUM_SESSION_NOT_FOUND', `There is no session ${sessionId}`);
      if (!visible.has(row.cohortId)) {
        await assertCohortVisible(db, actor, row.cohortId);
        visible.add(row.cohortId);
      }
      const { mode, activityArchivedAt, cohortArchivedAt, ...session } = row;
      const isArchived = activityArchivedAt !== null || cohortArchivedAt !== null;
      contexts.push({ session, mode, isArchived });
    }
    return contexts;
  }
}

function historyRow(mark: Mark, before: Mark | undefined, source: MarkSource): HistoryRow {
  return {
    markId: mark.id,
    sessionId: mark.sessionId,
    studentId: mark.studentId,
    changedBy: mark.recordedBy,
    changedAt: mark.recordedAt,
    source,
    oldStatus: before?.status ?? null,
    newStatus: mark.status,
    oldIsSummoned: before ? before.isSummoned : null,
    newIsSummoned: mark.isSummoned,
    oldJustification: before?.justification ?? null,
    newJustification: mark.justification,
    version: mark.version,
  };
}

/** Refuses (400) a request that lists one student twice for one session. */
export function assertDistinctStudents(
  marks: readonly MarkInput[],
  where: string,
  field = 'marks',
): void {
  const seen = new Set<number>();
  for (const [index, mark] of marks.entries()) {
    if (seen.has(mark.studentId)) {
      throw new AppError(
        'OMAUM_REQUEST_INVALID',
        `Student ${mark.studentId} is listed twice for ${where}`,
        [{ field: `${field}[${index}].studentId`, message: 'is listed twice' }],
      );
    }
    seen.add(mark.studentId);
  }
}

/** Refuses the whole request when any session's plan has a problem. */
export function throwIfRefused(plans: readonly MarksPlan[]): void {
  const unknown = plans.flatMap((plan) => plan.unknown);
  if (unknown.length > 0) {
    throw new AppError(
      'OMAUM_MARK_STUDENT_UNKNOWN',
      `Not enrolled in the cohort or unknown: student(s) ${[...new Set(unknown)].join(', ')}`,
      { studentIds: [...new Set(unknown)] },
    );
  }
  const conflicts = plans.flatMap((plan) => plan.conflicts);
  if (conflicts.length > 0) {
    throw new AppError(
      'OMAUM_MARK_VERSION_CONFLICT',
      `${conflicts.length} mark(s) changed since you read them; reload and try again`,
      { conflicts },
    );
  }
  const violations = plans.flatMap((plan) => plan.violations);
  const [first] = violations;
  if (first) {
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
    throw new AppError(
      'OMAUM_MARK_RULE_VIOLATION',
      `${first.studentName ?? `Student ${first.studentId}`} at session ${first.sessionId} ` +
        `(${first.date}): ${first.message}${more}`,
      { violations },
    );
  }
}
