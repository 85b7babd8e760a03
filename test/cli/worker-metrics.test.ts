/**
 * `omaum worker --metrics-port`: a real worker process on a scratch SQLite
 * database runs a job and serves its own `/metrics`, with the job's outcome,
 * under the same access rule as the web `/metrics`; it frees the port when it
 * stops, and refuses to start on a port that is taken; `deploy start` refuses
 * worker ports that would take the web port.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { JobBackend } from '../../src/platform/jobs/job-queue.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { parsePrometheus, valueOf } from '../support/prometheus.ts';
import { CliSandbox, freePort, withTimeout } from './cli-harness.ts';
import type { RunningCli } from './cli-harness.ts';

const TOKEN = 'worker-metrics-test-token-0123456789';
// Starting `omaum` through tsx on a busy machine takes a while.
const START_MS = 60_000;

describe('omaum worker --metrics-port', { timeout: 180_000 }, () => {
  let sandbox: CliSandbox;
  let database: Database;
  let jobs: JobBackend;

  before(async () => {
    sandbox = new CliSandbox();
    const migrate = await sandbox.run(['migrate'], { timeoutMs: START_MS });
    assert.equal(migrate.code, 0, migrate.stderr);
    database = openDatabase({
      dialect: 'sqlite',
      file: path.join(sandbox.dir, 'data', 'omaum.sqlite'),
    });
    jobs = createEmbeddedBackend(database);
  });

  after(async () => {
    await jobs.close();
    await database.close();
    await sandbox.close();
  });

  it('serves the outcome of the jobs it ran, to loopback or the token; stops on SIGTERM', async () => {
    const port = await freePort();
    const worker = sandbox.spawn(['worker', '--metrics-port', String(port)], {
      env: { OMAUM_METRICS_TOKEN: TOKEN, OMAUM_LOG_LEVEL: 'info' },
    });
    await waitForLog(worker, 'worker started');

    const job = await jobs.queue.enqueue('default', 'maintenance.cleanup', {});
    await waitFor(async () => (await jobs.queue.get(job.id))?.state === 'completed', 30_000);

    const scrape = await get(port, {});
    assert.equal(scrape.status, 200, scrape.body);
    assert.match(scrape.contentType, /^text\/plain/);
    const exposition = parsePrometheus(scrape.body);
    const labels = { queue: 'default', name: 'maintenance.cleanup' };
    assert.equal(valueOf(exposition, 'omaum_jobs_total', { ...labels, outcome: 'completed' }), 1);
    assert.equal(valueOf(exposition, 'omaum_job_duration_seconds_count', labels), 1);
    // Its own process figures come along.
    assert.ok(valueOf(exposition, 'process_cpu_seconds_total') !== undefined);

    // Through a proxy, even on loopback, the token is required: the standard error body.
    const forwarded = await get(port, { 'x-forwarded-for': '203.0.113.9' });
    assert.equal(forwarded.status, 401);
    assert.deepEqual(JSON.parse(forwarded.body), {
      statusCode: 401,
      code: 'OMAUM_AUTH_REQUIRED',
      error: 'Unauthorized',
      message:
        'Send the metrics token (OMAUM_METRICS_TOKEN) as a bearer token, or ask from this host',
    });
    const wrong = await get(port, { authorization: 'Bearer not-the-token' });
    assert.equal(wrong.status, 401);
    const right = await get(port, {
      authorization: `Bearer ${TOKEN}`,
      'x-forwarded-for': '203.0.113.9',
    });
    assert.equal(right.status, 200);

    worker.child.kill('SIGTERM');
    const result = await withTimeout(worker.exited, 45_000, 'the worker stopping');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await canListen(port), true, 'the port is still taken after the exit');
  });

  it('refuses to start on a port in use, naming the setting', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = await sandbox.run(['worker'], {
        env: { OMAUM_WORKER_METRICS_PORT: String(port) },
        timeoutMs: START_MS,
      });
      assert.notEqual(result.code, 0);
      assert.match(
        result.stderr,
        new RegExp(
          `cannot serve worker metrics on 127\\.0\\.0\\.1:${port}: .*address already in use`,
        ),
      );
      assert.match(result.stderr, /OMAUM_WORKER_METRICS_PORT or --metrics-port/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('is refused by deploy start when the workers would take the web port', async () => {
    const port = await freePort();
    const result = await sandbox.run(['deploy', 'start', '--workers', '2'], {
      env: { OMAUM_PORT: String(port), OMAUM_WORKER_METRICS_PORT: String(port - 1) },
      timeoutMs: START_MS,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /worker metrics ports \d+-\d+ include OMAUM_PORT/);
    assert.equal(result.stdout, '');
  });
});

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

async function get(port: number, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: await response.text(),
  };
}

/** Waits for a log line; fails at once, with what it wrote, if the process ends first. */
async function waitForLog(running: RunningCli, message: string): Promise<void> {
  let hasExited = false;
  void running.exited.then(() => (hasExited = true));
  await waitFor(async () => {
    if (hasExited) throw new Error(`the worker exited early:\n${running.stderr()}`);
    return running.stdout().includes(message);
  }, START_MS);
}

async function waitFor(condition: () => Promise<boolean>, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function canListen(port: number): Promise<boolean> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
  } catch {
    return false;
  }
  await new Promise((resolve) => server.close(resolve));
  return true;
}
