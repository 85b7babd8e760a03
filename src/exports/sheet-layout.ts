/**
 * The sheet ("Relatório mensal / acumulado") as every export lays it out: the
 * heading lines, the activity groups with their columns, the numbers of a row
 * and the summary block. XLSX, PDF and CSV all read from here so their numbers
 * cannot drift apart, and they follow the page (src/sheets/sheets.pages.ts).
 */
import { roundPct } from '../attendance/statistics.ts';
import type { ActivityCell, Sheet, SheetRow } from '../sheets/sheets.schemas.ts';
import { formatDate, formatMonth, formatWeekday, label } from '../web/format.ts';

export type SheetActivity = Sheet['activities'][number];
export type SheetSummary = Sheet['summary'];

/** `c` summoned, `p` present, `f` absent (excused included), `v` voluntary, `%` attendance. */
export type SheetColumn = 'c' | 'p' | 'f' | 'v' | '%';

export const COLUMN_TITLES: Readonly<Record<SheetColumn, string>> = {
  c: 'convocações',
  p: 'presenças',
  f: 'faltas (justificadas incluídas)',
  v: 'voluntários',
  '%': 'frequência',
};

export interface SheetGroup {
  readonly activity: SheetActivity;
  /** The activity name, made unique among the groups so CSV headers never repeat. */
  readonly name: string;
  readonly columns: readonly SheetColumn[];
}

export interface SheetValue {
  readonly column: SheetColumn;
  /** A count; for `%` the whole-number percentage as on paper; null when nothing was expected. */
  readonly value: number | null;
  /** For `%`: the two-decimal percentage that APIs and CSV carry; null otherwise. */
  readonly exactPct: number | null;
  /** Only the `%` column of an activity in shortfall, as the page highlights it. */
  readonly isShortfall: boolean;
}

export interface HeadingLine {
  readonly label: string;
  readonly value: string;
}

export interface SheetHeading {
  readonly title: string;
  /** `março de 2026 (01/03/2026 a 31/03/2026)` */
  readonly period: string;
  readonly lines: readonly HeadingLine[];
}

export interface SummaryColumn {
  readonly label: string;
  readonly value: (summary: SheetSummary) => number;
}

const BUCKETS = ['0', '1', '2', '3', '4', '5+'] as const;

/** Bucket counts, then cleared, then head-counts: the order of the page's summary table. */
export const SUMMARY_COLUMNS: readonly SummaryColumn[] = [
  ...BUCKETS.map((bucket) => ({
    label: `${bucket} car.`,
    value: (summary: SheetSummary) => summary.byShortfalls[bucket],
  })),
  { label: 'Liberados', value: (summary) => summary.cleared },
  { label: 'Não liberados', value: (summary) => summary.notCleared },
  { label: 'Ativos', value: (summary) => summary.active },
  { label: 'Afastados', value: (summary) => summary.onLeave },
  { label: 'Desligados', value: (summary) => summary.disconnected },
];

export function columnsOf(activity: SheetActivity): readonly SheetColumn[] {
  return activity.mode === 'convocation' ? ['c', 'p', 'f', 'v', '%'] : ['p', 'f', '%'];
}

export function sheetGroups(sheet: Sheet): SheetGroup[] {
  const seen = new Map<string, number>();
  return sheet.activities.map((activity) => {
    const count = (seen.get(activity.name) ?? 0) + 1;
    seen.set(activity.name, count);
    const name = count === 1 ? activity.name : `${activity.name} (${count})`;
    return { activity, name, columns: columnsOf(activity) };
  });
}

/**
 * The numbers of one group of a row. `c` counts every session the student was
 * summoned to, marked or not; `f` adds excused absences because the percentage
 * counts them as absences (rule 4); the whole-number `%` is rounded from the
 * counters, not from the two-decimal value, exactly as the page does.
 */
export function groupValues(group: SheetGroup, cell: ActivityCell | undefined): SheetValue[] {
  return group.columns.map((column) => {
    if (!cell) return { column, value: null, exactPct: null, isShortfall: false };
    if (column === '%') {
      const value = roundPct(cell.present, cell.expected, 'display');
      return { column, value, exactPct: cell.pct, isShortfall: cell.shortfall };
    }
    return { column, value: countOf(column, cell), exactPct: null, isShortfall: false };
  });
}

function countOf(column: Exclude<SheetColumn, '%'>, cell: ActivityCell): number {
  switch (column) {
    case 'c':
      return cell.expected + cell.pending;
    case 'p':
      return cell.present;
    case 'f':
      return cell.absent + cell.excused;
    case 'v':
      return cell.volunteerExtra + cell.volunteerSimple;
  }
}

/** The cells of a row in group order; activities without a cell give undefined. */
export function cellsByGroup(groups: readonly SheetGroup[], row: SheetRow) {
  const cells = new Map(row.activities.map((cell) => [cell.activityId, cell]));
  return groups.map((group) => cells.get(group.activity.activityId));
}

/** The student's name, followed by the situation when it is not "active", as on the page. */
export function displayName(row: Pick<SheetRow, 'fullName' | 'situation'>): string {
  if (row.situation === 'active') return row.fullName;
  return `${row.fullName} (${label('situation', row.situation).toLowerCase()})`;
}

export function isDisconnected(row: Pick<SheetRow, 'situation'>): boolean {
  return row.situation === 'disconnected';
}

export function sheetHeading(sheet: Sheet): SheetHeading {
  const { period } = sheet;
  const isMonthly = period.from === period.to;
  const months = isMonthly
    ? formatMonth(period.from)
    : `${formatMonth(period.from)} a ${formatMonth(period.to)}`;
  return {
    title: isMonthly ? 'Relatório Mensal de Atividades' : 'Relatório Acumulado',
    period: `${months} (${formatDate(period.firstDay)} a ${formatDate(period.lastDay)})`,
    lines: [
      ...cohortLines(sheet.cohort),
      ...staffLines(sheet.cohort),
      { label: 'Dias no período', value: sessionCounts(sheet.activities) },
      { label: 'Limite', value: limitText(sheet.cohort) },
    ],
  };
}

function cohortLines(cohort: Sheet['cohort']): HeadingLine[] {
  const book = cohort.bookNumber ? ` · livro nº ${cohort.bookNumber}` : '';
  const meetings = [
    formatWeekday(cohort.weekday),
    cohort.time ? `, ${cohort.time}` : '',
    cohort.place ? ` · ${cohort.place}` : '',
  ].join('');
  const lines: HeadingLine[] = [
    { label: 'Curso', value: cohort.courseName },
    { label: 'Turma', value: `${cohort.name}${book}` },
    { label: 'Encontros', value: cohort.weekday ? meetings : '' },
    { label: 'Iniciação', value: formatDate(cohort.initiationDate) },
    { label: 'Início das atividades', value: formatDate(cohort.activitiesStartDate) },
    { label: 'Primeira aula', value: formatDate(cohort.firstLessonDate) },
    { label: 'Término', value: formatDate(cohort.endDate) },
  ];
  return lines.filter((line) => line.value !== '');
}

function staffLines(cohort: Sheet['cohort']): HeadingLine[] {
  return [
    { label: 'Instrutor', value: cohort.instructor?.name ?? '' },
    { label: 'Instrutor assistente', value: cohort.assistantInstructor?.name ?? '' },
    { label: 'Auxiliar de instrução', value: cohort.aide?.name ?? '' },
  ].filter((line) => line.value !== '');
}

function sessionCounts(activities: readonly SheetActivity[]): string {
  if (activities.length === 0) return 'nenhum';
  return activities
    .map((activity) => {
      const extra = activity.extraSessions > 0 ? ` (+${activity.extraSessions} extra)` : '';
      return `${activity.name}: ${activity.sessions}${extra}`;
    })
    .join(' · ');
}

const PT_BR_NUMBER = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 2 });

function limitText(cohort: Sheet['cohort']): string {
  return (
    `mínimo de ${PT_BR_NUMBER.format(cohort.minAttendancePct)}% de presença; ` +
    `liberado com até ${cohort.maxShortfallsToClear} carência(s)`
  );
}
