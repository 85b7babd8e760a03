/**
 * Child process of the export.xlsx.memory figure: builds the fixture sheet,
 * writes it once as `xlsx` or `csv` to the given file and prints one JSON line
 * `{rssBeforeKb, maxRssKb}` on stdout. Run as
 * `node --import tsx bench/export-memory-child.ts xlsx|csv FILE`.
 */
import { writeSheetCsv } from '../src/exports/sheet-csv.ts';
import { writeSheetXlsx } from '../src/exports/sheet-xlsx.ts';
import { fixtureSheet } from './sheet-fixture.ts';

async function main(): Promise<void> {
  const [format, file] = process.argv.slice(2);
  if ((format !== 'xlsx' && format !== 'csv') || !file) {
    throw new Error('usage: export-memory-child.ts xlsx|csv FILE');
  }
  const sheet = fixtureSheet();
  const rssBeforeKb = process.memoryUsage().rss / 1024;
  const result =
    format === 'xlsx'
      ? await writeSheetXlsx(sheet, file, undefined, { generatedAt: new Date('2026-01-01') })
      : await writeSheetCsv(sheet, file);
  if (result.rows !== sheet.rows.length) throw new Error(`wrote ${result.rows} rows`);
  process.stdout.write(
    `${JSON.stringify({ rssBeforeKb, maxRssKb: process.resourceUsage().maxRSS })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
