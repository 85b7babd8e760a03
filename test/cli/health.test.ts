/**
 * `omaum health` as an operator runs it: a real child process on a real data
 * folder, its exit status and its JSON, on a healthy system, with the database
 * file made unreadable, and with a Redis that the test starts and then stops.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { CliSandbox, freePort } from './cli-harness.ts';

interface Report {
  readonly status: string;
  readonly checks: readonly { name: string; status: string; reason: string }[];
}

function parseReport(stdout: string): Report {
  // Exactly one JSON document and a line break: nothing else on stdout.
  assert.equal(stdout.trimEnd().split('\n').length, 1, stdout);
  return JSON.parse(stdout) as Report;
}

function statusOf(report: Report, name: string): string | undefined {
  return report.checks.find((check) => check.name === name)?.status;
}

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

describe('omaum health', () => {
  let sandbox: CliSandbox;

  beforeEach(async () => {
    sandbox = new CliSandbox();
    assert.equal((await sandbox.run(['migrate'])).code, 0);
  });
  afterEach(() => sandbox.close());

  it('exits 0 with one JSON document on a healthy system, and 1 with --strict on a warning', async () => {
    const result = await sandbox.run(['health', '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const report = parseReport(result.stdout);
    assert.deepEqual(
      report.checks.map((check) => check.name),
      ['database', 'cache', 'queue', 'performance', 'security', 'system'],
    );
    assert.ok(
      report.checks.every((check) => check.status !== 'fail'),
      result.stdout,
    );
    // Nothing runs jobs here, so the queue warns; --strict turns that into exit 1.
    assert.equal(statusOf(report, 'queue'), 'warn');

    const strict = await sandbox.run(['health', '--strict', '--checks', 'database,queue']);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /^Verificação\s+Estado\s+Tempo\s+Motivo/);
    assert.match(strict.stdout, /banco de dados\s+ok/);
  });

  it('exits 1 and fails the database check when the database file cannot be read', async () => {
    const file = path.join(sandbox.dir, 'data', 'omaum.sqlite');
    fs.chmodSync(file, 0o000);
    // Root reads whatever the mode says: then the file's header is destroyed instead.
    if (process.getuid?.() === 0) fs.writeFileSync(file, 'this is not a database file'.repeat(8));

    const result = await sandbox.run(['health', '--format', 'json']);
    assert.equal(result.code, 1, result.stderr);
    const report = parseReport(result.stdout);
    assert.equal(report.status, 'fail');
    assert.equal(statusOf(report, 'database'), 'fail');
  });

  it(
    'fails the queue and cache checks once the Redis it used has stopped',
    hasRedisServer ? {} : { skip: 'redis-server is not installed' },
    async () => {
      const port = await freePort();
      const redis = await startRedis(port);
      const env = {
        OMAUM_QUEUE_BACKEND: 'bullmq',
        OMAUM_REDIS_URL: `redis://127.0.0.1:${port}`,
      };
      try {
        const up = await sandbox.run(['health', '--json', '--checks', 'queue,cache'], { env });
        assert.equal(up.code, 0, up.stdout + up.stderr);
        const upReport = parseReport(up.stdout);
        assert.equal(statusOf(upReport, 'cache'), 'pass');
        assert.equal(statusOf(upReport, 'queue'), 'warn', up.stdout);
      } finally {
        await stopProcess(redis);
      }

      const down = await sandbox.run(['health', '--json', '--checks', 'queue,cache'], { env });
      assert.equal(down.code, 1, down.stdout + down.stderr);
      const downReport = parseReport(down.stdout);
      assert.equal(statusOf(downReport, 'queue'), 'fail');
      assert.equal(statusOf(downReport, 'cache'), 'fail');
    },
  );
});

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
