/**
 * The student report ("boletim") as its exports lay it out: one line per month
 * and activity, then one total line per activity for the whole period. Unlike
 * the sheet, every counter has its own column (excused absences apart from
 * absences, both kinds of voluntary mark, pending), because a single student's
 * report is read line by line rather than compared across a cohort.
 */
import type { Static } from 'typebox';

import { roundPct } from '../attendance/statistics.ts';
import type { ActivityCell, StudentReportSchema } from '../sheets/sheets.schemas.ts';
import { formatDate, formatMonth } from '../web/format.ts';
import type { HeadingLine } from './sheet-layout.ts';

export type StudentReport = Static<typeof StudentReportSchema>;

export interface ReportLine {
  /** `YYYY-MM`, or null on the period's total lines. */
  readonly month: string | null;
  readonly activityName: string;
  readonly cell: ActivityCell;
}

export interface ReportColumn {
  readonly title: string;
  readonly value: (cell: ActivityCell) => number;
}

export const REPORT_COLUMNS: readonly ReportColumn[] = [
  { title: 'Previstos', value: (cell) => cell.expected },
  { title: 'Presenças', value: (cell) => cell.present },
  { title: 'Faltas', value: (cell) => cell.absent },
  { title: 'Justificadas', value: (cell) => cell.excused },
  { title: 'Vol. extra', value: (cell) => cell.volunteerExtra },
  { title: 'Vol. simples', value: (cell) => cell.volunteerSimple },
  { title: 'Pendentes', value: (cell) => cell.pending },
  { title: 'Faltam p/ mínimo', value: (cell) => cell.missingToMinimum },
];

export function reportLines(report: StudentReport): ReportLine[] {
  const names = new Map(report.activities.map((a) => [a.activityId, a.name]));
  const lineOf = (month: string | null, cell: ActivityCell): ReportLine => ({
    month,
    activityName: names.get(cell.activityId) ?? '',
    cell,
  });
  return [
    ...report.months.flatMap((month) => month.activities.map((cell) => lineOf(month.month, cell))),
    ...report.total.activities.map((cell) => lineOf(null, cell)),
  ];
}

/** The whole-number percentage of paper, rounded from the counters as the sheet does. */
export function displayPct(cell: ActivityCell): number | null {
  return roundPct(cell.present, cell.expected, 'display');
}

export function reportPeriod(report: StudentReport): string {
  const { period } = report;
  const months =
    period.from === period.to
      ? formatMonth(period.from)
      : `${formatMonth(period.from)} a ${formatMonth(period.to)}`;
  return `${months} (${formatDate(period.firstDay)} a ${formatDate(period.lastDay)})`;
}

export function reportHeading(report: StudentReport): HeadingLine[] {
  return [
    { label: 'Aluno', value: report.fullName },
    { label: 'Turma', value: report.cohortName },
    { label: 'Voluntários no período', value: String(report.total.volunteer) },
    { label: 'Carências', value: String(report.total.shortfalls) },
    { label: 'Liberado', value: report.total.cleared ? 'sim' : 'não' },
  ];
}
