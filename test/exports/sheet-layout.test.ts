import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cellsByGroup, groupValues, sheetGroups } from '../../src/exports/sheet-layout.ts';
import { groupNumbers } from '../../src/sheets/sheets.pages.ts';
import { formatPct } from '../../src/web/format.ts';
import type { StudentPlan } from './fixtures.ts';
import { WORKED_EXAMPLE, workedExampleSheet } from './fixtures.ts';

describe('sheet layout of the exports', () => {
  it('gives every number exactly as the sheet page prints it', () => {
    // Besides the worked example, quotients that round: 2/3 → 67 %, 1/8 → 13 %, 5/8 → 63 %.
    const odd: StudentPlan = {
      id: 31,
      name: 'Eva Lúcia',
      situation: 'on_leave',
      counts: [
        [3, 2, 1, 0],
        [8, 1, 6, 1],
        [8, 5, 2, 1],
      ],
      voluntary: [
        [1, 0],
        [0, 2],
        [1, 1],
      ],
    };
    const sheet = workedExampleSheet([...WORKED_EXAMPLE, odd]);
    const groups = sheetGroups(sheet);
    for (const row of sheet.rows) {
      const cells = cellsByGroup(groups, row);
      groups.forEach((group, index) => {
        const cell = cells[index];
        assert.ok(cell);
        const exported = groupValues(group, cell).map((value) =>
          value.column === '%' ? formatPct(value.value) : String(value.value),
        );
        const printed = groupNumbers(group.activity, cell).map((number) => number.text);
        assert.deepEqual(exported, printed, `${row.fullName}, ${group.name}`);
      });
    }
  });

  it('tells apart activities with the same name', () => {
    const sheet = workedExampleSheet();
    const [first] = sheet.activities;
    assert.ok(first);
    sheet.activities.push({ ...first, activityId: 99, name: 'Aulas' });
    assert.deepEqual(
      sheetGroups(sheet).map((group) => group.name),
      ['Aulas', 'Plenilúnios', 'Limpezas', 'Aulas (2)'],
    );
  });
});
