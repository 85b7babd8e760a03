import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { BackupEntry, RestoreReport } from '../../src/backups/backup.service.ts';
import { CliSandbox, freePort, waitUntilReady, withTimeout } from '../cli/cli-harness.ts';
import type { CliResult } from '../cli/cli-harness.ts';

function parse(result: CliResult): unknown {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/**
 * Each command is a real `omaum` process (a few seconds each under load), so
 * the suite runs one scenario: back up while OMAUM runs, fail to restore
 * until it stops, then inspect and restore.
 */
describe('omaum backup', () => {
  const sandbox = new CliSandbox();
  let backup: BackupEntry;
  let refusedWhileRunning: CliResult;

  before(async () => {
    const port = await freePort();
    const server = sandbox.spawn(['start'], { env: { OMAUM_PORT: String(port) } });
    try {
      await waitUntilReady(server, `http://127.0.0.1:${port}`);
      backup = parse(await sandbox.run(['backup', 'create', '--json'])) as BackupEntry;
      refusedWhileRunning = await sandbox.run(['backup', 'restore', backup.file, '--yes']);
    } finally {
      server.child.kill('SIGTERM');
      await withTimeout(server.exited, 10_000, 'shutdown after SIGTERM');
    }
  });

  after(() => sandbox.close());

  it('backs up the running application into the data folder', () => {
    assert.equal(path.dirname(backup.path), path.join(sandbox.dir, 'data', 'backups'));
    assert.equal(backup.checksum, 'ok');
    assert.ok(fs.existsSync(`${backup.path}.sha256`));
  });

  it('refuses to restore while OMAUM runs', () => {
    assert.equal(refusedWhileRunning.code, 1);
    assert.match(refusedWhileRunning.stderr, /omaum: .* stop OMAUM before restoring\n$/);
  });

  it('lists the backups and verifies the newest by default', async () => {
    const [list, verified] = await Promise.all([
      sandbox.run(['backup', 'list', '--json']),
      sandbox.run(['backup', 'verify']),
    ]);

    const { items } = parse(list) as { items: BackupEntry[] };
    assert.deepEqual(
      items.map((item) => [item.file, item.checksum]),
      [[backup.file, 'ok']],
    );
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`^${backup.file}: ok \\(checksum ok, \\d+ tables`));
  });

  it('exits 1 when a backup fails verification', async () => {
    const damaged = path.join(sandbox.dir, 'omaum-20260101-000000.sqlite');
    fs.writeFileSync(damaged, 'not a database');

    const bad = await sandbox.run(['backup', 'verify', damaged]);

    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /FAILED\n {2}- no checksum file/);
  });

  it('restores only with --yes, keeping the replaced database', async () => {
    const unconfirmed = await sandbox.run(['backup', 'restore', backup.file]);
    const restored = parse(
      await sandbox.run(['backup', 'restore', backup.file, '--yes', '--json']),
    ) as RestoreReport;

    assert.equal(unconfirmed.code, 1);
    assert.match(unconfirmed.stderr, /--yes/);
    assert.equal(restored.file, backup.file);
    assert.ok(restored.previousDatabase && fs.existsSync(restored.previousDatabase));
  });
});
