import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import ExcelJS from 'exceljs';
import type { Cell, Worksheet } from 'exceljs';

import { writeSheetXlsx } from '../../src/exports/sheet-xlsx.ts';
import type { Sheet } from '../../src/sheets/sheets.schemas.ts';
import { recordProgress, tempDir, workedExampleSheet } from './fixtures.ts';

const SHORTFALL_FILL = 'FFFFC7CE';
const SHORTFALL_TEXT = 'FF9C0006';

function fillOf(cell: Cell): string | undefined {
  const fill = cell.fill as { fgColor?: { argb?: string } } | undefined;
  return fill?.fgColor?.argb;
}

/** The row holding the first header line (`Nº`, `Aluno`, activity names). */
function headerRowOf(worksheet: Worksheet): number {
  for (let row = 1; row <= worksheet.rowCount; row += 1) {
    if (worksheet.getCell(row, 2).value === 'Aluno') return row;
  }
  throw new Error('no header row');
}

describe('sheet XLSX', () => {
  let cleanup: () => Promise<void>;
  let sheet: Sheet;
  let worksheet: Worksheet;
  let header: number;
  let progress: ReturnType<typeof recordProgress>;
  let rowsWritten: number;

  before(async () => {
    const temp = await tempDir();
    cleanup = temp.cleanup;
    sheet = workedExampleSheet();
    progress = recordProgress();
    const file = path.join(temp.dir, 'sheet.xlsx');
    const result = await writeSheetXlsx(sheet, file, progress.report, {
      generatedAt: new Date('2026-04-01T02:00:00Z'),
    });
    rowsWritten = result.rows;

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const found = workbook.getWorksheet('Relatório');
    assert.ok(found);
    worksheet = found;
    header = headerRowOf(worksheet);
  });
  after(() => cleanup());

  it('starts with title rows: course, cohort, period, instructors, session counts, limit', () => {
    const texts = Array.from({ length: header - 1 }, (_, i) => worksheet.getCell(i + 1, 1).text);
    assert.equal(texts[0], 'Relatório Mensal de Atividades');
    assert.equal(texts[1], 'março de 2026 (01/03/2026 a 31/03/2026)');
    for (const expected of [
      'Curso: 1º Grau – Aprendizes',
      'Turma: Turma Ágata · livro nº 12',
      'Instrutor: Helena Moraes',
      'Instrutor assistente: João Antônio',
      'Dias no período: Aulas: 10 · Plenilúnios: 4 · Limpezas: 6',
      'Limite: mínimo de 70% de presença; liberado com até 1 carência(s)',
      'Gerado em: 31/03/2026',
    ]) {
      assert.ok(texts.includes(expected), `missing "${expected}" in ${texts.join(' | ')}`);
    }
  });

  it('merges each activity name over its columns and Vol, Car over both header rows', () => {
    const names = worksheet.getRow(header);
    const columns = worksheet.getRow(header + 1);
    assert.equal(names.getCell(3).value, 'Aulas');
    assert.equal(names.getCell(6).value, 'Plenilúnios');
    assert.equal(names.getCell(9).value, 'Limpezas');
    assert.equal(names.getCell(5).master.address, names.getCell(3).address);
    assert.equal(names.getCell(13).master.address, names.getCell(9).address);
    assert.equal(names.getCell(6).master.address, names.getCell(6).address, 'groups apart');
    const letters = Array.from({ length: 13 }, (_, i) => columns.getCell(i + 1).value);
    assert.deepEqual(letters.slice(2), ['p', 'f', '%', 'p', 'f', '%', 'c', 'p', 'f', 'v', '%']);
    assert.equal(names.getCell(14).value, 'Vol');
    assert.equal(names.getCell(15).value, 'Car');
    assert.equal(columns.getCell(14).master.address, names.getCell(14).address);
    assert.equal(columns.getCell(2).master.address, names.getCell(2).address);
  });

  it('writes one row per student with the numbers of the sheet', () => {
    const values = (offset: number) => {
      const row = worksheet.getRow(header + 2 + offset);
      return Array.from({ length: 15 }, (_, i) => row.getCell(i + 1).value);
    };
    assert.deepEqual(values(0), [1, 'Ana Conceição', 7, 3, 0.7, 4, 0, 1, 3, 3, 0, 1, 1, 1, 0]);
    assert.deepEqual(values(1).slice(2), [6, 4, 0.6, 2, 2, 0.5, 4, 2, 2, 0, 0.5, 0, 3]);
    assert.deepEqual(values(2).slice(13), [2, 1]);
    assert.equal(values(3)[1], 'Dário Gonçalves (desligado)');
    assert.equal(values(3)[12], '–', 'no percentage when nothing was expected');
    assert.equal(rowsWritten, sheet.rows.length);
  });

  it('shows percentages as whole numbers with the percent format', () => {
    const cell = worksheet.getCell(header + 2, 5);
    assert.equal(cell.numFmt, '0%');
    assert.equal(worksheet.getCell(header + 2, 3).numFmt, '0');
  });

  it('fills shortfall percentages light red with dark red text, and only those', () => {
    const bruno = worksheet.getRow(header + 3);
    for (const column of [5, 8, 13]) {
      assert.equal(fillOf(bruno.getCell(column)), SHORTFALL_FILL, `column ${column}`);
      assert.equal(bruno.getCell(column).font.color?.argb, SHORTFALL_TEXT);
    }
    const ana = worksheet.getRow(header + 2);
    for (const column of [3, 4, 5, 8, 13]) {
      assert.equal(fillOf(ana.getCell(column)), undefined, `column ${column}`);
    }
  });

  it('shows disconnected students in grey italics', () => {
    const name = worksheet.getCell(header + 5, 2);
    assert.equal(name.font.italic, true);
    assert.equal(name.font.color?.argb, 'FF808080');
    assert.equal(worksheet.getCell(header + 2, 2).font.italic, undefined);
  });

  it('puts the summary block below the students', () => {
    const labels = new Map<string, unknown>();
    for (let row = header + 6; row <= worksheet.rowCount; row += 1) {
      const label = worksheet.getCell(row, 2).value;
      if (typeof label === 'string') labels.set(label, worksheet.getCell(row, 3).value);
    }
    assert.ok(labels.has('Resumo'));
    assert.equal(labels.get('0 car.'), 1);
    assert.equal(labels.get('1 car.'), 1);
    assert.equal(labels.get('3 car.'), 1);
    assert.equal(labels.get('Liberados'), 2);
    assert.equal(labels.get('Não liberados'), 1);
    assert.equal(labels.get('Desligados'), 1);
  });

  it('reports progress up to the number of students', () => {
    assert.deepEqual(progress.calls[0], [0, 4]);
    assert.deepEqual(progress.calls.at(-1), [4, 4]);
  });
});

describe('sheet XLSX on failure', () => {
  it('leaves no file behind when progress reporting fails', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const failing = (done: number) => {
        if (done > 0) throw new Error('job cancelled');
      };
      const file = path.join(dir, 'sheet.xlsx');
      await assert.rejects(writeSheetXlsx(workedExampleSheet(), file, failing), /job cancelled/);
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await cleanup();
    }
  });
});
