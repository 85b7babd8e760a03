import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { writeSheetCsv } from '../src/exports/sheet-csv.ts';
import { writeSheetXlsx } from '../src/exports/sheet-xlsx.ts';
import type { Figure } from './figures.ts';
import { plainFigure } from './figures.ts';
import { describeTiming, measure, note } from './measure.ts';
import type { FigureName } from './options.ts';
import { FIXTURE_MONTHS, FIXTURE_STUDENTS, fixtureSheet } from './sheet-fixture.ts';

const CHILD = fileURLToPath(new URL('./export-memory-child.ts', import.meta.url));
const GENERATED_AT = new Date('2026-01-01T12:00:00Z');

/**
 * export.xlsx.time: the accumulated sheet (100 students × 3 activities × 12
 * months, built in memory) written as XLSX, against the same sheet as CSV,
 * interleaved; median ms. The goal is absolute: XLSX ≤ 2000 ms.
 */
export async function exportTimeFigure(
  workDir: string,
  rounds: { warmup: number; runs: number },
  details: string[],
): Promise<Figure> {
  const sheet = fixtureSheet();
  const xlsxFile = path.join(workDir, 'sheet.xlsx');
  const csvFile = path.join(workDir, 'sheet.csv');
  note(
    `export: ${rounds.warmup} warm-up + ${rounds.runs} timed rounds of XLSX and CSV ` +
      `(${FIXTURE_STUDENTS} students × ${sheet.activities.length} activities × ${FIXTURE_MONTHS} months)`,
  );
  const [xlsx, csv] = await measure(
    [
      {
        label: 'XLSX',
        run: async () => {
          await writeSheetXlsx(sheet, xlsxFile, undefined, { generatedAt: GENERATED_AT });
        },
      },
      {
        label: 'CSV',
        run: async () => {
          await writeSheetCsv(sheet, csvFile);
        },
      },
    ],
    rounds,
  );
  if (!xlsx || !csv) throw new Error('no export timing');
  note(`  ${describeTiming(xlsx)}`);
  note(`  ${describeTiming(csv)}`);
  details.push(
    `export: ${FIXTURE_STUDENTS}-student ${FIXTURE_MONTHS}-month sheet, XLSX ` +
      `${(fs.statSync(xlsxFile).size / 1024).toFixed(1)} KiB, CSV ${(fs.statSync(csvFile).size / 1024).toFixed(1)} KiB; ` +
      `median of ${rounds.runs} after ${rounds.warmup} warm-up`,
  );
  return plainFigure('export.xlsx.time', xlsx.medianMs, csv.medianMs, 'ms');
}

interface ChildMemory {
  readonly rssBeforeKb: number;
  readonly maxRssKb: number;
}

function runChild(format: 'xlsx' | 'csv', file: string): Promise<ChildMemory> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, format, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new Error(`${format} memory child exited ${String(code)}: ${stderr.slice(0, 1000)}`),
        );
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildMemory);
      } catch (error) {
        reject(
          new Error(`${format} memory child printed ${stdout.slice(0, 200)}`, { cause: error }),
        );
      }
    });
  });
}

/**
 * export.xlsx.memory: peak RSS growth (MB) while one child process writes the
 * sheet as XLSX, against a child writing it as CSV: maxRSS after the write
 * less the RSS just before it (an upper bound on the growth). Absolute goal:
 * ≤ 200 MB. Each format runs `runs` times; the largest growth is reported.
 */
export async function exportMemoryFigure(
  workDir: string,
  runs: number,
  details: string[],
): Promise<Figure> {
  const growth = (memory: ChildMemory) => (memory.maxRssKb - memory.rssBeforeKb) / 1024;
  const peaks = { xlsx: [] as ChildMemory[], csv: [] as ChildMemory[] };
  note(`export memory: ${runs} child process(es) per format`);
  for (let run = 0; run < runs; run++) {
    peaks.xlsx.push(await runChild('xlsx', path.join(workDir, `memory-${run}.xlsx`)));
    peaks.csv.push(await runChild('csv', path.join(workDir, `memory-${run}.csv`)));
  }
  const worst = (list: ChildMemory[]) =>
    list.reduce(
      (a, b) => (growth(b) > growth(a) ? b : a),
      list[0] ?? { rssBeforeKb: 0, maxRssKb: 0 },
    );
  const xlsx = worst(peaks.xlsx);
  const csv = worst(peaks.csv);
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  note(
    `  XLSX: +${growth(xlsx).toFixed(1)} MB (RSS ${mb(xlsx.rssBeforeKb)} → peak ${mb(xlsx.maxRssKb)} MB)`,
  );
  note(
    `  CSV: +${growth(csv).toFixed(1)} MB (RSS ${mb(csv.rssBeforeKb)} → peak ${mb(csv.maxRssKb)} MB)`,
  );
  details.push(
    `export memory: child processes (node --import tsx), peak RSS growth while writing; ` +
      `XLSX ${mb(xlsx.rssBeforeKb)} → ${mb(xlsx.maxRssKb)} MB, CSV ${mb(csv.rssBeforeKb)} → ` +
      `${mb(csv.maxRssKb)} MB; worst of ${runs} per format`,
  );
  return plainFigure('export.xlsx.memory', growth(xlsx), growth(csv), 'MB');
}

export const EXPORT_FIGURES: readonly FigureName[] = ['export.xlsx.time', 'export.xlsx.memory'];
