import type { Sheet } from '../../src/sheets/sheets.schemas.ts';

/**
 * What the home chart shows for one sheet, computed from the sheet itself:
 * present over expected, summed over its students and activities, whole;
 * null when nothing was expected.
 */
export function attendanceOf(sheet: Sheet): number | null {
  let present = 0;
  let expected = 0;
  for (const row of sheet.rows) {
    for (const cell of row.activities) {
      present += cell.present;
      expected += cell.expected;
    }
  }
  return expected === 0 ? null : Math.round((present / expected) * 100);
}
