/**
 * CSV as Brazilian Excel opens it without an import wizard: UTF-8 with a byte
 * order mark (so accents survive), `;` between fields (`,` is the decimal
 * separator in pt-BR, so Excel there expects `;`), CRLF line ends. Decimals are
 * written with a dot, as the API carries them, so other programs read them as
 * numbers; Excel in pt-BR shows them as text, which keeps their two decimals.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { stringify } from 'csv-stringify';

import { writeAtomically } from './output-file.ts';
import type { Progress } from './progress.ts';

export type CsvValue = string | number | boolean | null;

export type CsvRecords = Iterable<CsvValue[]> | AsyncIterable<CsvValue[]>;

// Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];

/**
 * A leading quote makes a spreadsheet show the cell as text instead of running
 * it as a formula. Applied to every cell: numbers written here are never
 * negative, so no real value is changed.
 */
export function neutraliseCell(text: string): string {
  return FORMULA_TRIGGERS.some((trigger) => text.startsWith(trigger)) ? `'${text}` : text;
}

/** `sim` / `não`, empty for null; numbers as they are; text neutralised. */
export function csvText(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'sim' : 'não';
  return neutraliseCell(String(value));
}

/** A two-decimal percentage with a dot (`66.67`); empty when there is none. */
export function csvPct(pct: number | null): string {
  return pct === null ? '' : pct.toFixed(2);
}

/**
 * Writes the header and then every record to `file` (atomically), counting
 * each record on `progress`. Returns the number of records.
 */
export async function writeCsv(
  file: string,
  header: readonly string[],
  records: CsvRecords,
  progress: Progress,
): Promise<number> {
  async function* lines(): AsyncGenerator<string[]> {
    yield header.map((title) => csvText(title));
    for await (const record of records) {
      yield record.map((value) => csvText(value));
      await progress.row();
    }
  }

  await progress.start();
  await writeAtomically(file, (partialFile) =>
    pipeline(
      Readable.from(lines()),
      stringify({ bom: true, delimiter: ';', record_delimiter: 'windows' }),
      createWriteStream(partialFile),
    ),
  );
  await progress.finish();
  return progress.done;
}
