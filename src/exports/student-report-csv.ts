import type { CsvValue } from './csv-writer.ts';
import { csvPct, writeCsv } from './csv-writer.ts';
import type { ExportResult, ProgressReporter } from './export-types.ts';
import { trackProgress } from './progress.ts';
import type { ReportLine, StudentReport } from './student-report-layout.ts';
import { REPORT_COLUMNS, reportLines } from './student-report-layout.ts';

/**
 * The student report as CSV: one line per month (`mm/aaaa`) and activity, then
 * one `Total` line per activity. Percentages carry two decimals with a dot;
 * `Carência` is `sim`/`não`. CSV conventions as in csv-writer.ts; written
 * atomically; progress counts lines.
 */
export async function writeStudentReportCsv(
  report: StudentReport,
  file: string,
  onProgress?: ProgressReporter,
): Promise<ExportResult> {
  const header = [
    'Aluno',
    'Mês',
    'Atividade',
    ...REPORT_COLUMNS.map((column) => column.title),
    '%',
    'Carência',
  ];
  const lines = reportLines(report);
  const records = lines.map((line) => recordOf(report, line));
  const rows = await writeCsv(file, header, records, trackProgress(lines.length, onProgress));
  return { rows };
}

function recordOf(report: StudentReport, line: ReportLine): CsvValue[] {
  return [
    report.fullName,
    line.month === null ? 'Total' : `${line.month.slice(5)}/${line.month.slice(0, 4)}`,
    line.activityName,
    ...REPORT_COLUMNS.map((column) => column.value(line.cell)),
    csvPct(line.cell.pct),
    line.cell.shortfall,
  ];
}
