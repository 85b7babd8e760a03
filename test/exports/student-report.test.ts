import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { parse } from 'csv-parse/sync';

import type { StudentReport } from '../../src/exports/student-report-layout.ts';
import { writeStudentReportCsv } from '../../src/exports/student-report-csv.ts';
import { writeStudentReportPdf } from '../../src/exports/student-report-pdf.ts';
import { recordProgress, tempDir, workedExampleSheet } from './fixtures.ts';
import { readPdf } from './pdf-text.ts';

/** B of the worked example over two months: February like A, March as in product.md. */
function brunoReport(): StudentReport {
  const sheet = workedExampleSheet();
  const [ana, bruno] = sheet.rows;
  assert.ok(ana && bruno);
  return {
    studentId: bruno.studentId,
    fullName: bruno.fullName,
    cohortId: sheet.cohort.id,
    cohortName: sheet.cohort.name,
    period: {
      from: '2026-02',
      to: '2026-03',
      firstDay: '2026-02-01',
      lastDay: '2026-03-31',
      months: ['2026-02', '2026-03'],
    },
    activities: sheet.activities.map((a) => ({ activityId: a.activityId, name: a.name })),
    months: [
      { month: '2026-02', activities: ana.activities },
      { month: '2026-03', activities: bruno.activities },
    ],
    total: { activities: bruno.activities, volunteer: 0, shortfalls: 3, cleared: false },
  };
}

describe('student report exports', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('writes a PDF with one line per month and activity, then the totals', async () => {
    const file = path.join(dir, 'boletim.pdf');
    const progress = recordProgress();
    const result = await writeStudentReportPdf(brunoReport(), file, progress.report, {
      compress: false,
    });

    const bytes = await readFile(file);
    const { texts, pageCount } = readPdf(bytes);
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(bytes.includes('DejaVuSans'));
    assert.equal(pageCount, 1);
    assert.equal(result.rows, 9);
    assert.deepEqual(progress.calls.at(-1), [9, 9]);
    for (const text of ['Boletim do aluno', 'Bruno Araújo', 'fevereiro de 2026', 'Período']) {
      assert.ok(texts.includes(text), `missing "${text}"`);
    }
    const total = texts.lastIndexOf('Plenilúnios');
    assert.deepEqual(texts.slice(total - 1, total + 11), [
      'Período',
      'Plenilúnios',
      '4',
      '2',
      '2',
      '0',
      '0',
      '0',
      '0',
      '1',
      '50%',
      'sim',
    ]);
  });

  it('writes a CSV with two-decimal percentages and a Total line per activity', async () => {
    const file = path.join(dir, 'boletim.csv');
    const result = await writeStudentReportCsv(brunoReport(), file);

    const text = await readFile(file, 'utf8');
    const records = parse(text, { delimiter: ';', bom: true });
    assert.ok(text.startsWith('\uFEFF'));
    assert.equal(result.rows, 9);
    assert.deepEqual(records[0]?.slice(0, 4), ['Aluno', 'Mês', 'Atividade', 'Previstos']);
    assert.deepEqual(records[1]?.slice(1, 4), ['02/2026', 'Aulas', '10']);
    assert.deepEqual(records[1]?.slice(-2), ['70.00', 'não']);
    assert.deepEqual(records[7]?.slice(1, 3), ['Total', 'Aulas']);
    assert.deepEqual(records[7]?.slice(-2), ['60.00', 'sim']);
  });
});
