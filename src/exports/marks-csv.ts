import type { MarkStatus } from '../platform/db/tables.ts';
import { formatDate, formatDateTime, label } from '../web/format.ts';
import type { CsvValue } from './csv-writer.ts';
import { writeCsv } from './csv-writer.ts';
import type { ExportOptions, ExportResult, ProgressReporter } from './export-types.ts';
import { DEFAULT_TIME_ZONE } from './export-types.ts';
import { trackProgress } from './progress.ts';

/** One mark as the `export.generate` job reads it (marks joined with session, activity, people). */
export interface MarkExportRow {
  /** Session date, `YYYY-MM-DD`. */
  readonly heldOn: string;
  readonly activityName: string;
  /** Tells apart several sessions of one activity on one day (1 for the first). */
  readonly slot: number;
  /** `HH:MM`, or null when the session has no time. */
  readonly time: string | null;
  /** An extra session counts for nobody; its marks are voluntary. */
  readonly isExtra: boolean;
  readonly studentName: string;
  readonly initiaticNumber: string;
  /** Null for a summons not marked yet (pending). */
  readonly status: MarkStatus | null;
  readonly isSummoned: boolean;
  readonly justification: string | null;
  /** ISO instant (UTC). */
  readonly recordedAt: string;
  /** The user's name, or null when unknown (e.g. imported). */
  readonly recordedBy: string | null;
}

export type MarkRows = readonly MarkExportRow[] | AsyncIterable<MarkExportRow>;

export interface MarksCsvOptions extends ExportOptions {
  /** How many rows an async source will yield, for progress; ignored for an array. */
  readonly total?: number;
}

const HEADER = [
  'Data',
  'Atividade',
  'Sessão',
  'Horário',
  'Dia extra',
  'Aluno',
  'Número iniciático',
  'Registro',
  'Descrição',
  'Convocado',
  'Justificativa',
  'Registrado em',
  'Registrado por',
];

/**
 * One row per mark, dates as `dd/mm/aaaa` and the recording instant as
 * `dd/mm/aaaa hh:mm` in `options.timeZone`. `Registro` keeps the status code
 * (`P`, `F`, `J`, `V1`, `V2`) so the file can be imported back; `Descrição`
 * says it in words. Rows may come as an array or streamed from the database
 * (then pass `options.total` for a meaningful progress bar). Written
 * atomically, CSV conventions as in csv-writer.ts.
 */
export async function writeMarksCsv(
  rows: MarkRows,
  file: string,
  onProgress?: ProgressReporter,
  options: MarksCsvOptions = {},
): Promise<ExportResult> {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const total = isArray(rows) ? rows.length : (options.total ?? 0);
  const progress = trackProgress(total, onProgress);
  const written = await writeCsv(file, HEADER, records(rows, timeZone), progress);
  return { rows: written };
}

function isArray(rows: MarkRows): rows is readonly MarkExportRow[] {
  return Array.isArray(rows);
}

async function* records(rows: MarkRows, timeZone: string): AsyncGenerator<CsvValue[]> {
  for await (const row of rows) yield recordOf(row, timeZone);
}

function recordOf(row: MarkExportRow, timeZone: string): CsvValue[] {
  return [
    formatDate(row.heldOn),
    row.activityName,
    row.slot,
    row.time,
    row.isExtra,
    row.studentName,
    row.initiaticNumber,
    row.status,
    row.status === null ? 'Pendente' : label('markStatus', row.status),
    row.isSummoned,
    row.justification,
    formatDateTime(row.recordedAt, timeZone),
    row.recordedBy,
  ];
}
