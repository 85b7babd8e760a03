import { formatMonth, formatPct } from '../web/format.ts';
import type { ExportResult, PdfExportOptions, ProgressReporter } from './export-types.ts';
import type { Pdf } from './pdf-document.ts';
import { BOLD, contentWidth, writePdf } from './pdf-document.ts';
import { drawHeading } from './pdf-heading.ts';
import type { PdfCell, PdfColumn, PdfHeaderCell, PdfTable } from './pdf-table.ts';
import { drawTable } from './pdf-table.ts';
import { trackProgress } from './progress.ts';
import { SHORTFALL_FILL, SHORTFALL_TEXT } from './sheet-pdf.ts';
import type { ReportLine, StudentReport } from './student-report-layout.ts';
import {
  REPORT_COLUMNS,
  displayPct,
  reportHeading,
  reportLines,
  reportPeriod,
} from './student-report-layout.ts';

const MONTH_WIDTH = 90;
const MIN_COUNT_WIDTH = 50;
const FONT_SIZE = 7.5;
const PCT_WIDTH = 44;
const SHORTFALL_WIDTH = 50;

/**
 * The student report ("boletim") as an A4 landscape PDF: the student and
 * period, then one line per month and activity and, in bold, the totals of the
 * period; shortfall percentages shaded as on the sheet. Same frame as every
 * PDF export (embedded font, "Página n de m", generated date). Written
 * atomically; progress counts lines.
 */
export async function writeStudentReportPdf(
  report: StudentReport,
  file: string,
  onProgress?: ProgressReporter,
  options: PdfExportOptions = {},
): Promise<ExportResult> {
  const lines = reportLines(report);
  const progress = trackProgress(lines.length, onProgress);
  await progress.start();

  await writePdf(
    file,
    {
      title: `Boletim · ${report.fullName}`,
      draw: async (doc) => {
        drawHeading(doc, 'Boletim do aluno', reportPeriod(report), reportHeading(report), 0);
        await drawTable(doc, tableOf(doc), lines.map(lineCells), () => progress.row());
      },
    },
    options,
  );

  await progress.finish();
  return { rows: lines.length };
}

function tableOf(doc: Pdf): PdfTable {
  // Counts are short: each column is as wide as its title needs.
  doc.font(BOLD).fontSize(FONT_SIZE);
  const countWidths = REPORT_COLUMNS.map((column) =>
    Math.max(MIN_COUNT_WIDTH, Math.ceil(doc.widthOfString(column.title)) + 8),
  );
  const fixed =
    MONTH_WIDTH + countWidths.reduce((sum, width) => sum + width, 0) + PCT_WIDTH + SHORTFALL_WIDTH;
  const columns: PdfColumn[] = [
    { width: MONTH_WIDTH, align: 'left' },
    { width: contentWidth(doc) - fixed, align: 'left' },
    ...countWidths.map((width) => ({ width, align: 'center' as const })),
    { width: PCT_WIDTH, align: 'center' },
    { width: SHORTFALL_WIDTH, align: 'center' },
  ];
  const titles = ['Mês', 'Atividade', ...REPORT_COLUMNS.map((c) => c.title), '%', 'Carência'];
  const header: PdfHeaderCell[] = titles.map((text, column) => ({ text, row: 0, column }));
  return {
    x: doc.page.margins.left,
    columns,
    headerRows: 1,
    header,
    fontSize: FONT_SIZE,
    rowHeight: 14,
  };
}

function lineCells(line: ReportLine): PdfCell[] {
  const bold = line.month === null;
  const cell = (text: string): PdfCell => ({ text, bold });
  const pct = formatPct(displayPct(line.cell));
  return [
    cell(line.month === null ? 'Período' : formatMonth(line.month)),
    cell(line.activityName),
    ...REPORT_COLUMNS.map((column) => cell(String(column.value(line.cell)))),
    line.cell.shortfall
      ? { text: pct, bold, fill: SHORTFALL_FILL, color: SHORTFALL_TEXT }
      : cell(pct),
    cell(line.cell.shortfall ? 'sim' : 'não'),
  ];
}
