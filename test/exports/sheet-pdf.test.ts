import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { writeSheetPdf } from '../../src/exports/sheet-pdf.ts';
import { readPdf } from './pdf-text.ts';
import { manyStudents, recordProgress, tempDir, workedExampleSheet } from './fixtures.ts';

const GENERATED_AT = new Date('2026-04-01T02:00:00Z');

describe('sheet PDF', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  async function write(students = workedExampleSheet(), compress = false) {
    const file = path.join(dir, 'sheet.pdf');
    const progress = recordProgress();
    const result = await writeSheetPdf(students, file, progress.report, {
      compress,
      generatedAt: GENERATED_AT,
    });
    const bytes = await readFile(file);
    return { bytes, result, progress, content: readPdf(bytes) };
  }

  it('is a PDF with the DejaVu font embedded, compressed or not', async () => {
    for (const compress of [true, false]) {
      const { bytes } = await write(workedExampleSheet(), compress);
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.ok(bytes.includes('DejaVuSans'), `compress: ${compress}`);
      assert.ok(bytes.includes('/FontFile2'), 'the font program itself is in the file');
    }
  });

  it('prints accented names, whole-number percentages and the heading', async () => {
    const { content } = await write();
    for (const text of [
      'Relatório Mensal de Atividades',
      'março de 2026 (01/03/2026 a 31/03/2026)',
      'Turma Ágata · livro nº 12',
      'Helena Moraes',
      'Aulas: 10 · Plenilúnios: 4 · Limpezas: 6',
      'Cláudia Simões',
      'Dário Gonçalves (desligado)',
      '70%',
      '60%',
      '–',
    ]) {
      assert.ok(content.texts.includes(text), `missing "${text}"`);
    }
  });

  it('lays each row out as the page does', async () => {
    const { content } = await write();
    const at = content.texts.indexOf('Bruno Araújo');
    assert.deepEqual(content.texts.slice(at - 1, at + 14), [
      '2',
      'Bruno Araújo',
      '6',
      '4',
      '60%',
      '2',
      '2',
      '50%',
      '4',
      '2',
      '2',
      '0',
      '50%',
      '0',
      '3',
    ]);
  });

  it('shades shortfall percentages light red', async () => {
    const { bytes } = await write();
    const fills = bytes.toString('latin1').match(/1 0\.78\d* 0\.80\d* scn/g) ?? [];
    // Bruno: three activities; Cláudia: Plenilúnios; Dário (disconnected): two.
    assert.equal(fills.length, 6);
  });

  it('numbers the pages and dates the export in the institution zone', async () => {
    const { content } = await write();
    assert.equal(content.pageCount, 1);
    assert.ok(content.texts.includes('Página 1 de 1'));
    assert.ok(content.texts.includes('Gerado em 31/03/2026'));
  });

  it('repeats the table header on every page of a long sheet', async () => {
    const { content, result, progress } = await write(workedExampleSheet(manyStudents(70)));
    assert.ok(content.pageCount >= 2, `pages: ${content.pageCount}`);
    const headers = content.texts.filter((text) => text === 'Aluno').length;
    assert.equal(headers, content.pageCount);
    assert.ok(content.texts.includes(`Página 2 de ${content.pageCount}`));
    assert.ok(content.texts.includes('Aluno 070'));
    assert.equal(result.rows, 70);
    assert.deepEqual(progress.calls[0], [0, 70]);
    assert.deepEqual(progress.calls.at(-1), [70, 70]);
  });

  it('says so when no student is enrolled', async () => {
    const { content } = await write(workedExampleSheet([]));
    assert.ok(content.texts.includes('Nenhum aluno matriculado no período.'));
    assert.ok(content.texts.includes('Resumo'));
  });
});
