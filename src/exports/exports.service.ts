import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, requireRole } from '../auth/actor.ts';
import { monthRange } from '../attendance/calendar.ts';
import { assertCohortVisible } from '../cohorts/cohort-scope.ts';
import type { Clock } from '../platform/clock.ts';
import { nowIso } from '../platform/clock.ts';
import type { Db } from '../platform/db/database.ts';
import type { ExportRow, ExportStatus } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import { periodOf } from '../sheets/sheets.service.ts';
import type { ExportFormat, ExportKind } from './export-types.ts';
import { ExportsRepo } from './exports.repo.ts';
import type { ExportRequestBody, ExportView } from './exports.schemas.ts';
import type { MarkExportRow } from './marks-csv.ts';

export const EXPORT_JOB_NAME = 'export.generate';
export const EXPORT_QUEUE = 'heavy';
/** How long a ready file stays downloadable. */
export const EXPORT_TTL_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The formats each kind of export can be written in. */
export const FORMATS_OF: Readonly<Record<ExportKind, readonly ExportFormat[]>> = {
  sheet: ['xlsx', 'pdf', 'csv'],
  marks: ['csv'],
  'student-report': ['pdf', 'csv'],
  'roll-call': ['pdf'],
};

export const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
};

/** What an export is built from, stored as JSON in `exports.params`. */
export interface ExportParams {
  readonly cohortId: number;
  readonly from: string;
  readonly to: string;
  readonly month: string | null;
  readonly studentId: number | null;
}

/** The data of an `export.generate` job. */
export interface ExportJobData {
  readonly exportId: number;
}

export interface ExportDownload {
  readonly path: string;
  readonly fileName: string;
  readonly contentType: string;
}

export interface ReadyFile {
  readonly fileName: string;
  readonly filePath: string;
  readonly sizeBytes: number;
}

/**
 * Exports produced in the background: requests are checked here and queued as
 * `export.generate` jobs; the job (exports.jobs.ts) records its progress and
 * the finished file through the methods below. Users see their own exports;
 * administrators see every one.
 */
export class ExportsService {
  private readonly repo: ExportsRepo;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly jobs: JobQueue | null,
  ) {
    this.repo = new ExportsRepo(db);
  }

  async request(
    actor: Actor,
    input: ExportRequestBody,
  ): Promise<{ id: number; jobId: string; status: ExportStatus }> {
    requireRole(actor, ALL_ROLES, 'request exports');
    const params = validParams(input);
    await assertCohortVisible(this.db, actor, params.cohortId);
    const jobs = this.jobs;
    if (!jobs) throw new AppError('OMAUM_EXPORT_QUEUE_UNAVAILABLE');
    const now = nowIso(this.clock);
    const row = await this.repo.insert({
      ownerId: actor.userId,
      kind: input.kind,
      format: input.format,
      params: JSON.stringify(params),
      status: 'queued',
      progress: 0,
      createdAt: now,
      updatedAt: now,
    });
    const jobId = `export-${row.id}`;
    const data: ExportJobData = { exportId: row.id };
    await jobs.enqueue(EXPORT_QUEUE, EXPORT_JOB_NAME, data, { jobId });
    await this.repo.update(row.id, { jobId, updatedAt: now });
    return { id: row.id, jobId, status: row.status };
  }

  async get(actor: Actor, id: number): Promise<ExportView> {
    return this.toView(await this.findVisible(actor, id));
  }

  async list(actor: Actor): Promise<{ items: ExportView[]; total: number }> {
    const rows = await this.repo.listByOwner(actor.userId);
    return { items: rows.map((row) => this.toView(row)), total: rows.length };
  }

  async download(actor: Actor, id: number): Promise<ExportDownload> {
    const row = await this.findVisible(actor, id);
    // Before the file check: maintenance.cleanup deletes the files of expired exports.
    if (row.status === 'ready' && this.isExpired(row)) throw new AppError('OMAUM_EXPORT_EXPIRED');
    if (row.status !== 'ready' || row.filePath === null || row.fileName === null) {
      throw new AppError('OMAUM_EXPORT_NOT_READY', `Export ${id} is ${row.status}`);
    }
    return { path: row.filePath, fileName: row.fileName, contentType: CONTENT_TYPES[row.format] };
  }

  // ---- used by the export.generate job -------------------------------------------------

  findForJob(id: number): Promise<ExportRow | undefined> {
    return this.repo.findById(id);
  }

  /** The owner as the actor the export is built for, or null when the user is gone. */
  async ownerActor(row: ExportRow): Promise<Actor | null> {
    const user = await this.repo.findUser(row.ownerId);
    if (!user) return null;
    return { userId: user.id, role: user.role, studentId: user.studentId, via: 'system' };
  }

  async cohortName(actor: Actor, cohortId: number): Promise<string> {
    await assertCohortVisible(this.db, actor, cohortId);
    const row = await this.db
      .selectFrom('cohorts')
      .select('name')
      .where('id', '=', cohortId)
      .executeTakeFirst();
    if (!row) throw new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${cohortId}`);
    return row.name;
  }

  async marks(actor: Actor, params: ExportParams): Promise<MarkExportRow[]> {
    requireRole(actor, ALL_ROLES, 'read marks');
    await assertCohortVisible(this.db, actor, params.cohortId);
    const period = periodOf(params.from, params.to);
    return this.repo.marksOf(params.cohortId, period.firstDay, period.lastDay);
  }

  async markRunning(id: number): Promise<void> {
    await this.repo.update(id, {
      status: 'running',
      progress: 0,
      error: null,
      updatedAt: nowIso(this.clock),
    });
  }

  async setProgress(id: number, progress: number): Promise<void> {
    await this.repo.update(id, { progress, updatedAt: nowIso(this.clock) });
  }

  async markReady(id: number, file: ReadyFile): Promise<void> {
    const now = this.clock.now();
    await this.repo.update(id, {
      status: 'ready',
      progress: 100,
      fileName: file.fileName,
      filePath: file.filePath,
      sizeBytes: file.sizeBytes,
      error: null,
      expiresAt: new Date(now.getTime() + EXPORT_TTL_DAYS * DAY_MS).toISOString(),
      updatedAt: now.toISOString(),
    });
  }

  async markFailed(id: number, message: string): Promise<void> {
    await this.repo.update(id, { status: 'failed', error: message, updatedAt: nowIso(this.clock) });
  }

  // ---- helpers ----------------------------------------------------------------------------

  private async findVisible(actor: Actor, id: number): Promise<ExportRow> {
    const row = await this.repo.findById(id);
    if (!row || (row.ownerId !== actor.userId && actor.role !== 'admin')) {
      throw new AppError('OMAUM_EXPORT_NOT_FOUND', `You have no export ${id}`);
    }
    return row;
  }

  private isExpired(row: ExportRow): boolean {
    if (row.expiresAt === null) return false;
    return new Date(row.expiresAt).getTime() <= this.clock.now().getTime();
  }

  private toView(row: ExportRow): ExportView {
    const downloadable = row.status === 'ready' && !this.isExpired(row);
    return {
      id: row.id,
      kind: row.kind,
      format: row.format,
      params: paramsOf(row),
      status: row.status,
      progress: row.progress,
      fileName: row.fileName,
      sizeBytes: row.sizeBytes,
      error: row.error,
      expiresAt: toIso(row.expiresAt),
      downloadUrl: downloadable ? `/api/v1/exports/${row.id}/download` : null,
      createdAt: toIso(row.createdAt) ?? '',
      updatedAt: toIso(row.updatedAt) ?? '',
    };
  }
}

/** The stored parameters of an export. */
export function paramsOf(row: ExportRow): ExportParams {
  return JSON.parse(row.params) as ExportParams;
}

function toIso(value: string | null): string | null {
  if (value === null) return null;
  return new Date(value).toISOString();
}

/** Checks the kind accepts the format and has what it needs; returns the stored params. */
function validParams(input: ExportRequestBody): ExportParams {
  if (!FORMATS_OF[input.kind].includes(input.format)) {
    const allowed = FORMATS_OF[input.kind].join(', ');
    throw invalidFields([
      { field: 'format', message: `a ${input.kind} export is written as ${allowed}` },
    ]);
  }
  if (input.kind === 'student-report' && input.studentId === undefined) {
    throw invalidFields([{ field: 'studentId', message: 'is required' }]);
  }
  const to = input.to ?? input.from;
  periodOf(input.from, to);
  const month = input.kind === 'roll-call' ? (input.month ?? input.from) : (input.month ?? null);
  if (month !== null) monthRange(month);
  return {
    cohortId: input.cohortId,
    from: input.from,
    to,
    month,
    studentId: input.studentId ?? null,
  };
}
