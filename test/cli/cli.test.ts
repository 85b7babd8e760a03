import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { CliSandbox } from './cli-harness.ts';

const PASSWORD = 'lua-cheia-no-templo-42';

interface MigrationStatus {
  migrations: { name: string; executedAt: string | null }[];
  pending: number;
}

describe('omaum --version', () => {
  const sandbox = new CliSandbox();
  after(() => sandbox.close());

  it('prints the version of package.json and exits 0', async () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.resolve(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    ) as { version: string };
    const result = await sandbox.run(['--version']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), manifest.version);
  });
});

describe('omaum migrate', () => {
  const sandbox = new CliSandbox();
  after(() => sandbox.close());

  it('reports pending migrations with exit 1, and exit 0 once `migrate latest` ran', async () => {
    const before = await sandbox.run(['migrate', 'status']);
    assert.equal(before.code, 1, before.stderr);
    assert.match(before.stdout, /^pending {2}\S+$/m);

    const latest = await sandbox.run(['migrate', 'latest']);
    assert.equal(latest.code, 0, latest.stderr);
    assert.match(latest.stdout, /^applied \S+$/m);

    const afterwards = await sandbox.run(['migrate', 'status']);
    assert.equal(afterwards.code, 0, afterwards.stderr);
    assert.doesNotMatch(afterwards.stdout, /pending/);
  });

  it('prints nothing but JSON on stdout with --json', async () => {
    const fresh = new CliSandbox();
    try {
      const pending = await fresh.run(['migrate', 'status', '--json']);
      assert.equal(pending.code, 1, pending.stderr);
      const pendingStatus = JSON.parse(pending.stdout) as MigrationStatus;
      assert.ok(pendingStatus.pending > 0);
      assert.equal(pendingStatus.pending, pendingStatus.migrations.length);

      const latest = await fresh.run(['migrate', 'latest', '--json']);
      assert.equal(latest.code, 0, latest.stderr);
      const { applied } = JSON.parse(latest.stdout) as { applied: string[] };
      assert.deepEqual(
        applied,
        pendingStatus.migrations.map((migration) => migration.name),
      );

      const done = await fresh.run(['migrate', 'status', '--json']);
      assert.equal(done.code, 0, done.stderr);
      const doneStatus = JSON.parse(done.stdout) as MigrationStatus;
      assert.equal(doneStatus.pending, 0);
      for (const migration of doneStatus.migrations) {
        assert.ok(migration.executedAt !== null && !Number.isNaN(Date.parse(migration.executedAt)));
      }
    } finally {
      await fresh.close();
    }
  });
});

describe('omaum users create', () => {
  const sandbox = new CliSandbox();
  const createArgs = (email: string) => [
    'users',
    'create',
    '--email',
    email,
    '--name',
    'Maria Secretária',
    '--role',
    'secretary',
    '--password-stdin',
    '--json',
  ];

  before(async () => {
    const migrated = await sandbox.run(['migrate', 'latest']);
    assert.equal(migrated.code, 0, migrated.stderr);
  });
  after(() => sandbox.close());

  it('creates a user from a password piped on stdin and prints it as JSON', async () => {
    const result = await sandbox.run(createArgs('maria@omaum.test'), { input: `${PASSWORD}\n` });
    assert.equal(result.code, 0, result.stderr);
    const user = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(user.email, 'maria@omaum.test');
    assert.equal(user.role, 'secretary');
    assert.equal(user.mustChangePassword, false);
    assert.equal('passwordHash' in user, false);
  });

  it('refuses the same e-mail a second time with exit 1 and a message on stderr', async () => {
    const first = await sandbox.run(createArgs('jose@omaum.test'), { input: PASSWORD });
    assert.equal(first.code, 0, first.stderr);

    const second = await sandbox.run(createArgs('jose@omaum.test'), { input: PASSWORD });
    assert.equal(second.code, 1);
    assert.equal(second.stdout, '');
    assert.match(second.stderr, /jose@omaum\.test already exists/);
  });

  it('refuses a weak password with exit 1 and says why on stderr', async () => {
    const result = await sandbox.run(createArgs('ana@omaum.test'), { input: 'curta\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /password: must have at least 10 characters/);
  });

  it('refuses to run with nothing on stdin', async () => {
    const result = await sandbox.run(createArgs('pedro@omaum.test'), { input: '' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /no password was given on standard input/);
  });

  it('asks for migrations first instead of failing on a missing table', async () => {
    const empty = new CliSandbox();
    try {
      const result = await empty.run(createArgs('novo@omaum.test'), { input: PASSWORD });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /omaum migrate latest/);
    } finally {
      await empty.close();
    }
  });
});
