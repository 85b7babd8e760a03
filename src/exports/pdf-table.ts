/**
 * A ruled table drawn row by row on pdfkit pages, its header repeated at the
 * top of every page it continues on. Cells hold one line each (text that does
 * not fit is cut with an ellipsis): the sheets are grids of short numbers.
 */
import type { Pdf } from './pdf-document.ts';
import { BOLD, REGULAR, contentBottom, fitText } from './pdf-document.ts';

export type Align = 'left' | 'center' | 'right';

export interface PdfColumn {
  /** In points. */
  readonly width: number;
  readonly align: Align;
}

/** A header cell placed on the header grid; spans default to 1. */
export interface PdfHeaderCell {
  readonly text: string;
  readonly row: number;
  readonly column: number;
  readonly rowSpan?: number;
  readonly colSpan?: number;
}

export interface PdfCell {
  readonly text: string;
  /** Background colour (`#rrggbb`). */
  readonly fill?: string;
  readonly color?: string;
  readonly bold?: boolean;
  /** An empty square to write in (roll-call sheets). */
  readonly box?: boolean;
}

export interface PdfTable {
  readonly x: number;
  readonly columns: readonly PdfColumn[];
  readonly headerRows: number;
  readonly header: readonly PdfHeaderCell[];
  /** In points. */
  readonly fontSize: number;
  readonly rowHeight: number;
}

const HEADER_FILL = '#d9d9d9';
const RULE_COLOR = '#808080';
const CELL_PADDING = 2;

/**
 * Draws the header at `doc.y`, then each row, opening a page (and drawing the
 * header again) whenever the next row would run into the footer. Calls
 * `afterRow` once per row drawn; leaves `doc.y` under the last row.
 */
export async function drawTable(
  doc: Pdf,
  table: PdfTable,
  rows: Iterable<readonly PdfCell[]>,
  afterRow: () => Promise<void> = async () => undefined,
): Promise<void> {
  let y = ensureRoom(doc, table.rowHeight * (table.headerRows + 1));
  y = drawHeader(doc, table, y);
  for (const row of rows) {
    if (y + table.rowHeight > contentBottom(doc)) {
      doc.addPage();
      y = drawHeader(doc, table, doc.page.margins.top);
    }
    drawRow(doc, table, row, y);
    y += table.rowHeight;
    await afterRow();
  }
  doc.y = y;
}

/** `doc.y`, or the top of a new page when `height` points do not fit below it. */
export function ensureRoom(doc: Pdf, height: number): number {
  if (doc.y + height <= contentBottom(doc)) return doc.y;
  doc.addPage();
  return doc.page.margins.top;
}

/** x of each column's left edge, then the table's right edge. */
function edges(table: PdfTable): number[] {
  const result = [table.x];
  for (const column of table.columns) result.push((result.at(-1) ?? table.x) + column.width);
  return result;
}

function drawHeader(doc: Pdf, table: PdfTable, top: number): number {
  const xs = edges(table);
  for (const cell of table.header) {
    const colSpan = cell.colSpan ?? 1;
    const rowSpan = cell.rowSpan ?? 1;
    const x = xs[cell.column] ?? table.x;
    const width = (xs[cell.column + colSpan] ?? x) - x;
    const y = top + cell.row * table.rowHeight;
    const height = rowSpan * table.rowHeight;
    drawBox(doc, x, y, width, height, HEADER_FILL);
    const text = { text: cell.text, bold: true, shrink: true };
    writeText(doc, table, text, { x, y, width, height }, 'center');
  }
  return top + table.headerRows * table.rowHeight;
}

function drawRow(doc: Pdf, table: PdfTable, row: readonly PdfCell[], y: number): void {
  const xs = edges(table);
  table.columns.forEach((column, index) => {
    const cell = row[index] ?? { text: '' };
    const x = xs[index] ?? table.x;
    const area = { x, y, width: column.width, height: table.rowHeight };
    drawBox(doc, x, y, column.width, table.rowHeight, cell.fill);
    if (cell.box) drawWriteInBox(doc, area);
    writeText(doc, table, cell, area, column.align);
  });
}

interface Area {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

function drawBox(doc: Pdf, x: number, y: number, width: number, height: number, fill?: string) {
  if (fill) doc.rect(x, y, width, height).fill(fill);
  doc.lineWidth(0.5).strokeColor(RULE_COLOR).rect(x, y, width, height).stroke();
}

function drawWriteInBox(doc: Pdf, area: Area): void {
  const side = Math.min(area.width, area.height) - 5;
  const x = area.x + (area.width - side) / 2;
  const y = area.y + (area.height - side) / 2;
  doc.lineWidth(0.6).strokeColor('#000000').rect(x, y, side, side).stroke();
}

// Header text may shrink this far before it is cut: a column title should stay whole.
const MIN_HEADER_FONT_SIZE = 5;

function writeText(
  doc: Pdf,
  table: PdfTable,
  cell: PdfCell & { shrink?: boolean },
  area: Area,
  align: Align,
): void {
  if (cell.text === '') return;
  doc
    .font(cell.bold ? BOLD : REGULAR)
    .fontSize(table.fontSize)
    .fillColor(cell.color ?? '#000000');
  // Half a point of slack: pdfkit wraps a line that fits only to the last rounding error.
  const width = area.width - 2 * CELL_PADDING;
  if (cell.shrink) shrinkToFit(doc, cell.text, width - 0.5, table.fontSize);
  const text = fitText(doc, cell.text, width - 0.5);
  const y = area.y + (area.height - doc.currentLineHeight()) / 2;
  doc.text(text, area.x + CELL_PADDING, y, { width, align, lineBreak: false });
  doc.fillColor('#000000');
}

function shrinkToFit(doc: Pdf, text: string, width: number, fontSize: number): void {
  let size = fontSize;
  while (size > MIN_HEADER_FONT_SIZE && doc.widthOfString(text) > width) {
    size -= 0.5;
    doc.fontSize(size);
  }
}
