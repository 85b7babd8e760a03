import type { Db } from '../../platform/db/database.ts';
import type { MarkInput } from '../attendance.schemas.ts';
import type { ParsedRow, RowProblem } from './import-parse.ts';
import { normalizeName } from './import-parse.ts';

/** A row whose activity and student are known: ready to be saved. */
export interface ResolvedRow {
  readonly row: number;
  readonly activityId: number;
  readonly date: string;
  readonly slot: number;
  readonly sessionKey: string;
  readonly studentId: number;
  readonly mark: MarkInput;
}

const CHUNK = 500;

/**
 * Finds each row's activity (by id or name, among the cohort's) and student
 * (by id or initiatic number). Rows naming the same mark twice keep the first.
 */
export async function resolveRows(
  db: Db,
  cohortId: number,
  rows: readonly ParsedRow[],
): Promise<{ rows: ResolvedRow[]; problems: RowProblem[] }> {
  const activities = await db
    .selectFrom('activities')
    .select(['id', 'name'])
    .where('cohortId', '=', cohortId)
    .execute();
  const activityIds = new Set(activities.map((a) => a.id));
  const activityByName = new Map(activities.map((a) => [normalizeName(a.name), a.id]));
  const studentByNumber = await studentsByNumber(db, rows);
  const resolved: ResolvedRow[] = [];
  const problems: RowProblem[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const activityId =
      'id' in row.activity
        ? activityIds.has(row.activity.id)
          ? row.activity.id
          : undefined
        : activityByName.get(normalizeName(row.activity.name));
    const studentId =
      'id' in row.student ? row.student.id : studentByNumber.get(row.student.initiaticNumber);
    const problem = problemOf(row.row, activityId, studentId);
    if (problem || activityId === undefined || studentId === undefined) {
      if (problem) problems.push(problem);
      continue;
    }
    const sessionKey = `${activityId}:${row.date}:${row.slot}`;
    const earlier = seen.get(`${sessionKey}:${studentId}`);
    if (earlier !== undefined) {
      problems.push({ row: row.row, reason: `repete a linha ${earlier}`, code: 'duplicate' });
      continue;
    }
    seen.set(`${sessionKey}:${studentId}`, row.row);
    resolved.push({
      ...placeOf(row),
      activityId,
      sessionKey,
      studentId,
      mark: markOf(row, studentId),
    });
  }
  return { rows: resolved, problems };
}

function placeOf(row: ParsedRow): { row: number; date: string; slot: number } {
  return { row: row.row, date: row.date, slot: row.slot };
}

function problemOf(
  row: number,
  activityId: number | undefined,
  studentId: number | undefined,
): RowProblem | null {
  if (activityId === undefined) {
    return { row, reason: 'atividade desconhecida nesta turma', code: 'activity_unknown' };
  }
  if (studentId === undefined) {
    return { row, reason: 'nenhum aluno tem este número iniciático', code: 'student_unknown' };
  }
  return null;
}

function markOf(row: ParsedRow, studentId: number): MarkInput {
  return {
    studentId,
    status: row.status,
    ...(row.summoned === undefined ? {} : { summoned: row.summoned }),
    ...(row.justification === undefined ? {} : { justification: row.justification }),
  };
}

async function studentsByNumber(db: Db, rows: readonly ParsedRow[]): Promise<Map<string, number>> {
  const numbers = [
    ...new Set(
      rows.flatMap((row) =>
        'initiaticNumber' in row.student ? [row.student.initiaticNumber] : [],
      ),
    ),
  ];
  const found = new Map<string, number>();
  for (let start = 0; start < numbers.length; start += CHUNK) {
    const students = await db
      .selectFrom('students')
      .select(['id', 'initiaticNumber'])
      .where('initiaticNumber', 'in', numbers.slice(start, start + CHUNK))
      .execute();
    for (const student of students) found.set(student.initiaticNumber, student.id);
  }
  return found;
}
