import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { ERRORS } from '../../src/platform/errors/catalogue.ts';

const DOC = path.resolve(import.meta.dirname, '../../docs/errors.md');

interface DocumentedCode {
  readonly code: string;
  readonly status: number;
  readonly advice: string;
  /** The code patterns of the section's heading (`OMAUM_AUTH_*`, `OMAUM_INTERNAL`). */
  readonly section: readonly string[];
}

/** The rows of the tables in docs/errors.md, with the heading each stands under. */
function readDocumentedCodes(markdown: string): DocumentedCode[] {
  const rows: DocumentedCode[] = [];
  let section: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('#')) {
      section = [...line.matchAll(/`(OMAUM_[A-Z_]+\*?)`/g)].map((match) => match[1] ?? '');
      continue;
    }
    const row = /^\|\s*`(OMAUM_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|(.*)\|\s*$/.exec(line);
    if (row) {
      const [, code = '', status = '', advice = ''] = row;
      rows.push({ code, status: Number(status), advice: advice.trim(), section });
    }
  }
  return rows;
}

function belongsTo(code: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? code.startsWith(pattern.slice(0, -1)) : code === pattern,
  );
}

describe('docs/errors.md', () => {
  const documented = readDocumentedCodes(fs.readFileSync(DOC, 'utf8'));
  const catalogue = Object.entries(ERRORS).map(([code, entry]) => ({
    code,
    status: entry.statusCode,
  }));

  it('reads a table with rows', () => {
    assert.ok(documented.length >= 20, `found only ${documented.length} rows`);
  });

  it('documents every code of the catalogue', () => {
    const listed = new Set(documented.map((row) => row.code));
    const missing = catalogue.filter(({ code }) => !listed.has(code)).map(({ code }) => code);
    assert.deepEqual(missing, [], 'add these codes to docs/errors.md');
  });

  it('documents no code the catalogue does not have', () => {
    const unknown = documented.filter((row) => !(row.code in ERRORS)).map((row) => row.code);
    assert.deepEqual(
      unknown,
      [],
      'remove these codes from docs/errors.md or add them to the catalogue',
    );
  });

  it('gives each code the status of the catalogue', () => {
    const wrong = documented
      .filter((row) => row.code in ERRORS)
      .filter((row) => ERRORS[row.code as keyof typeof ERRORS].statusCode !== row.status)
      .map((row) => `${row.code}: documented ${row.status}`);
    assert.deepEqual(wrong, []);
  });

  it('lists each code once, under the heading of its area, with advice', () => {
    const seen = new Set<string>();
    for (const row of documented) {
      assert.equal(seen.has(row.code), false, `${row.code} is listed twice`);
      seen.add(row.code);
      assert.ok(
        belongsTo(row.code, row.section),
        `${row.code} is under [${row.section.join(', ')}]`,
      );
      assert.ok(row.advice.length >= 10, `${row.code} says what to change`);
    }
  });

  it('names codes OMAUM_<AREA>_<PROBLEM> in capitals', () => {
    for (const { code } of catalogue) assert.match(code, /^OMAUM_[A-Z]+(_[A-Z]+)*$/);
  });
});
