import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backupFileName, parseBackupName } from '../../src/backups/backup-files.ts';
import type { BackupName } from '../../src/backups/backup-files.ts';
import { backupsToKeep } from '../../src/backups/retention.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function backup(at: string, sequence = 0): BackupName {
  const name = parseBackupName(backupFileName('sqlite', new Date(at), sequence));
  assert.ok(name);
  return name;
}

/** One backup a day at 06:00 UTC (03:00 in São Paulo) for `days` days up to `last`. */
function daily(last: string, days: number): BackupName[] {
  const end = new Date(`${last}T06:00:00.000Z`).getTime();
  return Array.from({ length: days }, (_, index) =>
    backup(new Date(end - index * DAY_MS).toISOString()),
  );
}

describe('backup names', () => {
  it('stamp the time in UTC and read back the same instant', () => {
    const name = backupFileName('postgres', new Date('2026-03-15T03:04:05.678Z'));

    assert.equal(name, 'omaum-20260315-030405.dump');
    assert.deepEqual(parseBackupName(name), {
      file: name,
      kind: 'postgres',
      createdAt: new Date('2026-03-15T03:04:05.000Z'),
      sequence: 0,
    });
    assert.equal(
      backupFileName('sqlite', new Date('2026-03-15T03:04:05Z'), 2),
      'omaum-20260315-030405-2.sqlite',
    );
  });

  it('leave other files out', () => {
    for (const file of ['omaum.sqlite', 'omaum-20260315-030405.sqlite.sha256', 'x.dump']) {
      assert.equal(parseBackupName(file), null);
    }
  });
});

describe('backup retention', () => {
  const now = new Date('2026-03-20T12:00:00.000Z');

  it('keeps the newest fourteen and the first backup of each of the last twelve months', () => {
    const backups = daily('2026-03-20', 500);

    const keep = backupsToKeep(backups, now);

    const newest = daily('2026-03-20', 14).map((b) => b.file);
    const monthly = [
      '2025-04-01',
      '2025-05-01',
      '2025-06-01',
      '2025-07-01',
      '2025-08-01',
      '2025-09-01',
      '2025-10-01',
      '2025-11-01',
      '2025-12-01',
      '2026-01-01',
      '2026-02-01',
      '2026-03-01',
    ].map((day) => backup(`${day}T06:00:00.000Z`).file);
    assert.deepEqual([...keep].sort(), [...new Set([...newest, ...monthly])].sort());
    assert.equal(keep.size, 26);
  });

  it('keeps the first backup of a month even when the month has gaps', () => {
    const backups = [
      backup('2026-02-10T06:00:00Z'),
      backup('2026-02-11T06:00:00Z'),
      backup('2026-02-11T06:00:00Z', 1),
      ...daily('2026-03-20', 14),
    ];

    const keep = backupsToKeep(backups, now);

    assert.ok(keep.has(backup('2026-02-10T06:00:00Z').file));
    assert.ok(!keep.has(backup('2026-02-11T06:00:00Z').file));
    assert.ok(!keep.has(backup('2026-02-11T06:00:00Z', 1).file));
  });

  it('keeps everything while there are fewer backups than the rule allows', () => {
    const backups = daily('2026-03-20', 5);

    assert.equal(backupsToKeep(backups, now).size, 5);
  });

  it('follows a custom rule and always keeps the newest backup', () => {
    const backups = daily('2026-03-20', 60);

    const keep = backupsToKeep(backups, now, { keepLast: 0, keepMonths: 1 });

    assert.deepEqual([...keep].sort(), [
      backup('2026-03-01T06:00:00Z').file,
      backup('2026-03-20T06:00:00Z').file,
    ]);
  });
});
