import { parse } from 'csv-parse/sync';

import type { MarkStatus } from '../../platform/db/tables.ts';
import { UnrecoverableJobError } from '../../platform/jobs/job-queue.ts';

/** A row of the file as read, before activities and students are looked up. */
export interface ParsedRow {
  /** 1-based position among the data rows (the CSV header is not counted). */
  readonly row: number;
  readonly date: string;
  readonly slot: number;
  readonly activity: { readonly id: number } | { readonly name: string };
  readonly student: { readonly id: number } | { readonly initiaticNumber: string };
  readonly status: MarkStatus | null;
  readonly summoned?: boolean;
  readonly justification?: string;
}

/** Why a row cannot be imported: a pt-BR sentence and a stable code. */
export interface RowProblem {
  readonly row: number;
  readonly reason: string;
  readonly code: string;
}

export type ImportFormat = 'csv' | 'json';

export interface ParseOutcome {
  readonly rows: ParsedRow[];
  readonly problems: RowProblem[];
  readonly total: number;
}

const STATUSES: readonly MarkStatus[] = ['P', 'F', 'J', 'V1', 'V2'];
const CSV_COLUMNS = ['data', 'atividade', 'aluno', 'registro'] as const;

/** Raw values of one row, whatever the format. */
interface RawRow {
  readonly date: unknown;
  readonly slot: unknown;
  readonly activityId: unknown;
  readonly activity: unknown;
  readonly studentId: unknown;
  readonly initiaticNumber: unknown;
  readonly status: unknown;
  readonly summoned: unknown;
  readonly justification: unknown;
}

/** Reads every row; a file that cannot be read at all fails the job. */
export function parseImport(format: ImportFormat, content: string): ParseOutcome {
  const raws = format === 'csv' ? csvRows(content) : jsonRows(content);
  const rows: ParsedRow[] = [];
  const problems: RowProblem[] = [];
  raws.forEach((raw, index) => {
    const result = toParsedRow(index + 1, raw);
    if ('reason' in result) problems.push(result);
    else rows.push(result);
  });
  return { rows, problems, total: raws.length };
}

function csvRows(content: string): RawRow[] {
  let records: Record<string, string>[];
  try {
    records = parse<Record<string, string>>(content, {
      bom: true,
      delimiter: ';',
      columns: (header: string[]) => header.map(normalizeName),
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new UnrecoverableJobError(`O arquivo CSV não pôde ser lido: ${detail}`);
  }
  const first = records[0];
  const missing = first ? CSV_COLUMNS.filter((column) => !(column in first)) : [];
  if (missing.length > 0) {
    throw new UnrecoverableJobError(`Faltam colunas no cabeçalho: ${missing.join(', ')}`);
  }
  return records.map((record) => ({
    date: record.data,
    slot: record.sessao,
    activityId: undefined,
    activity: record.atividade,
    studentId: undefined,
    initiaticNumber: record['numero iniciatico'] ?? record.aluno,
    status: record.registro,
    summoned: record.convocado,
    justification: record.justificativa,
  }));
}

function jsonRows(content: string): RawRow[] {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new UnrecoverableJobError(`O conteúdo JSON não pôde ser lido: ${detail}`);
  }
  if (!Array.isArray(value)) {
    throw new UnrecoverableJobError('O conteúdo JSON deve ser uma lista de presenças');
  }
  return value.map((item: unknown) => {
    const entry: Record<string, unknown> = isRecord(item) ? item : {};
    return {
      date: entry.date,
      slot: entry.slot,
      activityId: entry.activityId,
      activity: entry.activity,
      studentId: entry.studentId,
      initiaticNumber: entry.initiaticNumber,
      status: entry.status,
      summoned: entry.summoned,
      justification: entry.justification,
    };
  });
}

function toParsedRow(row: number, raw: RawRow): ParsedRow | RowProblem {
  const problem = (reason: string, code: string): RowProblem => ({ row, reason, code });
  const date = parseDate(raw.date);
  if (date === null) return problem('data inválida (use dd/mm/aaaa ou AAAA-MM-DD)', 'invalid_date');
  const slot = parseSlot(raw.slot);
  if (slot === null) return problem('sessão inválida (um número de 1 a 20)', 'invalid_slot');
  const activity = activityRef(raw);
  if (activity === null) return problem('atividade não informada', 'activity_missing');
  const student = studentRef(raw);
  if (student === null) return problem('aluno não informado', 'student_missing');
  const summoned = parseSummoned(raw.summoned);
  if (summoned === null) return problem('convocado inválido (use sim ou não)', 'invalid_summoned');
  const status = parseStatus(raw.status);
  if (status === undefined || (status === null && summoned !== true)) {
    return problem('registro inválido (use P, F, J, V1 ou V2)', 'invalid_status');
  }
  const justification = textOf(raw.justification);
  return {
    row,
    date,
    slot,
    activity,
    student,
    status,
    ...(summoned === undefined ? {} : { summoned }),
    ...(justification === '' ? {} : { justification }),
  };
}

/** `dd/mm/aaaa` or `YYYY-MM-DD` → `YYYY-MM-DD`, or null when it is no calendar day. */
export function parseDate(value: unknown): string | null {
  const text = textOf(value);
  const br = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  const iso = br ? `${br[3]}-${br[2]}-${br[1]}` : text;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return null;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === iso ? iso : null;
}

function parseSlot(value: unknown): number | null {
  const text = textOf(value);
  if (text === '') return 1;
  const slot = Number(text);
  return Number.isInteger(slot) && slot >= 1 && slot <= 20 ? slot : null;
}

/** A status, null when blank, undefined when it is not one. */
function parseStatus(value: unknown): MarkStatus | null | undefined {
  const text = textOf(value).toUpperCase();
  if (text === '') return null;
  return STATUSES.find((status) => status === text);
}

/** true/false, undefined when blank, null when unreadable. */
function parseSummoned(value: unknown): boolean | undefined | null {
  if (typeof value === 'boolean') return value;
  const text = normalizeName(textOf(value));
  if (text === '') return undefined;
  if (['sim', 's', 'x', 'true', '1'].includes(text)) return true;
  if (['nao', 'n', 'false', '0'].includes(text)) return false;
  return null;
}

function activityRef(raw: RawRow): ParsedRow['activity'] | null {
  const id = positiveInteger(raw.activityId);
  if (id !== null) return { id };
  const name = textOf(raw.activity);
  return name === '' ? null : { name };
}

function studentRef(raw: RawRow): ParsedRow['student'] | null {
  const id = positiveInteger(raw.studentId);
  if (id !== null) return { id };
  const initiaticNumber = textOf(raw.initiaticNumber);
  return initiaticNumber === '' ? null : { initiaticNumber };
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  return '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Lower case, no accents, single spaces: how names and headers are compared. */
export function normalizeName(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
