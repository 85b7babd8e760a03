import type { Pdf } from './pdf-document.ts';
import { BOLD, REGULAR, contentWidth, fitText } from './pdf-document.ts';
import type { HeadingLine } from './sheet-layout.ts';

const LINE_HEIGHT = 11;
const FONT_SIZE = 8;

/**
 * The title block at the top of the first page: title, subtitle, then the
 * `label: value` lines in two columns (the long ones, which are the last two
 * of a sheet heading, across the whole width). Leaves `doc.y` below it.
 */
export function drawHeading(
  doc: Pdf,
  title: string,
  subtitle: string,
  lines: readonly HeadingLine[],
  wideLines = 2,
): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.font(BOLD).fontSize(14).text(title, left, doc.page.margins.top, { width });
  doc
    .font(BOLD)
    .fontSize(10)
    .text(subtitle, left, doc.y + 2, { width });

  const split = Math.max(0, lines.length - wideLines);
  const narrow = lines.slice(0, split);
  const rowsPerColumn = Math.ceil(narrow.length / 2);
  const top = doc.y + 6;
  narrow.forEach((line, index) => {
    const column = index < rowsPerColumn ? 0 : 1;
    const y = top + (index % Math.max(1, rowsPerColumn)) * LINE_HEIGHT;
    drawLine(doc, line, left + column * (width / 2), y, width / 2 - 8);
  });
  const wideTop = top + rowsPerColumn * LINE_HEIGHT;
  lines.slice(split).forEach((line, index) => {
    drawLine(doc, line, left, wideTop + index * LINE_HEIGHT, width);
  });
  doc.y = wideTop + (lines.length - split) * LINE_HEIGHT + 8;
}

function drawLine(doc: Pdf, line: HeadingLine, x: number, y: number, width: number): void {
  const labelText = `${line.label}: `;
  doc.font(BOLD).fontSize(FONT_SIZE);
  const labelWidth = doc.widthOfString(labelText);
  doc.text(labelText, x, y, { lineBreak: false });
  doc.font(REGULAR).fontSize(FONT_SIZE);
  const valueWidth = width - labelWidth;
  doc.text(fitText(doc, line.value, valueWidth - 0.5), x + labelWidth, y, {
    width: valueWidth,
    lineBreak: false,
  });
}
