import type { Actor } from '../../auth/actor.ts';
import type { Db, Tx } from '../../platform/db/database.ts';
import type { AppError } from '../../platform/errors/app-error.ts';
import { isAppError } from '../../platform/errors/app-error.ts';
import type { Services } from '../../services.ts';
import { invalidateCohortSheets } from '../../sheets/sheet-cache.ts';
import { MESSAGES_PT } from '../../web/messages.ts';
import type { MarkInput, MonthBody, MonthSessionInput } from '../attendance.schemas.ts';
import { MonthAttendanceService } from '../month.service.ts';
import type { RowProblem } from './import-parse.ts';
import type { ResolvedRow } from './import-resolve.ts';

/** What each rule of the marks means, in pt-BR. */
const RULES_PT: Readonly<Record<string, string>> = {
  archived: 'a atividade, a turma ou o aluno está arquivado',
  outside_enrollment: 'a matrícula do aluno não cobre esta data',
  future_date: 'P, F e J só podem ser registrados a partir da data da sessão',
  unknown_status: 'registro desconhecido',
  attendance_status_required: 'a sessão é esperada do aluno: use P, F ou J',
  voluntary_status_required: 'a sessão não é esperada do aluno: use V1 ou V2',
};

export type Problems = Map<number, RowProblem>;

/** Thrown to roll back a transaction whose work is only a check. */
class Rollback extends Error {}

/**
 * Saves rows month by month with MonthAttendanceService.save, all in one
 * transaction, as `actor`. A month the service refuses is retried without
 * the rows its error names, so that every reason is found. The transaction
 * is committed only when `keep` accepts the problems found.
 *
 * TODO(#5): the job lease is not renewed while this transaction holds SQLite's
 * only connection; a very long import could be claimed twice (docs/known-issues.md).
 */
export async function saveRows(
  services: Services,
  db: Db,
  actor: Actor,
  cohortId: number,
  rows: readonly ResolvedRow[],
  keep: (problems: Problems) => boolean,
): Promise<Problems> {
  const problems: Problems = new Map();
  try {
    await db.transaction().execute(async (trx) => {
      const months = new MonthAttendanceService(
        reusing(db, trx),
        services.clock,
        services.attendance,
      );
      for (const [month, monthRows] of byMonth(rows)) {
        await saveMonth({ trx, months, actor, cohortId, month }, monthRows, problems);
      }
      await invalidateCohortSheets(trx, [cohortId]);
      if (!keep(problems)) throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return problems;
}

interface MonthTarget {
  readonly trx: Tx;
  readonly months: MonthAttendanceService;
  readonly actor: Actor;
  readonly cohortId: number;
  readonly month: string;
}

async function saveMonth(
  target: MonthTarget,
  rows: readonly ResolvedRow[],
  problems: Problems,
): Promise<void> {
  for (;;) {
    const pending = rows.filter((row) => !problems.has(row.row));
    if (pending.length === 0) return;
    try {
      const body = bodyOf(pending);
      await target.months.save(target.actor, target.cohortId, target.month, body, 'import');
      return;
    } catch (error) {
      if (!isAppError(error)) throw error;
      const found = await problemsOf(target.trx, error, pending);
      // Each round rejects at least one more row, so this ends.
      const rejected = found.length > 0 ? found : pending.map((row) => general(row.row, error));
      for (const problem of rejected) problems.set(problem.row, problem);
    }
  }
}

function general(row: number, error: AppError): RowProblem {
  return { row, reason: MESSAGES_PT[error.code], code: error.code };
}

/** The rows an error of the save names, with their reasons. */
async function problemsOf(
  trx: Tx,
  error: AppError,
  rows: readonly ResolvedRow[],
): Promise<RowProblem[]> {
  const details = isRecord(error.details) ? error.details : {};
  if (error.code === 'OMAUM_MARK_STUDENT_UNKNOWN') {
    const ids = new Set(numbersOf(details.studentIds));
    return rows
      .filter((row) => ids.has(row.studentId))
      .map((row) => ({
        row: row.row,
        reason: 'o aluno não está matriculado nesta turma',
        code: error.code,
      }));
  }
  if (error.code === 'OMAUM_MARK_RULE_VIOLATION') {
    return violationProblems(trx, details.violations, rows);
  }
  return [];
}

async function violationProblems(
  trx: Tx,
  value: unknown,
  rows: readonly ResolvedRow[],
): Promise<RowProblem[]> {
  const violations = (Array.isArray(value) ? value : []).filter(isRecord).flatMap((entry) => {
    const { studentId, sessionId, rule } = entry;
    return typeof studentId === 'number' && typeof sessionId === 'number'
      ? [{ studentId, sessionId, rule: typeof rule === 'string' ? rule : 'unknown' }]
      : [];
  });
  if (violations.length === 0) return [];
  const sessions = await trx
    .selectFrom('sessions')
    .select(['id', 'activityId', 'heldOn', 'slot'])
    .where('id', 'in', [...new Set(violations.map((v) => v.sessionId))])
    .execute();
  const keyOf = new Map(sessions.map((s) => [s.id, sessionKey(s.activityId, s.heldOn, s.slot)]));
  return violations.flatMap((violation) => {
    const key = keyOf.get(violation.sessionId);
    const reason = RULES_PT[violation.rule] ?? MESSAGES_PT.OMAUM_MARK_RULE_VIOLATION;
    return rows
      .filter((row) => row.studentId === violation.studentId && row.sessionKey === key)
      .map((row) => ({ row: row.row, reason, code: violation.rule }));
  });
}

/** The month body of some rows: one session per activity, date and slot. */
function bodyOf(rows: readonly ResolvedRow[]): MonthBody {
  const sessions = new Map<string, MonthSessionInput & { marks: MarkInput[] }>();
  for (const row of rows) {
    let session = sessions.get(row.sessionKey);
    if (!session) {
      session = { activityId: row.activityId, date: row.date, slot: row.slot, marks: [] };
      sessions.set(row.sessionKey, session);
    }
    session.marks.push(row.mark);
  }
  return { sessions: [...sessions.values()] };
}

function byMonth(rows: readonly ResolvedRow[]): Map<string, ResolvedRow[]> {
  const months = new Map<string, ResolvedRow[]>();
  for (const row of rows) {
    const month = row.date.slice(0, 7);
    months.set(month, [...(months.get(month) ?? []), row]);
  }
  return months;
}

export function sessionKey(activityId: number, date: string, slot: number): string {
  return `${activityId}:${date}:${slot}`;
}

/**
 * The database as MonthAttendanceService sees it: its own transaction
 * becomes the import's, so that every month commits or rolls back together.
 */
function reusing(db: Db, trx: Tx): Db {
  const builder = { execute: <T>(work: (inner: Tx) => Promise<T>): Promise<T> => work(trx) };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'transaction') return () => builder;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

function numbersOf(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'number') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
