import type { Actor } from '../../auth/actor.ts';
import type { Db } from '../../platform/db/database.ts';
import type { JobContext, JobHandlers } from '../../platform/jobs/job-queue.ts';
import { UnrecoverableJobError } from '../../platform/jobs/job-queue.ts';
import type { Services } from '../../services.ts';
import type { RowProblem } from './import-parse.ts';
import { parseImport } from './import-parse.ts';
import { resolveRows } from './import-resolve.ts';
import type { Problems } from './import-save.ts';
import { saveRows } from './import-save.ts';
import type { ImportJobData, ImportReport } from './import.service.ts';
import { IMPORT_JOB_NAME, importDataOf } from './import.service.ts';

export interface ImportJobDeps {
  readonly services: Services;
  readonly db: Db;
}

/** The `attendance.import` handler (queue `bulk`); its result is the ImportReport. */
export function importHandlers(deps: ImportJobDeps): JobHandlers {
  return {
    [IMPORT_JOB_NAME]: (context: JobContext<ImportJobData>) => runImport(deps, context),
  };
}

/**
 * Reads every row, finds what each names, checks them all by saving in a
 * transaction that is rolled back, then saves for good: everything when no
 * row was rejected, or the good rows when the import is partial.
 */
async function runImport(
  deps: ImportJobDeps,
  context: JobContext<ImportJobData>,
): Promise<ImportReport> {
  const data = importDataOf(context.job.data);
  if (!data) throw new UnrecoverableJobError('The job data is not an import');
  const actor = await actorOf(deps.db, data.userId);
  const parsed = parseImport(data.format, data.content);
  const resolved = await resolveRows(deps.db, data.cohortId, parsed.rows);
  const problems: Problems = new Map();
  addAll(problems, [...parsed.problems, ...resolved.problems]);
  await context.updateProgress(20);

  const save = (rows: typeof resolved.rows, keep: (found: Problems) => boolean) =>
    saveRows(deps.services, deps.db, actor, data.cohortId, rows, keep);
  addAll(problems, (await save(resolved.rows, () => false)).values());
  await context.updateProgress(60);

  let saved = 0;
  const accepted = resolved.rows.filter((row) => !problems.has(row.row));
  if (accepted.length > 0 && (data.partial || problems.size === 0)) {
    const isKept = (found: Problems) => data.partial || found.size === 0;
    const found = await save(accepted, isKept);
    addAll(problems, found.values());
    if (isKept(found)) saved = accepted.length - found.size;
  }
  await context.updateProgress(100);
  return reportOf(parsed.total, saved, problems);
}

function addAll(problems: Problems, found: Iterable<RowProblem>): void {
  for (const problem of found) problems.set(problem.row, problem);
}

function reportOf(total: number, saved: number, problems: Problems): ImportReport {
  const rows = Array.from({ length: total }, (_, index) => {
    const row = index + 1;
    const problem = problems.get(row);
    return problem
      ? { row, status: 'rejected' as const, reason: problem.reason, code: problem.code }
      : { row, status: 'ok' as const, reason: null, code: null };
  });
  return { total, saved, rejected: problems.size, rows };
}

/** The requester, acting as themself; gone users cannot import. */
async function actorOf(db: Db, userId: number): Promise<Actor> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'role', 'studentId'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) throw new UnrecoverableJobError(`The user ${userId} no longer exists`);
  return { userId: user.id, role: user.role, studentId: user.studentId, via: 'system' };
}
