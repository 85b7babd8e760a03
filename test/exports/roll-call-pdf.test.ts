import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import type { RollCallInput } from '../../src/exports/roll-call-pdf.ts';
import { writeRollCallPdf } from '../../src/exports/roll-call-pdf.ts';
import {
  AULAS,
  LIMPEZAS,
  PLENILUNIOS,
  recordProgress,
  tempDir,
  workedExampleSheet,
} from './fixtures.ts';
import { readPdf } from './pdf-text.ts';

const GREY_FILL = /0\.90196\d* 0\.90196\d* 0\.90196\d* scn/g;

function day(number: number): string {
  return `2026-03-${String(number).padStart(2, '0')}`;
}

function session(activityId: number, date: number, overrides = {}) {
  return { activityId, date: day(date), slot: 1, time: '15:00', extra: false, ...overrides };
}

/** March 2026 of the worked example; C enrolls on 15/03, D leaves on 10/03. */
function march(): RollCallInput {
  const sheet = workedExampleSheet();
  return {
    cohort: sheet.cohort,
    month: '2026-03',
    // Out of order on purpose: the sheet order is by position.
    activities: [
      { id: PLENILUNIOS, name: 'Plenilúnios', position: 2 },
      { id: AULAS, name: 'Aulas', position: 1 },
      { id: LIMPEZAS, name: 'Limpezas', position: 3 },
    ],
    sessions: [
      ...[28, 4, 7, 14, 21, 5, 11, 18, 25, 12].map((d) => session(AULAS, d)),
      session(PLENILUNIOS, 3, { time: '20:00' }),
      session(PLENILUNIOS, 3, { slot: 2, time: '21:00' }),
      session(PLENILUNIOS, 18),
      session(PLENILUNIOS, 30, { extra: true }),
      ...[1, 8, 15, 22, 29, 30].map((d) => session(LIMPEZAS, d, { time: null })),
    ],
    students: sheet.rows.map((row, index) => ({
      fullName: row.fullName,
      situation: row.situation,
      enrolledOn: index === 2 ? '2026-03-15' : '2025-08-16',
      endedOn: index === 3 ? '2026-03-10' : null,
    })),
  };
}

describe('roll-call PDF', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  async function write(input: RollCallInput) {
    const file = path.join(dir, 'roll-call.pdf');
    const progress = recordProgress();
    const result = await writeRollCallPdf(input, file, progress.report, { compress: false });
    const bytes = await readFile(file);
    return { bytes, result, progress, content: readPdf(bytes) };
  }

  it('puts the session days under their activity names, in sheet order', async () => {
    const { bytes, content } = await write(march());
    assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.ok(bytes.includes('DejaVuSans'));
    const at = content.texts.indexOf('Aulas');
    assert.deepEqual(content.texts.slice(at, at + 11), [
      'Aulas',
      '04',
      '05',
      '07',
      '11',
      '12',
      '14',
      '18',
      '21',
      '25',
      '28',
    ]);
    const moons = content.texts.indexOf('Plenilúnios');
    assert.deepEqual(content.texts.slice(moons, moons + 5), [
      'Plenilúnios',
      '03 20h',
      '03 21h',
      '18',
      '30*',
    ]);
    assert.ok(at < moons && moons < content.texts.indexOf('Limpezas'));
  });

  it('lists the students with the heading of the cohort and month', async () => {
    const { content } = await write(march());
    for (const text of [
      'Lista de presença',
      'março de 2026',
      'Turma Ágata · livro nº 12',
      'Cláudia Simões',
      'Dário Gonçalves (desligado)',
      'Página 1 de 1',
    ]) {
      assert.ok(content.texts.includes(text), `missing "${text}"`);
    }
  });

  it('greys out the days a student was not enrolled and leaves boxes elsewhere', async () => {
    const { bytes } = await write(march());
    // C misses 10 sessions before 15/03; D misses 13 after 10/03.
    assert.equal(bytes.toString('latin1').match(GREY_FILL)?.length, 23);
  });

  it('continues the columns on another page when a month has too many sessions', async () => {
    const input = march();
    const many = Array.from({ length: 60 }, (_, i) => session(LIMPEZAS, (i % 28) + 1, { slot: i }));
    const { content, progress, result } = await write({ ...input, sessions: many });
    assert.equal(content.pageCount, 2);
    assert.equal(content.texts.filter((text) => text === 'Ana Conceição').length, 2);
    assert.equal(result.rows, 4);
    assert.deepEqual(progress.calls.at(-1), [4, 4]);
  });
});
