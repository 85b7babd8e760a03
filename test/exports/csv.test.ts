import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { parse } from 'csv-parse/sync';

import { neutraliseCell } from '../../src/exports/csv-writer.ts';
import type { MarkExportRow } from '../../src/exports/marks-csv.ts';
import { writeMarksCsv } from '../../src/exports/marks-csv.ts';
import { writeSheetCsv } from '../../src/exports/sheet-csv.ts';
import type { StudentPlan } from './fixtures.ts';
import { recordProgress, tempDir, workedExampleSheet } from './fixtures.ts';

const BOM = '\uFEFF';

async function readCsv(file: string): Promise<{ text: string; records: string[][] }> {
  const text = await readFile(file, 'utf8');
  const records = parse(text, { delimiter: ';', bom: true });
  return { text, records };
}

/** Records as objects keyed by the header, for readable assertions. */
function byHeader(records: string[][]): Record<string, string>[] {
  const [header = [], ...rows] = records;
  return rows.map((row) => Object.fromEntries(header.map((title, i) => [title, row[i] ?? ''])));
}

describe('CSV injection', () => {
  it('prefixes a single quote to cells a spreadsheet would run as a formula', () => {
    for (const text of ['=1+2', '+55 11 99999-0000', '-2', '@SUM(A1)', '\tx', '\rx']) {
      assert.equal(neutraliseCell(text), `'${text}`);
    }
  });

  it('leaves other cells as they are', () => {
    for (const text of ['Ana', '70.00', '', 'a=b', ' =1', "'=1"]) {
      assert.equal(neutraliseCell(text), text);
    }
  });
});

describe('sheet CSV', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('starts with a byte order mark and separates fields with semicolons', async () => {
    const file = path.join(dir, 'sheet.csv');
    await writeSheetCsv(workedExampleSheet(), file);

    const { text } = await readCsv(file);
    assert.ok(text.startsWith(BOM));
    assert.ok(text.slice(1).startsWith('Nº;Aluno;'));
    assert.ok(text.includes('\r\n'));
  });

  it('names the columns after the activity groups of the page', async () => {
    const file = path.join(dir, 'sheet.csv');
    await writeSheetCsv(workedExampleSheet(), file);

    const { records } = await readCsv(file);
    assert.deepEqual(records[0], [
      'Nº',
      'Aluno',
      'Número iniciático',
      'Situação',
      'Aulas p',
      'Aulas f',
      'Aulas %',
      'Plenilúnios p',
      'Plenilúnios f',
      'Plenilúnios %',
      'Limpezas c',
      'Limpezas p',
      'Limpezas f',
      'Limpezas v',
      'Limpezas %',
      'Vol',
      'Car',
      'Liberado',
    ]);
  });

  it('writes the numbers of the worked example, percentages with two decimals', async () => {
    const file = path.join(dir, 'sheet.csv');
    const sheet = workedExampleSheet();
    const result = await writeSheetCsv(sheet, file);

    const rows = byHeader((await readCsv(file)).records);
    assert.equal(result.rows, 4);
    assert.equal(rows.length, 4);
    const [a, b, c, d] = rows;
    assert.deepEqual(
      [a?.['Aulas p'], a?.['Aulas f'], a?.['Aulas %'], a?.['Limpezas v'], a?.Vol, a?.Car],
      ['7', '3', '70.00', '1', '1', '0'],
    );
    assert.deepEqual(
      [b?.['Aulas %'], b?.['Plenilúnios %'], b?.['Limpezas c'], b?.['Limpezas %'], b?.Car],
      ['60.00', '50.00', '4', '50.00', '3'],
    );
    assert.deepEqual([b?.Liberado, c?.Liberado, c?.Car, c?.Vol], ['não', 'sim', '1', '2']);
    assert.equal(a?.Aluno, 'Ana Conceição');
    assert.equal(d?.Situação, 'Desligado');
    assert.equal(d?.['Limpezas %'], '', 'no percentage when nothing was expected');
    for (const [index, row] of sheet.rows.entries()) {
      const own = rows[index];
      assert.equal(own?.['Aulas %'], row.activities[0]?.pct?.toFixed(2));
    }
  });

  it('keeps two decimals a whole-number percentage would lose', async () => {
    const plan: StudentPlan = {
      id: 21,
      name: 'Eva',
      situation: 'active',
      counts: [
        [3, 2, 1, 0],
        [4, 4, 0, 0],
        [0, 0, 0, 0],
      ],
    };
    const sheet = workedExampleSheet([plan]);
    const file = path.join(dir, 'sheet.csv');
    await writeSheetCsv(sheet, file);

    const [row] = byHeader((await readCsv(file)).records);
    assert.equal(row?.['Aulas %'], '66.67');
  });

  it('neutralises student and activity names that look like formulas', async () => {
    const sheet = workedExampleSheet();
    const [first] = sheet.rows;
    const [activity] = sheet.activities;
    assert.ok(first && activity);
    first.fullName = '=HYPERLINK("http://example.test";"Ana")';
    activity.name = '@Aulas';
    const file = path.join(dir, 'sheet.csv');
    await writeSheetCsv(sheet, file);

    const { records } = await readCsv(file);
    assert.equal(records[1]?.[1], `'=HYPERLINK("http://example.test";"Ana")`);
    assert.equal(records[0]?.[4], "'@Aulas p");
  });

  it('reports progress from zero to the number of students', async () => {
    const progress = recordProgress();
    await writeSheetCsv(workedExampleSheet(), path.join(dir, 'sheet.csv'), progress.report);

    assert.deepEqual(progress.calls[0], [0, 4]);
    assert.deepEqual(progress.calls.at(-1), [4, 4]);
  });

  it('leaves no file behind when progress reporting fails', async () => {
    const file = path.join(dir, 'sheet.csv');
    const failing = (done: number) => {
      if (done > 0) throw new Error('job cancelled');
    };
    await assert.rejects(writeSheetCsv(workedExampleSheet(), file, failing), /job cancelled/);
    assert.deepEqual(await readdir(dir), []);
  });
});

function mark(overrides: Partial<MarkExportRow> = {}): MarkExportRow {
  return {
    heldOn: '2026-03-07',
    activityName: 'Aulas',
    slot: 1,
    time: '15:00',
    isExtra: false,
    studentName: 'Ana Conceição',
    initiaticNumber: 'IN-11',
    status: 'P',
    isSummoned: false,
    justification: null,
    recordedAt: '2026-03-07T21:30:00.000Z',
    recordedBy: 'Helena Moraes',
    ...overrides,
  };
}

describe('marks CSV', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('writes one row per mark with pt-BR dates and the status code', async () => {
    const file = path.join(dir, 'marks.csv');
    const rows = [
      mark(),
      mark({ status: 'J', justification: 'Atestado médico; consulta', studentName: 'Bruno' }),
      mark({ activityName: 'Limpezas', isSummoned: true, status: null, slot: 2, time: null }),
    ];
    const result = await writeMarksCsv(rows, file);

    const { text, records } = await readCsv(file);
    const parsed = byHeader(records);
    assert.ok(text.startsWith(BOM));
    assert.equal(result.rows, 3);
    assert.deepEqual(parsed[0], {
      Data: '07/03/2026',
      Atividade: 'Aulas',
      Sessão: '1',
      Horário: '15:00',
      'Dia extra': 'não',
      Aluno: 'Ana Conceição',
      'Número iniciático': 'IN-11',
      Registro: 'P',
      Descrição: 'Presente',
      Convocado: 'não',
      Justificativa: '',
      'Registrado em': '07/03/2026 18:30',
      'Registrado por': 'Helena Moraes',
    });
    assert.equal(parsed[1]?.Justificativa, 'Atestado médico; consulta');
    assert.deepEqual(
      [parsed[2]?.Registro, parsed[2]?.Descrição, parsed[2]?.Convocado, parsed[2]?.Sessão],
      ['', 'Pendente', 'sim', '2'],
    );
  });

  it('neutralises a justification that starts like a formula', async () => {
    const file = path.join(dir, 'marks.csv');
    await writeMarksCsv([mark({ status: 'J', justification: '+55 11 4002-8922 ligou' })], file);

    const [row] = byHeader((await readCsv(file)).records);
    assert.equal(row?.Justificativa, "'+55 11 4002-8922 ligou");
  });

  it('streams rows from an async source and reports progress against the given total', async () => {
    async function* source() {
      for (let i = 0; i < 250; i += 1) yield mark({ studentName: `Aluno ${i}` });
    }
    const progress = recordProgress();
    const file = path.join(dir, 'marks.csv');
    const result = await writeMarksCsv(source(), file, progress.report, { total: 250 });

    assert.equal(result.rows, 250);
    assert.equal((await readCsv(file)).records.length, 251);
    assert.deepEqual(progress.calls[0], [0, 250]);
    assert.deepEqual(progress.calls.at(-1), [250, 250]);
    assert.ok(progress.calls.length <= 102, `throttled, got ${progress.calls.length} calls`);
    const dones = progress.calls.map(([done]) => done);
    assert.deepEqual(
      dones,
      [...dones].sort((x, y) => x - y),
    );
  });
});
