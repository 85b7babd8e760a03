import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import dotenv from 'dotenv';

import { EnvSchema, loadConfig } from '../../src/config/config.ts';

const EXAMPLE_FILE = path.resolve(import.meta.dirname, '..', '..', '.env.example');

interface Documented {
  readonly value: string;
  /** The comment lines right above the variable (or above its group). */
  readonly comment: string;
}

/**
 * Reads `.env.example` as `NAME=value` lines, each with the comment block above
 * it. Variables written one after another share the comment of the first.
 */
function readExample(): Map<string, Documented> {
  const documented = new Map<string, Documented>();
  let comment: string[] = [];
  let groupComment = '';
  for (const line of fs.readFileSync(EXAMPLE_FILE, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') {
      comment = [];
      groupComment = '';
      continue;
    }
    if (trimmed.startsWith('#')) {
      comment.push(trimmed.replace(/^#\s?/, ''));
      continue;
    }
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(trimmed);
    assert.ok(match?.[1] !== undefined, `.env.example: cannot read the line "${line}"`);
    if (comment.length > 0) groupComment = comment.join(' ');
    comment = [];
    documented.set(match[1], { value: match[2] ?? '', comment: groupComment });
  }
  return documented;
}

const schemaProperties = EnvSchema.properties as Record<string, { default?: string | number }>;
const schemaNames = Object.keys(schemaProperties).sort();

describe('.env.example', () => {
  const example = readExample();

  it('lists every variable of the configuration schema', () => {
    const missing = schemaNames.filter((name) => !example.has(name));
    assert.deepEqual(missing, [], `add these to .env.example: ${missing.join(', ')}`);
  });

  it('lists no variable the configuration schema does not read', () => {
    const unknown = [...example.keys()].filter((name) => !(name in schemaProperties)).sort();
    assert.deepEqual(unknown, [], `not in EnvSchema: ${unknown.join(', ')}`);
  });

  it('gives each variable its default value', () => {
    for (const name of schemaNames) {
      const expected = String(schemaProperties[name]?.default ?? '');
      assert.equal(example.get(name)?.value, expected, `${name} in .env.example`);
    }
  });

  it('explains each variable in a comment above it', () => {
    for (const [name, { comment }] of example) {
      assert.ok(comment.length >= 10, `${name} has no explanation in .env.example`);
    }
  });

  it('is a valid configuration: the embedded defaults, when copied to .env', () => {
    const parsed = dotenv.parse(fs.readFileSync(EXAMPLE_FILE, 'utf8'));
    const config = loadConfig(parsed, { useDotenv: false });
    assert.equal(config.isProduction, false);
    assert.equal(config.port, 3000);
    assert.equal(config.baseUrl, 'http://localhost:3000');
    assert.equal(config.queueBackend, 'embedded');
    assert.deepEqual(config.database, {
      dialect: 'sqlite',
      file: path.resolve('data', 'omaum.sqlite'),
    });
  });
});
