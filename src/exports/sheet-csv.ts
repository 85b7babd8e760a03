import type { Sheet, SheetRow } from '../sheets/sheets.schemas.ts';
import { label } from '../web/format.ts';
import type { CsvValue } from './csv-writer.ts';
import { csvPct, writeCsv } from './csv-writer.ts';
import type { ExportResult, ProgressReporter } from './export-types.ts';
import { trackProgress } from './progress.ts';
import type { SheetGroup } from './sheet-layout.ts';
import { cellsByGroup, groupValues, sheetGroups } from './sheet-layout.ts';

/**
 * The sheet as CSV: one row per student, the same groups as the page with each
 * column named `<activity> <column>` (`Aulas p`, `Aulas f`, `Aulas %`), then
 * `Vol`, `Car` and `Liberado` (`sim`/`não`). Percentages carry two decimals
 * with a dot; a percentage is empty when nothing was expected. The summary
 * block is left out: every line is a student, so the file sorts and filters.
 *
 * Written atomically (see writeAtomically); progress counts students.
 */
export async function writeSheetCsv(
  sheet: Sheet,
  file: string,
  onProgress?: ProgressReporter,
): Promise<ExportResult> {
  const groups = sheetGroups(sheet);
  const header = [
    'Nº',
    'Aluno',
    'Número iniciático',
    'Situação',
    ...groups.flatMap((group) => group.columns.map((column) => `${group.name} ${column}`)),
    'Vol',
    'Car',
    'Liberado',
  ];
  const records = sheet.rows.map((row, index) => recordOf(groups, row, index));
  const progress = trackProgress(records.length, onProgress);
  const rows = await writeCsv(file, header, records, progress);
  return { rows };
}

function recordOf(groups: readonly SheetGroup[], row: SheetRow, index: number): CsvValue[] {
  const cells = cellsByGroup(groups, row);
  const numbers = groups.flatMap((group, position) =>
    groupValues(group, cells[position]).map((value) =>
      value.column === '%' ? csvPct(value.exactPct) : value.value,
    ),
  );
  return [
    index + 1,
    row.fullName,
    row.initiaticNumber,
    label('situation', row.situation),
    ...numbers,
    row.volunteer,
    row.shortfalls,
    row.cleared,
  ];
}
