import { createWriteStream } from 'node:fs';

import ExcelJS from 'exceljs';
import type { Cell, PaperSize, Style, Worksheet } from 'exceljs';

import type { Sheet, SheetRow } from '../sheets/sheets.schemas.ts';
import type { ExportOptions, ExportResult, ProgressReporter } from './export-types.ts';
import { generatedOn } from './generated-on.ts';
import { discardStream, writeAtomically } from './output-file.ts';
import type { Progress } from './progress.ts';
import { trackProgress } from './progress.ts';
import type { SheetGroup, SheetValue } from './sheet-layout.ts';
import {
  SUMMARY_COLUMNS,
  cellsByGroup,
  displayName,
  groupValues,
  isDisconnected,
  sheetGroups,
  sheetHeading,
} from './sheet-layout.ts';
import * as styles from './xlsx-styles.ts';

/** Where the parts of the worksheet start, worked out once from the sheet. */
interface Layout {
  readonly groups: readonly SheetGroup[];
  /** 1-based column of each group's first column. */
  readonly groupStarts: readonly number[];
  readonly volColumn: number;
  readonly carColumn: number;
  /** 1-based row of the first of the two header rows. */
  readonly headerRow: number;
}

const NAME_COLUMN = 2;
const A4 = 9;
const FIRST_GROUP_COLUMN = 3;

/**
 * The sheet as a workbook, laid out like the paper one: title rows (course,
 * cohort, period, instructors, session counts, limit), a two-row header
 * (activity names merged over their `p f %` / `c p f v %` columns, then `Vol`
 * and `Car`), one row per student, and the summary below.
 *
 * Percentages are stored as the whole-number percentage of the page divided by
 * 100 with the `0%` format, so Excel shows `67%` and computes with 0.67.
 * Shortfall percentages are filled light red with dark red text; disconnected
 * students are grey italics. Rows are streamed (exceljs WorkbookWriter), so
 * memory does not grow with the number of students. Written atomically;
 * progress counts students.
 */
export async function writeSheetXlsx(
  sheet: Sheet,
  file: string,
  onProgress?: ProgressReporter,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const progress = trackProgress(sheet.rows.length, onProgress);
  const generated = generatedOn(options);
  await progress.start();

  await writeAtomically(file, async (partialFile) => {
    // Our own stream, so a failure half-way can close the file before it is removed.
    const out = createWriteStream(partialFile);
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: out,
      useStyles: true,
      useSharedStrings: false,
    });
    workbook.creator = 'OMAUM';
    workbook.created = options.generatedAt ?? new Date();
    try {
      const { worksheet, layout } = startWorksheet(workbook, sheet, generated);
      await writeStudentRows(worksheet, sheet, layout, progress);
      writeSummary(worksheet, sheet, layout.headerRow + 2 + sheet.rows.length + 1);
      worksheet.commit();
      await workbook.commit();
    } catch (error) {
      await discardStream(out);
      throw error;
    }
  });

  await progress.finish();
  return { rows: sheet.rows.length };
}

function startWorksheet(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  sheet: Sheet,
  generated: string,
): { worksheet: Worksheet; layout: Layout } {
  const heading = sheetHeading(sheet);
  const headingRows = 2 + heading.lines.length + 1;
  const layout = layoutOf(sheet, headingRows + 2);
  const worksheet = workbook.addWorksheet('Relatório', {
    views: [{ state: 'frozen', xSplit: NAME_COLUMN, ySplit: layout.headerRow + 1 }],
    pageSetup: {
      // PaperSize is a const enum, which isolated modules cannot read: 9 is its A4.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
      paperSize: A4 as PaperSize,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
    },
    headerFooter: { oddFooter: `&LGerado em ${generated}&RPágina &P de &N` },
  });
  worksheet.columns = columnWidths(sheet, layout);

  writeHeading(worksheet, sheet, generated);
  writeTableHeader(worksheet, layout);
  return { worksheet, layout };
}

function layoutOf(sheet: Sheet, headerRow: number): Layout {
  const groups = sheetGroups(sheet);
  const groupStarts: number[] = [];
  let next = FIRST_GROUP_COLUMN;
  for (const group of groups) {
    groupStarts.push(next);
    next += group.columns.length;
  }
  return { groups, groupStarts, volColumn: next, carColumn: next + 1, headerRow };
}

function columnWidths(sheet: Sheet, layout: Layout): { width: number }[] {
  const longestName = Math.max(0, ...sheet.rows.map((row) => displayName(row).length));
  const nameWidth = Math.min(48, Math.max(28, longestName + 2));
  return Array.from({ length: layout.carColumn }, (_, index) => {
    const column = index + 1;
    if (column === 1) return { width: 5 };
    if (column === NAME_COLUMN) return { width: nameWidth };
    return { width: 6.5 };
  });
}

/** Title, period, one row per heading line (`Curso: …`), the generated date, a blank row. */
function writeHeading(worksheet: Worksheet, sheet: Sheet, generated: string): void {
  const heading = sheetHeading(sheet);
  const texts = [
    ...heading.lines.map((line) => `${line.label}: ${line.value}`),
    `Gerado em: ${generated}`,
  ];
  setCell(worksheet.getCell(1, 1), heading.title, styles.title());
  setCell(worksheet.getCell(2, 1), heading.period, styles.bold());
  texts.forEach((text, index) => {
    setCell(worksheet.getCell(3 + index, 1), text, {});
  });
}

function writeTableHeader(worksheet: Worksheet, layout: Layout): void {
  const top = layout.headerRow;
  const bottom = top + 1;
  const spanning: [number, string][] = [
    [1, 'Nº'],
    [NAME_COLUMN, 'Aluno'],
    [layout.volColumn, 'Vol'],
    [layout.carColumn, 'Car'],
  ];
  for (const [column, title] of spanning) {
    headerCell(worksheet, top, column, title);
    headerCell(worksheet, bottom, column, '');
    worksheet.mergeCells(top, column, bottom, column);
  }

  layout.groups.forEach((group, index) => {
    const start = layout.groupStarts[index] ?? FIRST_GROUP_COLUMN;
    const end = start + group.columns.length - 1;
    group.columns.forEach((column, offset) => {
      headerCell(worksheet, top, start + offset, offset === 0 ? group.name : '');
      headerCell(worksheet, bottom, start + offset, column);
    });
    if (end > start) worksheet.mergeCells(top, start, top, end);
  });
  worksheet.getRow(bottom).commit();
}

function headerCell(worksheet: Worksheet, row: number, column: number, text: string): void {
  setCell(worksheet.getCell(row, column), text, styles.header());
}

async function writeStudentRows(
  worksheet: Worksheet,
  sheet: Sheet,
  layout: Layout,
  progress: Progress,
): Promise<void> {
  for (const [index, row] of sheet.rows.entries()) {
    const rowNumber = layout.headerRow + 2 + index;
    writeStudentRow(worksheet, rowNumber, index + 1, row, layout);
    worksheet.getRow(rowNumber).commit();
    await progress.row();
  }
}

function writeStudentRow(
  worksheet: Worksheet,
  rowNumber: number,
  position: number,
  row: SheetRow,
  layout: Layout,
): void {
  const grey = isDisconnected(row);
  const cell = (column: number) => worksheet.getCell(rowNumber, column);
  setCell(cell(1), position, styles.count(grey));
  setCell(cell(NAME_COLUMN), displayName(row), styles.name(grey));

  const cells = cellsByGroup(layout.groups, row);
  layout.groups.forEach((group, index) => {
    const start = layout.groupStarts[index] ?? FIRST_GROUP_COLUMN;
    groupValues(group, cells[index]).forEach((value, offset) => {
      writeValue(cell(start + offset), value, grey);
    });
  });
  setCell(cell(layout.volColumn), row.volunteer, styles.count(grey));
  setCell(cell(layout.carColumn), row.shortfalls, styles.shortfallCount(grey, !row.cleared));
}

function writeValue(cell: Cell, value: SheetValue, grey: boolean): void {
  if (value.value === null) {
    setCell(cell, value.column === '%' ? '–' : '', styles.count(grey));
    return;
  }
  if (value.column !== '%') {
    setCell(cell, value.value, styles.count(grey));
    return;
  }
  setCell(cell, value.value / 100, styles.pct(grey, value.isShortfall));
}

/**
 * The summary as label/value pairs under the student names: the narrow
 * number columns could not hold labels such as "Não liberados".
 */
function writeSummary(worksheet: Worksheet, sheet: Sheet, first: number): void {
  setCell(worksheet.getCell(first, NAME_COLUMN), 'Resumo', styles.bold());
  SUMMARY_COLUMNS.forEach((column, index) => {
    const rowNumber = first + 1 + index;
    setCell(worksheet.getCell(rowNumber, NAME_COLUMN), column.label, styles.name(false));
    setCell(
      worksheet.getCell(rowNumber, NAME_COLUMN + 1),
      column.value(sheet.summary),
      styles.count(false),
    );
  });
  const note = first + 1 + SUMMARY_COLUMNS.length;
  setCell(
    worksheet.getCell(note, NAME_COLUMN),
    'Desligados aparecem no relatório, mas ficam fora das contagens de carências.',
    styles.note(),
  );
}

function setCell(cell: Cell, value: string | number, style: Partial<Style>): void {
  cell.value = value;
  cell.style = style;
}
