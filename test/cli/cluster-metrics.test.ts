/**
 * `/metrics` of `omaum serve --instances 2`, with real processes: whichever
 * web process a scrape reaches, it answers with the counts of both, so the
 * request counter equals the requests made, on every scrape; the queue gauge,
 * read by both from the same backend, is not doubled; SIGTERM stops them all.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { openDatabase } from '../../src/platform/db/database.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import { readProc } from '../../src/system/deploy/proc.ts';
import { parsePrometheus } from '../support/prometheus.ts';
import type { Exposition } from '../support/prometheus.ts';
import type { RunningCli } from './cli-harness.ts';
import { CliSandbox, freePort, withTimeout } from './cli-harness.ts';

// Three processes through tsx on a busy machine take a while to start.
const SLOW_TEST = { timeout: 300_000 };
const START_MS = 180_000;
const ROUTE = '/api/v1/auth/me';

interface LogLine {
  readonly msg?: string;
  readonly pid?: number;
  readonly route?: string;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** A new connection each time, so that the cluster hands the requests out in turn. */
function get(port: number, url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
      })
      .on('error', reject);
  });
}

function logLines(server: RunningCli): LogLine[] {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The processes that logged a request to this route. */
function pidsServing(server: RunningCli, route: string): Set<number> {
  const served = logLines(server).filter(
    (line) => line.route === route && line.msg === 'request completed',
  );
  return new Set(served.map((line) => line.pid ?? 0));
}

async function waitForWebProcesses(server: RunningCli, count: number): Promise<number[]> {
  const deadline = Date.now() + START_MS;
  for (;;) {
    const pids = logLines(server)
      .filter((line) => line.msg === 'omaum is listening')
      .map((line) => line.pid ?? 0);
    if (pids.length >= count) return pids;
    if (server.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`${count} web processes did not start:\n${server.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function sum(exposition: Exposition, name: string, labels: Record<string, string>): number {
  return exposition.samples
    .filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((total, sample) => total + sample.value, 0);
}

async function scrape(port: number): Promise<Exposition> {
  const reply = await get(port, '/metrics');
  assert.equal(reply.status, 200, reply.body);
  return parsePrometheus(reply.body);
}

async function requestRoute(port: number, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) assert.equal((await get(port, ROUTE)).status, 401);
}

describe('omaum serve --instances 2: /metrics', () => {
  let sandbox: CliSandbox;

  beforeEach(() => {
    sandbox = new CliSandbox();
  });
  afterEach(() => sandbox.close());

  it('answers with the counts of every web process, whichever is asked', SLOW_TEST, async () => {
    const port = await freePort();
    const env = {
      OMAUM_PORT: String(port),
      OMAUM_LOG_LEVEL: 'info',
      // 50 requests from one address in a minute would meet the limits.
      OMAUM_RATE_LIMIT: 'off',
      OMAUM_SLOW_REQUEST_MS: '60000',
    };
    const migrate = await sandbox.run(['migrate'], { env, timeoutMs: START_MS });
    assert.equal(migrate.code, 0, migrate.stderr);
    await enqueueOneJob(path.join(sandbox.dir, 'data', 'omaum.sqlite'));

    const server = sandbox.spawn(['serve', '--instances', '2'], { env });
    const webPids = await waitForWebProcesses(server, 2);

    await requestRoute(port, 40);
    assert.equal(pidsServing(server, ROUTE).size, 2, 'both web processes served the route');
    const counted = { method: 'GET', route: ROUTE, status: '401' };
    const counts: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const exposition = await scrape(port);
      counts.push(sum(exposition, 'omaum_http_request_duration_seconds_count', counted));
      assert.equal(
        sum(exposition, 'omaum_queue_jobs', { queue: 'default', state: 'waiting' }),
        1,
        'the queue gauge is read once, not added up',
      );
      assert.equal(exposition.types.get('omaum_http_request_duration_seconds'), 'histogram');
    }
    await requestRoute(port, 10);
    counts.push(sum(await scrape(port), 'omaum_http_request_duration_seconds_count', counted));
    assert.deepEqual(counts, [40, 40, 40, 40, 50]);
    assert.equal(pidsServing(server, '/metrics').size, 2, 'both web processes answered scrapes');

    server.child.kill('SIGTERM');
    const exit = await withTimeout(server.exited, 60_000, 'the cluster after SIGTERM');
    assert.equal(exit.code, 0, exit.stderr);
    for (const pid of [server.child.pid ?? 0, ...webPids]) {
      assert.equal(readProc(pid), null, `process ${pid} is still running`);
    }
  });
});

/** A job no process runs (`serve` has no worker): it stays waiting, one in the gauge. */
async function enqueueOneJob(file: string): Promise<void> {
  const database = openDatabase({ dialect: 'sqlite', file });
  const backend = createEmbeddedBackend(database);
  try {
    await backend.queue.enqueue('default', 'maintenance.cleanup', {});
  } finally {
    await backend.close();
    await database.close();
  }
}
