import type { Sheet, SheetRow } from '../sheets/sheets.schemas.ts';
import { formatPct } from '../web/format.ts';
import type { ExportResult, PdfExportOptions, ProgressReporter } from './export-types.ts';
import { drawHeading } from './pdf-heading.ts';
import type { Pdf } from './pdf-document.ts';
import { BOLD, REGULAR, contentWidth, writePdf } from './pdf-document.ts';
import type { PdfCell, PdfColumn, PdfHeaderCell, PdfTable } from './pdf-table.ts';
import { drawTable, ensureRoom } from './pdf-table.ts';
import { trackProgress } from './progress.ts';
import type { SheetGroup, SheetValue } from './sheet-layout.ts';
import {
  COLUMN_TITLES,
  SUMMARY_COLUMNS,
  cellsByGroup,
  displayName,
  groupValues,
  isDisconnected,
  sheetGroups,
  sheetHeading,
} from './sheet-layout.ts';

export const SHORTFALL_FILL = '#ffc7ce';
export const SHORTFALL_TEXT = '#9c0006';
const GREY_TEXT = '#808080';

const NUMBER_COLUMN_WIDTH = 18;
const MIN_NAME_WIDTH = 170;
// A percentage ("100%") needs about half as much room again as a count.
const PCT_WEIGHT = 1.6;

/**
 * The sheet as an A4 landscape PDF: the heading, then the table (header
 * repeated on every page; shortfall percentages shaded light red), then the
 * summary. The embedded DejaVu Sans prints every accent; each page's footer
 * has the generated date (`dd/mm/aaaa`) and "Página n de m". Column widths and
 * type size shrink with the number of activities so the table always fits the
 * page width. Written atomically; progress counts students.
 */
export async function writeSheetPdf(
  sheet: Sheet,
  file: string,
  onProgress?: ProgressReporter,
  options: PdfExportOptions = {},
): Promise<ExportResult> {
  const heading = sheetHeading(sheet);
  const progress = trackProgress(sheet.rows.length, onProgress);
  await progress.start();

  await writePdf(
    file,
    {
      title: `${heading.title} · ${sheet.cohort.name}`,
      draw: async (doc) => {
        drawHeading(doc, heading.title, heading.period, heading.lines);
        await drawStudents(doc, sheet, () => progress.row());
        drawSummary(doc, sheet);
      },
    },
    options,
  );

  await progress.finish();
  return { rows: sheet.rows.length };
}

async function drawStudents(doc: Pdf, sheet: Sheet, afterRow: () => Promise<void>) {
  if (sheet.rows.length === 0) {
    doc
      .font(REGULAR)
      .fontSize(9)
      .text('Nenhum aluno matriculado no período.', doc.page.margins.left);
    return;
  }
  const groups = sheetGroups(sheet);
  const table = tableOf(doc, groups);
  const rows = sheet.rows.map((row, index) => rowCells(groups, row, index));
  await drawTable(doc, table, rows, afterRow);
}

function tableOf(doc: Pdf, groups: readonly SheetGroup[]): PdfTable {
  const width = contentWidth(doc);
  const weights = [...groups.flatMap((group) => group.columns), 'Vol', 'Car'].map((column) =>
    column === '%' ? PCT_WEIGHT : 1,
  );
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const available = width - NUMBER_COLUMN_WIDTH - MIN_NAME_WIDTH;
  const unit = Math.max(9, Math.min(24, available / totalWeight));
  const nameWidth = width - NUMBER_COLUMN_WIDTH - unit * totalWeight;
  const fontSize = Math.max(5, Math.min(8, unit * 0.42));
  const columns: PdfColumn[] = [
    { width: NUMBER_COLUMN_WIDTH, align: 'center' },
    { width: Math.max(MIN_NAME_WIDTH / 2, nameWidth), align: 'left' },
    ...weights.map((weight) => ({ width: unit * weight, align: 'center' as const })),
  ];
  return {
    x: doc.page.margins.left,
    columns,
    headerRows: 2,
    header: headerCells(groups),
    fontSize,
    rowHeight: Math.max(11, fontSize + 6),
  };
}

function headerCells(groups: readonly SheetGroup[]): PdfHeaderCell[] {
  const cells: PdfHeaderCell[] = [
    { text: 'Nº', row: 0, column: 0, rowSpan: 2 },
    { text: 'Aluno', row: 0, column: 1, rowSpan: 2 },
  ];
  let column = 2;
  for (const group of groups) {
    cells.push({ text: group.name, row: 0, column, colSpan: group.columns.length });
    group.columns.forEach((title, offset) => {
      cells.push({ text: title, row: 1, column: column + offset });
    });
    column += group.columns.length;
  }
  cells.push({ text: 'Vol', row: 0, column, rowSpan: 2 });
  cells.push({ text: 'Car', row: 0, column: column + 1, rowSpan: 2 });
  return cells;
}

function rowCells(groups: readonly SheetGroup[], row: SheetRow, index: number): PdfCell[] {
  const color = isDisconnected(row) ? GREY_TEXT : undefined;
  const plain = (text: string): PdfCell => (color ? { text, color } : { text });
  const cells = cellsByGroup(groups, row);
  const values = groups.flatMap((group, position) => groupValues(group, cells[position]));
  return [
    plain(String(index + 1)),
    plain(displayName(row)),
    ...values.map((value) => valueCell(value, plain)),
    plain(String(row.volunteer)),
    row.cleared
      ? plain(String(row.shortfalls))
      : { text: String(row.shortfalls), bold: true, color: SHORTFALL_TEXT },
  ];
}

function valueCell(value: SheetValue, plain: (text: string) => PdfCell): PdfCell {
  if (value.column !== '%') return plain(value.value === null ? '' : String(value.value));
  const text = formatPct(value.value);
  return value.isShortfall ? { text, fill: SHORTFALL_FILL, color: SHORTFALL_TEXT } : plain(text);
}

function drawSummary(doc: Pdf, sheet: Sheet): void {
  const left = doc.page.margins.left;
  doc.y = ensureRoom(doc, 90) + 10;
  doc.font(BOLD).fontSize(10).text('Resumo', left, doc.y);
  doc.y += 3;

  const columnWidth = 62;
  const top = doc.y;
  SUMMARY_COLUMNS.forEach((column, index) => {
    const x = left + index * columnWidth;
    drawSummaryCell(doc, x, top, columnWidth, column.label, true);
    drawSummaryCell(doc, x, top + 13, columnWidth, String(column.value(sheet.summary)));
  });
  doc.y = top + 32;
  doc.font(REGULAR).fontSize(7).fillColor('#333333');
  doc.text(legend(sheet), left, doc.y, { width: contentWidth(doc) });
  doc.fillColor('#000000');
}

function drawSummaryCell(
  doc: Pdf,
  x: number,
  y: number,
  width: number,
  text: string,
  isLabel = false,
): void {
  if (isLabel) doc.rect(x, y, width, 13).fill('#d9d9d9');
  doc.lineWidth(0.5).strokeColor('#808080').rect(x, y, width, 13).stroke();
  doc
    .font(isLabel ? BOLD : REGULAR)
    .fontSize(7.5)
    .fillColor('#000000')
    .text(text, x, y + 3, { width, align: 'center', lineBreak: false });
}

function legend(sheet: Sheet): string {
  const columns = Object.entries(COLUMN_TITLES)
    .map(([column, title]) => `${column} ${title}`)
    .join(' · ');
  return (
    `${columns} · Vol voluntários (V1 + V2) · Car carências. ` +
    `Percentual em destaque: carência (abaixo de ${sheet.cohort.minAttendancePct}%). ` +
    'Desligados aparecem no relatório, mas ficam fora das contagens do resumo.'
  );
}
