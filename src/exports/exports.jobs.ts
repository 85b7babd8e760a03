import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

import type { Actor } from '../auth/actor.ts';
import { isAppError } from '../platform/errors/app-error.ts';
import type { ExportRow } from '../platform/db/tables.ts';
import type { JobContext, JobHandlers } from '../platform/jobs/job-queue.ts';
import { UnrecoverableJobError } from '../platform/jobs/job-queue.ts';
import type { Services } from '../services.ts';
import type { ExportResult, ProgressReporter } from './export-types.ts';
import type { ExportJobData, ExportParams, ReadyFile } from './exports.service.ts';
import { EXPORT_JOB_NAME, paramsOf } from './exports.service.ts';
import { writeMarksCsv } from './marks-csv.ts';
import { writeRollCallPdf } from './roll-call-pdf.ts';
import { writeSheetCsv } from './sheet-csv.ts';
import { writeSheetPdf } from './sheet-pdf.ts';
import { writeSheetXlsx } from './sheet-xlsx.ts';
import { writeStudentReportCsv } from './student-report-csv.ts';
import { writeStudentReportPdf } from './student-report-pdf.ts';

export interface ExportJobDeps {
  readonly services: Services;
  /** Where export files are written (`<dataDir>/exports`). */
  readonly exportsDir: string;
}

/** What the job stores as its result. */
export interface ExportJobResult {
  readonly exportId: number;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly rows: number;
}

/** An export whose data is loaded, ready to be written. */
interface Prepared {
  /** The file name without extension, e.g. `relatorio-turma-aprendizes-2026-03`. */
  readonly name: string;
  write(file: string, onProgress: ProgressReporter): Promise<ExportResult>;
}

type Writer = (file: string, onProgress: ProgressReporter) => Promise<ExportResult>;

const KIND_PREFIX: Readonly<Record<ExportRow['kind'], string>> = {
  sheet: 'relatorio',
  marks: 'presencas',
  'student-report': 'boletim',
  'roll-call': 'lista-de-chamada',
};

/** The `export.generate` handler (queue `heavy`, data `{ exportId }`). */
export function exportHandlers(deps: ExportJobDeps): JobHandlers {
  return {
    [EXPORT_JOB_NAME]: (context: JobContext<ExportJobData>) => generateExport(deps, context),
  };
}

/**
 * Builds one export as its owner would see the data (an instructor's export
 * stays within their cohorts), recording progress on the export row and the
 * job. On failure the row is marked failed and the error rethrown, so the
 * queue retries; refusals (the owner is gone, lost access, bad parameters)
 * are not retried.
 */
async function generateExport(
  deps: ExportJobDeps,
  context: JobContext<ExportJobData>,
): Promise<ExportJobResult> {
  const { exports } = deps.services;
  const id = context.job.data.exportId;
  const row = await exports.findForJob(id);
  if (!row) throw new UnrecoverableJobError(`There is no export ${id}`);
  await exports.markRunning(id);
  try {
    const { file, rows } = await buildFile(deps, row, context);
    await exports.markReady(id, file);
    return { exportId: id, fileName: file.fileName, sizeBytes: file.sizeBytes, rows };
  } catch (error) {
    await exports.markFailed(id, error instanceof Error ? error.message : String(error));
    throw asJobError(error);
  }
}

async function buildFile(
  deps: ExportJobDeps,
  row: ExportRow,
  context: JobContext<ExportJobData>,
): Promise<{ file: ReadyFile; rows: number }> {
  const actor = await deps.services.exports.ownerActor(row);
  if (!actor) throw new UnrecoverableJobError(`The owner of export ${row.id} no longer exists`);
  const prepared = await prepare(deps.services, actor, row);
  const fileName = `${prepared.name}.${row.format}`;
  const filePath = path.join(deps.exportsDir, `${row.id}-${fileName}`);
  await mkdir(deps.exportsDir, { recursive: true });
  const result = await prepared.write(filePath, progressReporter(deps.services, row.id, context));
  const { size } = await stat(filePath);
  return { file: { fileName, filePath, sizeBytes: size }, rows: result.rows };
}

function progressReporter(
  services: Services,
  exportId: number,
  context: JobContext<ExportJobData>,
): ProgressReporter {
  let last = -1;
  return async (done, total) => {
    const percent = total <= 0 ? 100 : Math.min(100, Math.floor((done * 100) / total));
    if (percent === last) return;
    last = percent;
    context.signal.throwIfAborted();
    await services.exports.setProgress(exportId, percent);
    await context.updateProgress(percent);
  };
}

function prepare(services: Services, actor: Actor, row: ExportRow): Promise<Prepared> {
  const params = paramsOf(row);
  switch (row.kind) {
    case 'sheet':
      return prepareSheet(services, actor, row, params);
    case 'marks':
      return prepareMarks(services, actor, params);
    case 'student-report':
      return prepareStudentReport(services, actor, row, params);
    case 'roll-call':
      return prepareRollCall(services, actor, params);
  }
}

async function prepareSheet(
  services: Services,
  actor: Actor,
  row: ExportRow,
  params: ExportParams,
): Promise<Prepared> {
  const sheet = await services.sheets.sheet(actor, params.cohortId, params.from, params.to);
  const options = writerOptions(services);
  const writers: Record<ExportRow['format'], Writer> = {
    xlsx: (file, onProgress) => writeSheetXlsx(sheet, file, onProgress, options),
    pdf: (file, onProgress) => writeSheetPdf(sheet, file, onProgress, options),
    csv: (file, onProgress) => writeSheetCsv(sheet, file, onProgress),
  };
  return { name: fileBaseName('sheet', [sheet.cohort.name], params), write: writers[row.format] };
}

async function prepareMarks(
  services: Services,
  actor: Actor,
  params: ExportParams,
): Promise<Prepared> {
  const cohortName = await services.exports.cohortName(actor, params.cohortId);
  const marks = await services.exports.marks(actor, params);
  const options = writerOptions(services);
  return {
    name: fileBaseName('marks', [cohortName], params),
    write: (file, onProgress) => writeMarksCsv(marks, file, onProgress, options),
  };
}

async function prepareStudentReport(
  services: Services,
  actor: Actor,
  row: ExportRow,
  params: ExportParams,
): Promise<Prepared> {
  if (params.studentId === null)
    throw new UnrecoverableJobError('A student report needs a student');
  const report = await services.sheets.studentReport(
    actor,
    params.studentId,
    params.cohortId,
    params.from,
    params.to,
  );
  const options = writerOptions(services);
  const write: Writer =
    row.format === 'pdf'
      ? (file, onProgress) => writeStudentReportPdf(report, file, onProgress, options)
      : (file, onProgress) => writeStudentReportCsv(report, file, onProgress);
  const name = fileBaseName('student-report', [report.fullName, report.cohortName], params);
  return { name, write };
}

async function prepareRollCall(
  services: Services,
  actor: Actor,
  params: ExportParams,
): Promise<Prepared> {
  const month = params.month ?? params.from;
  const grid = await services.monthAttendance.read(actor, params.cohortId, month);
  const { cohort } = await services.sheets.sheet(actor, params.cohortId, month);
  const input = {
    cohort,
    month,
    activities: grid.activities,
    sessions: grid.sessions,
    students: grid.students,
  };
  const options = writerOptions(services);
  return {
    name: fileBaseName('roll-call', [cohort.name], { ...params, from: month, to: month }),
    write: (file, onProgress) => writeRollCallPdf(input, file, onProgress, options),
  };
}

function writerOptions(services: Services): { generatedAt: Date; timeZone: string } {
  return { generatedAt: services.clock.now(), timeZone: services.timeZone };
}

/** `relatorio-turma-aprendizes-2026-03`, `boletim-maria-silva-turma-a-2026-01-a-2026-03`. */
export function fileBaseName(
  kind: ExportRow['kind'],
  names: readonly string[],
  period: { from: string; to: string },
): string {
  const months = period.from === period.to ? period.from : `${period.from}-a-${period.to}`;
  return [KIND_PREFIX[kind], ...names.map(slug), months].filter((part) => part !== '').join('-');
}

/** Lower-case ASCII letters, digits and dashes: safe in any file system and header. */
export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
}

/** Refusals of the services (4xx) will not change on a retry. */
function asJobError(error: unknown): unknown {
  if (isAppError(error) && error.statusCode < 500) {
    return new UnrecoverableJobError(error.message, { cause: error });
  }
  return error;
}
