import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { sql } from 'kysely';

import { BackupService } from '../../src/backups/backup.service.ts';
import type { BackupEntry } from '../../src/backups/backup.service.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { createTestDatabase, skipReason } from '../support/databases.ts';
import type { TestDatabase } from '../support/databases.ts';
import { loadSample, silentLogger } from './backup-fixtures.ts';

const postgresUrl = process.env.OMAUM_TEST_POSTGRES_URL ?? '';
const reason = skipReason('postgres');

/** Every table of a schema with its rows, in an order that does not depend on storage. */
async function contents(database: Database, schema: string): Promise<Record<string, string[]>> {
  const tables = await sql<{ name: string }>`select table_name as name
    from information_schema.tables
    where table_schema = ${schema} and table_type = 'BASE TABLE'
    order by table_name`.execute(database.db);
  const result: Record<string, string[]> = {};
  for (const { name } of tables.rows) {
    const rows = await sql`select * from ${sql.table(`${schema}.${name}`)}`.execute(database.db);
    result[name] = rows.rows.map((row) => JSON.stringify(row)).sort();
  }
  return result;
}

function urlOfDatabase(name: string): string {
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onAdmin(run: (database: Database) => Promise<unknown>): Promise<void> {
  const admin = openDatabase({ dialect: 'postgres', url: postgresUrl }, { poolSize: 1 });
  try {
    await run(admin);
  } finally {
    await admin.close();
  }
}

describe('PostgreSQL backups', reason ? { skip: reason } : {}, () => {
  let testDb: TestDatabase;
  let schema: string;
  let dir: string;
  let service: BackupService;
  let backup: BackupEntry;
  const scratchDatabase = `omaum_restore_${randomBytes(6).toString('hex')}`;

  function serviceFor(url: string): BackupService {
    return new BackupService({
      target: { dialect: 'postgres', url },
      schema,
      backupsDir: path.join(dir, 'backups'),
      logger: silentLogger,
    });
  }

  function rewrittenCopy(name: string, bytes: Buffer): string {
    const copy = path.join(dir, name);
    fs.writeFileSync(copy, bytes);
    const digest = createHash('sha256').update(bytes).digest('hex');
    fs.writeFileSync(`${copy}.sha256`, `${digest}  ${name}\n`);
    return copy;
  }

  before(async () => {
    testDb = await createTestDatabase('postgres');
    assert.ok(testDb.database.schema);
    schema = testDb.database.schema;
    await loadSample(testDb.database.db);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-pg-backup-'));
    service = serviceFor(postgresUrl);
    backup = await service.create();
  });

  after(async () => {
    await onAdmin((admin) =>
      sql`drop database if exists ${sql.id(scratchDatabase)} with (force)`.execute(admin.db),
    );
    await testDb.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dumps the schema in custom format with a checksum beside it', () => {
    assert.match(backup.file, /^omaum-\d{8}-\d{6}\.dump$/);
    assert.equal(backup.kind, 'postgres');
    assert.equal(backup.checksum, 'ok');
    assert.equal(fs.readFileSync(backup.path).subarray(0, 5).toString('latin1'), 'PGDMP');
  });

  it('verifies the dump with its checksum and pg_restore', async () => {
    const report = await service.verify(backup.file);

    assert.equal(report.isOk, true, report.problems.join('; '));
    const names = report.tables.map((table) => table.name);
    for (const table of ['students', 'enrollments', 'sent_emails', 'kysely_migration']) {
      assert.ok(names.includes(`${schema}.${table}`), table);
    }
  });

  it('restores into another database with the same rows in every table', async () => {
    await onAdmin((admin) => sql`create database ${sql.id(scratchDatabase)}`.execute(admin.db));
    const restoredUrl = urlOfDatabase(scratchDatabase);

    const report = await serviceFor(restoredUrl).restore(backup.file);

    assert.equal(report.previousDatabase, null);
    const restored = openDatabase({ dialect: 'postgres', url: restoredUrl }, { poolSize: 1 });
    try {
      const expected = await contents(testDb.database, schema);
      const actual = await contents(restored, schema);
      assert.deepEqual(Object.keys(actual), Object.keys(expected));
      for (const [table, rows] of Object.entries(expected)) {
        assert.equal(actual[table]?.length, rows.length, `rows of ${table}`);
        assert.deepEqual(actual[table], rows, `content of ${table}`);
      }
      assert.equal(expected.students?.length, 24);
    } finally {
      await restored.close();
    }
  });

  it('restores over the live schema, bringing back rows deleted since', async () => {
    const db = testDb.database.db;
    const before = await contents(testDb.database, schema);
    await db.deleteFrom('enrollments').execute();
    await db.deleteFrom('sentEmails').execute();

    await service.restore(backup.file);

    assert.deepEqual(await contents(testDb.database, schema), before);
  });

  it('fails verification of a damaged or truncated dump whose checksum was rewritten', async () => {
    const bytes = fs.readFileSync(backup.path);
    const damaged = Buffer.from(bytes);
    // Table data sits after the table of contents, compressed: damage that part, which a
    // reader must decode, rather than a fixed spot that may fall on free text of the TOC.
    damaged.fill(0x5a, Math.floor(bytes.length * 0.75), Math.floor(bytes.length * 0.95));
    const truncated = bytes.subarray(0, Math.floor(bytes.length * 0.7));

    const reports = [
      await service.verify(rewrittenCopy('omaum-20260101-000000.dump', damaged)),
      await service.verify(rewrittenCopy('omaum-20260101-000001.dump', truncated)),
    ];

    for (const report of reports) {
      assert.equal(report.checksum, 'ok');
      assert.equal(report.isOk, false, `${report.file} should fail`);
      assert.match(report.problems.join('\n'), /pg_restore failed/);
    }
  });
});
