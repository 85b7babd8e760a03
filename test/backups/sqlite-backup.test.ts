import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import SqliteDatabase from 'better-sqlite3';

import { BackupError, BackupService } from '../../src/backups/backup.service.ts';
import type { BackupEntry, BackupServiceOptions } from '../../src/backups/backup.service.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { createDemoSqlite, silentLogger, sqliteContents } from './backup-fixtures.ts';

const DEMO_TABLES = ['students', 'cohorts', 'marks', 'mark_history', 'attendance_counters'];

/** A clock that moves one second per reading, so that every backup gets its own name. */
function tickingClock(start: string): Clock {
  let instant = new Date(start).getTime();
  return {
    now: () => {
      instant += 1000;
      return new Date(instant);
    },
  };
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function isBackupError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof BackupError, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

describe('SQLite backups', () => {
  let dir: string;
  let databaseFile: string;
  let database: Database;
  let service: BackupService;
  let backup: BackupEntry;

  function serviceFor(file: string, options: Partial<BackupServiceOptions> = {}): BackupService {
    return new BackupService({
      target: { dialect: 'sqlite', file },
      backupsDir: path.join(dir, 'data', 'backups'),
      logger: silentLogger,
      clock: tickingClock('2026-03-03T06:00:00Z'),
      ...options,
    });
  }

  function corruptCopy(name: string, change: (bytes: Buffer) => void, isResummed: boolean) {
    const copy = path.join(dir, name);
    const bytes = fs.readFileSync(backup.path);
    change(bytes);
    fs.writeFileSync(copy, bytes);
    const digest = isResummed
      ? createHash('sha256').update(bytes).digest('hex')
      : sha256(backup.path);
    fs.writeFileSync(`${copy}.sha256`, `${digest}  ${name}\n`);
    return copy;
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-backup-'));
    databaseFile = path.join(dir, 'data', 'omaum.sqlite');
    database = await createDemoSqlite(databaseFile);
    service = serviceFor(databaseFile);
    backup = await service.create();
  });

  after(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('backs up the open database with a sha256sum-style checksum beside it', () => {
    assert.match(backup.file, /^omaum-\d{8}-\d{6}\.sqlite$/);
    assert.equal(path.dirname(backup.path), path.join(dir, 'data', 'backups'));
    assert.equal(backup.checksum, 'ok');
    assert.equal(backup.sizeBytes, fs.statSync(backup.path).size);
    assert.equal(
      fs.readFileSync(`${backup.path}.sha256`, 'utf8'),
      `${sha256(backup.path)}  ${backup.file}\n`,
    );
    assert.ok(!fs.existsSync(`${backup.path}.partial`));
  });

  it('leaves the application database open and writable', async () => {
    const before = await database.db.selectFrom('courses').select('id').execute();

    await database.db
      .updateTable('courses')
      .set({ description: 'alterado depois do backup' })
      .execute();

    assert.ok(before.length > 0);
    const copy = sqliteContents(backup.path).courses as { description: string | null }[];
    assert.ok(copy.every((row) => row.description !== 'alterado depois do backup'));
  });

  it('copies while the application keeps writing', async () => {
    const writes = Array.from({ length: 20 }, (_, index) =>
      database.db
        .updateTable('students')
        .set({ notes: `escrita ${index}` })
        .where('id', '=', index + 1)
        .execute(),
    );

    const [copy] = await Promise.all([serviceFor(databaseFile).create(), ...writes]);

    const report = await service.verify(copy.path);
    assert.equal(report.isOk, true, report.problems.join('; '));
    await fs.promises.rm(copy.path);
    await fs.promises.rm(`${copy.path}.sha256`);
  });

  it('verifies a backup by its checksum and by opening it and counting rows', async () => {
    const report = await service.verify(backup.file);

    assert.equal(report.isOk, true, report.problems.join('; '));
    assert.equal(report.checksum, 'ok');
    assert.deepEqual(report.problems, []);
    const rows = Object.fromEntries(report.tables.map((table) => [table.name, table.rows]));
    const source = sqliteContents(backup.path);
    for (const table of DEMO_TABLES) {
      assert.ok((rows[table] ?? 0) > 0, `${table} has rows`);
      assert.equal(rows[table], source[table]?.length);
    }
  });

  it('restores into a fresh location with every row of every table', async () => {
    const restoredFile = path.join(dir, 'fresh', 'omaum.sqlite');
    fs.mkdirSync(path.dirname(restoredFile));
    const expected = sqliteContents(backup.path);

    const report = await serviceFor(restoredFile).restore(backup.file);

    assert.equal(report.previousDatabase, null);
    assert.equal(report.target, `sqlite:${restoredFile}`);
    const restored = sqliteContents(restoredFile);
    assert.deepEqual(Object.keys(restored), Object.keys(expected));
    for (const [table, rows] of Object.entries(expected)) {
      assert.deepEqual(restored[table], rows, `table ${table}`);
    }
    assert.ok(DEMO_TABLES.every((table) => (restored[table]?.length ?? 0) > 0));
  });

  it('keeps the replaced database beside it when restoring over one', async () => {
    const target = path.join(dir, 'again', 'omaum.sqlite');
    fs.mkdirSync(path.dirname(target));
    const old = new SqliteDatabase(target);
    old.exec("create table old_data (x); insert into old_data values ('antes')");
    old.close();

    const report = await serviceFor(target).restore(backup.path);

    assert.ok(report.previousDatabase);
    assert.match(report.previousDatabase, /omaum\.sqlite\.before-restore-\d{8}-\d{6}$/);
    assert.ok('old_data' in sqliteContents(report.previousDatabase));
    assert.ok(!('old_data' in sqliteContents(target)));
  });

  it('refuses to restore over a database the application has open', async () => {
    const before = sha256(databaseFile);

    await assert.rejects(service.restore(backup.file), isBackupError(/stop OMAUM/));

    assert.equal(sha256(databaseFile), before);
    const count = await database.db.selectFrom('students').select('id').execute();
    assert.ok(count.length > 0);
  });

  it('refuses to restore over a database locked by a writer', async () => {
    const target = path.join(dir, 'locked', 'omaum.sqlite');
    fs.mkdirSync(path.dirname(target));
    fs.copyFileSync(backup.path, target);
    const writer = new SqliteDatabase(target);
    writer.exec('begin immediate');
    try {
      await assert.rejects(
        serviceFor(target).restore(backup.file),
        isBackupError(/locked by a writer/),
      );
    } finally {
      writer.exec('rollback');
      writer.close();
    }
  });

  it('fails verification of a copy whose bytes changed', async () => {
    const copy = corruptCopy(
      'omaum-20260101-000000.sqlite',
      (bytes) => bytes.fill(0x55, 8192, 8292),
      false,
    );

    const report = await service.verify(copy);

    assert.equal(report.isOk, false);
    assert.equal(report.checksum, 'mismatch');
    assert.match(report.problems.join('\n'), /checksum does not match/);
  });

  it('fails verification of a damaged copy whose checksum was rewritten to match', async () => {
    const pageSize = 4096;
    const copy = corruptCopy(
      'omaum-20260101-000001.sqlite',
      (bytes) => bytes.fill(0xa5, pageSize * 3, pageSize * 6),
      true,
    );
    const header = corruptCopy(
      'omaum-20260101-000002.sqlite',
      (bytes) => bytes.fill(0, 0, 100),
      true,
    );

    const damaged = await service.verify(copy);
    const headless = await service.verify(header);

    assert.equal(damaged.checksum, 'ok');
    assert.equal(damaged.isOk, false);
    assert.match(damaged.problems.join('\n'), /integrity check|cannot (open|read)/);
    assert.equal(headless.isOk, false);
    assert.match(headless.problems.join('\n'), /cannot (open|read) the copy/);
  });

  it('fails verification of a backup without its checksum file', async () => {
    const copy = path.join(dir, 'omaum-20260101-000003.sqlite');
    fs.copyFileSync(backup.path, copy);

    const report = await service.verify(copy);

    assert.equal(report.isOk, false);
    assert.equal(report.checksum, 'missing');
  });

  it('refuses to restore a damaged backup and changes nothing', async () => {
    const target = path.join(dir, 'untouched', 'omaum.sqlite');
    const copy = corruptCopy(
      'omaum-20260101-000004.sqlite',
      (bytes) => bytes.fill(1, 5000, 5100),
      false,
    );

    await assert.rejects(serviceFor(target).restore(copy), isBackupError(/failed verification/));

    assert.ok(!fs.existsSync(target));
  });

  it('lists backups newest first with size, date and checksum status', async () => {
    const second = await service.create();
    fs.appendFileSync(second.path, 'x');

    const items = await service.list();

    assert.deepEqual(
      items.map((item) => [item.file, item.checksum]),
      [
        [second.file, 'mismatch'],
        [backup.file, 'ok'],
      ],
    );
    assert.equal(items[1]?.sizeBytes, backup.sizeBytes);
    assert.equal(items[1]?.createdAt, backup.createdAt);
    const unchecked = await service.list({ isChecksumChecked: false });
    assert.ok(unchecked.every((item) => item.checksum === 'unchecked'));
    await fs.promises.rm(second.path);
    await fs.promises.rm(`${second.path}.sha256`);
  });

  it('runs the scheduled backup: creates, verifies and applies the retention rule', async () => {
    const backupsDir = path.join(dir, 'data', 'backups');
    const old = ['omaum-20240101-060000.sqlite', 'omaum-20240102-060000.sqlite'];
    for (const file of old) {
      fs.copyFileSync(backup.path, path.join(backupsDir, file));
      fs.copyFileSync(`${backup.path}.sha256`, path.join(backupsDir, `${file}.sha256`));
    }

    const scheduled = serviceFor(databaseFile, {
      clock: tickingClock('2026-03-04T06:00:00Z'),
      retention: { keepLast: 1 },
    });

    const report = await scheduled.runScheduled();

    assert.equal(report.verification.isOk, true);
    assert.deepEqual([...report.retention.deleted].sort(), old);
    assert.deepEqual(report.retention.kept, [report.backup.file, backup.file]);
    assert.deepEqual(
      fs.readdirSync(backupsDir).sort(),
      [
        backup.file,
        `${backup.file}.sha256`,
        report.backup.file,
        `${report.backup.file}.sha256`,
      ].sort(),
    );
  });

  it('refuses an in-memory database and files that are not backups', async () => {
    const memory = new BackupService({
      target: { dialect: 'sqlite', file: ':memory:' },
      backupsDir: path.join(dir, 'memory-backups'),
      logger: silentLogger,
    });

    await assert.rejects(memory.create(), isBackupError(/in-memory/));
    await assert.rejects(service.verify('nao-existe.sqlite'), isBackupError(/no backup at/));
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'nada');
    await assert.rejects(service.verify(notes), isBackupError(/not a backup/));
  });
});
