import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { sqlShape } from '../../../src/platform/monitoring/query-context.ts';

describe('SQL shapes', () => {
  it('makes numbered and question-mark placeholders the same', () => {
    assert.equal(
      sqlShape('select * from "students" where "id" = $1 and "cpf" = $2'),
      sqlShape('select * from "students" where "id" = ? and "cpf" = ?'),
    );
  });

  it('folds lists of placeholders whatever their length', () => {
    const three = sqlShape('select * from "marks" where "session_id" in (?, ?, ?)');
    const forty = sqlShape(
      `select * from "marks" where "session_id" in (${Array(40).fill('?').join(', ')})`,
    );
    assert.equal(three, forty);
    assert.equal(three, 'select * from "marks" where "session_id" in (?…)');
  });

  it('folds multi-row VALUES to one row', () => {
    const one = sqlShape('insert into "marks" ("a", "b") values (?, ?)');
    const many = sqlShape('insert into "marks" ("a", "b") values ($1, $2), ($3, $4), ($5, $6)');
    assert.equal(many, 'insert into "marks" ("a", "b") values (?…)…');
    assert.notEqual(one, sqlShape('insert into "marks" ("a") values (?)'));
  });

  it('collapses whitespace and keeps long statements bounded', () => {
    assert.equal(sqlShape('select\n  1\n\tfrom   x'), 'select 1 from x');
    const long = sqlShape(`select ${'"column", '.repeat(200)}1 from x`);
    assert.ok(long.length <= 501, `shape of ${long.length} characters`);
    assert.ok(long.endsWith('…'));
  });

  it('keeps the literal text Kysely compiled, which holds no parameter values', () => {
    // Parameters travel apart from the SQL; only what is in the statement remains.
    assert.equal(sqlShape('select * from "users" where "email" = ?').includes('@'), false);
  });
});
