import { enrollmentCovers } from '../attendance/statistics.ts';
import { formatMonth, formatWeekday } from '../web/format.ts';
import type { ExportResult, PdfExportOptions, ProgressReporter } from './export-types.ts';
import type { Pdf } from './pdf-document.ts';
import { REGULAR, contentWidth, writePdf } from './pdf-document.ts';
import { drawHeading } from './pdf-heading.ts';
import type { PdfCell, PdfColumn, PdfHeaderCell, PdfTable } from './pdf-table.ts';
import { drawTable, ensureRoom } from './pdf-table.ts';
import { trackProgress } from './progress.ts';
import type { HeadingLine } from './sheet-layout.ts';
import { displayName } from './sheet-layout.ts';

/** The cohort header; a sheet's `cohort` fits as it is. */
export interface RollCallCohort {
  readonly name: string;
  readonly courseName: string;
  readonly bookNumber?: string | null;
  readonly weekday?: string | null;
  readonly time?: string | null;
  readonly place?: string | null;
  readonly instructor?: { readonly name: string } | null;
}

/** The month grid's activities, sessions and students (MonthAttendanceService.read) fit. */
export interface RollCallInput {
  readonly cohort: RollCallCohort;
  /** `YYYY-MM` */
  readonly month: string;
  readonly activities: readonly { id: number; name: string; position: number }[];
  readonly sessions: readonly {
    activityId: number;
    date: string;
    slot: number;
    time: string | null;
    extra: boolean;
  }[];
  readonly students: readonly {
    fullName: string;
    situation: string;
    enrolledOn: string;
    endedOn: string | null;
  }[];
}

type RollCallSession = RollCallInput['sessions'][number];

interface SessionGroup {
  readonly name: string;
  readonly sessions: RollCallSession[];
}

const NUMBER_WIDTH = 18;
const MIN_NAME_WIDTH = 150;
const MAX_NAME_WIDTH = 240;
const MIN_SESSION_WIDTH = 16;
const MAX_SESSION_WIDTH = 30;
const OUTSIDE_ENROLLMENT = '#e6e6e6';

/**
 * A blank monthly roll-call sheet for paper: students down, the month's session
 * dates across under their activity names, an empty box in every cell where
 * the student is enrolled on that date (grey where not). Extra sessions are
 * starred. When a month has more sessions than fit across A4 landscape, the
 * columns continue on further pages. Same frame as every PDF export; written
 * atomically; progress counts students (once per page of columns).
 */
export async function writeRollCallPdf(
  input: RollCallInput,
  file: string,
  onProgress?: ProgressReporter,
  options: PdfExportOptions = {},
): Promise<ExportResult> {
  const groups = sessionGroups(input);
  const progress = trackProgress(input.students.length, onProgress);
  await progress.start();

  await writePdf(
    file,
    {
      title: `Lista de presença · ${input.cohort.name} · ${formatMonth(input.month)}`,
      draw: async (doc) => {
        drawHeading(doc, 'Lista de presença', formatMonth(input.month), headingOf(input), 1);
        const chunks = chunkGroups(groups, sessionsPerPage(doc));
        for (const [index, chunk] of chunks.entries()) {
          if (index > 0) doc.addPage();
          // Students are counted on the first page of columns only, so progress ends at total.
          const afterRow = index === 0 ? () => progress.row() : undefined;
          await drawTable(doc, tableOf(doc, chunk), rowsOf(input, chunk), afterRow);
        }
        drawFooterNote(doc);
      },
    },
    options,
  );

  await progress.finish();
  return { rows: input.students.length };
}

function headingOf(input: RollCallInput): HeadingLine[] {
  const { cohort } = input;
  const meetings = [
    formatWeekday(cohort.weekday ?? null),
    cohort.time ? `, ${cohort.time}` : '',
    cohort.place ? ` · ${cohort.place}` : '',
  ].join('');
  const lines: HeadingLine[] = [
    { label: 'Curso', value: cohort.courseName },
    {
      label: 'Turma',
      value: cohort.bookNumber ? `${cohort.name} · livro nº ${cohort.bookNumber}` : cohort.name,
    },
    { label: 'Encontros', value: meetings },
    { label: 'Instrutor', value: cohort.instructor?.name ?? '' },
    {
      label: 'Legenda',
      value:
        'P presente · F falta · J falta justificada · V1 voluntário (extra) · ' +
        'V2 voluntário (simples) · * dia extra · cinza: fora da matrícula',
    },
  ];
  return lines.filter((line) => line.value !== '');
}

/** Sessions grouped by activity, in sheet order, each group by date and slot. */
function sessionGroups(input: RollCallInput): SessionGroup[] {
  const activities = [...input.activities].sort((a, b) => a.position - b.position || a.id - b.id);
  return activities
    .map((activity) => ({
      name: activity.name,
      sessions: input.sessions
        .filter((session) => session.activityId === activity.id)
        .sort((a, b) => a.date.localeCompare(b.date) || a.slot - b.slot),
    }))
    .filter((group) => group.sessions.length > 0);
}

function sessionsPerPage(doc: Pdf): number {
  const room = contentWidth(doc) - NUMBER_WIDTH - MIN_NAME_WIDTH;
  return Math.max(1, Math.floor(room / MIN_SESSION_WIDTH));
}

/** Splits the groups into pages of at most `limit` session columns, cutting a group if needed. */
function chunkGroups(groups: readonly SessionGroup[], limit: number): SessionGroup[][] {
  const chunks: SessionGroup[][] = [[]];
  let room = limit;
  for (const group of groups) {
    let rest = group.sessions;
    while (rest.length > 0) {
      if (room === 0) {
        chunks.push([]);
        room = limit;
      }
      const taken = rest.slice(0, room);
      chunks.at(-1)?.push({ name: group.name, sessions: taken });
      room -= taken.length;
      rest = rest.slice(taken.length);
    }
  }
  return chunks;
}

function tableOf(doc: Pdf, groups: readonly SessionGroup[]): PdfTable {
  const sessions = groups.flatMap((group) => group.sessions);
  const width = contentWidth(doc);
  const room = width - NUMBER_WIDTH - MIN_NAME_WIDTH;
  const sessionWidth = Math.min(MAX_SESSION_WIDTH, room / Math.max(1, sessions.length));
  const nameWidth = Math.min(MAX_NAME_WIDTH, width - NUMBER_WIDTH - sessionWidth * sessions.length);
  const columns: PdfColumn[] = [
    { width: NUMBER_WIDTH, align: 'center' },
    { width: nameWidth, align: 'left' },
    ...sessions.map(() => ({ width: sessionWidth, align: 'center' as const })),
  ];
  return {
    x: doc.page.margins.left,
    columns,
    headerRows: 2,
    header: headerCells(groups),
    fontSize: 7,
    rowHeight: 16,
  };
}

function headerCells(groups: readonly SessionGroup[]): PdfHeaderCell[] {
  const cells: PdfHeaderCell[] = [
    { text: 'Nº', row: 0, column: 0, rowSpan: 2 },
    { text: 'Aluno', row: 0, column: 1, rowSpan: 2 },
  ];
  let column = 2;
  for (const group of groups) {
    cells.push({ text: group.name, row: 0, column, colSpan: group.sessions.length });
    for (const session of group.sessions) {
      cells.push({ text: dayLabel(session, group.sessions), row: 1, column });
      column += 1;
    }
  }
  return cells;
}

/** `05`, `05*` for an extra session; `05 20h` when the activity meets twice that day. */
function dayLabel(session: RollCallSession, siblings: readonly RollCallSession[]): string {
  const day = `${session.date.slice(8, 10)}${session.extra ? '*' : ''}`;
  const sameDay = siblings.filter((other) => other.date === session.date).length;
  if (sameDay < 2) return day;
  return `${day} ${session.time ? shortTime(session.time) : `(${session.slot})`}`;
}

/** `20:00` → `20h`, `20:30` → `20h30`: the columns are narrow. */
function shortTime(time: string): string {
  const [hours = '', minutes = '00'] = time.split(':');
  return minutes === '00' ? `${hours}h` : `${hours}h${minutes}`;
}

function rowsOf(input: RollCallInput, groups: readonly SessionGroup[]): PdfCell[][] {
  const sessions = groups.flatMap((group) => group.sessions);
  return input.students.map((student, index) => [
    { text: String(index + 1) },
    { text: displayName(student) },
    ...sessions.map((session): PdfCell =>
      enrollmentCovers(student, session.date)
        ? { text: '', box: true }
        : { text: '', fill: OUTSIDE_ENROLLMENT },
    ),
  ]);
}

function drawFooterNote(doc: Pdf): void {
  const left = doc.page.margins.left;
  const y = ensureRoom(doc, 40) + 24;
  doc.font(REGULAR).fontSize(8).fillColor('#000000');
  doc.text('Responsável: ______________________________', left, y, { lineBreak: false });
  doc.text('Data: ____/____/________', left + 320, y, { lineBreak: false });
}
