/**
 * `omaum deploy` with real processes: setup, start with two web and two
 * worker processes, requests served by both web processes, a job run,
 * status showing every process, and stop leaving no process and no job
 * behind; on SQLite, and on PostgreSQL with Redis when they are configured.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { Redis } from 'ioredis';
import { sql } from 'kysely';

import { createBullmqBackend } from '../../src/platform/jobs/bullmq/bullmq-backend.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobQueue } from '../../src/platform/jobs/job-queue.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { readProc } from '../../src/system/deploy/proc.ts';
import { CliSandbox, freePort } from './cli-harness.ts';

const postgresUrl = process.env.OMAUM_TEST_POSTGRES_URL ?? '';
const redisUrl = process.env.OMAUM_TEST_REDIS_URL ?? '';
const logger = createLogger({ level: 'silent' });
// Starting six processes through tsx on a busy machine takes a while.
const LONG = { timeoutMs: 180_000 };
const SLOW_TEST = { timeout: 600_000 };
const LONG_TEST = { timeout: 240_000 };

interface Queue {
  readonly queue: JobQueue;
  close(): Promise<void>;
}

interface Status {
  readonly isHealthy: boolean;
  readonly processes: readonly {
    role: string;
    pid: number;
    isRunning: boolean;
    isLive: boolean;
    metricsPort: number | null;
  }[];
  readonly queues: Record<string, Record<string, number>> | null;
}

/** The whole cycle an operator goes through, on whatever database and queue `env` names. */
async function deployCycle(
  sandbox: CliSandbox,
  env: Record<string, string>,
  openQueue: () => Queue,
): Promise<void> {
  const port = await freePort();
  let metricsPort = await freePort();
  // The two workers take metricsPort and the next one: neither may be the web port.
  while (metricsPort === port || metricsPort + 1 === port) metricsPort = await freePort();
  const allEnv = {
    ...env,
    OMAUM_PORT: String(port),
    OMAUM_LOG_LEVEL: 'info',
    OMAUM_WORKER_METRICS_PORT: String(metricsPort),
  };

  const setup = await sandbox.run(['deploy', 'setup', '--json'], { env: allEnv, ...LONG });
  assert.equal(setup.code, 0, setup.stderr);
  const again = await sandbox.run(['deploy', 'setup'], { env: allEnv, ...LONG });
  assert.equal(again.code, 0, `setup runs again safely: ${again.stderr}`);
  assert.match(again.stdout, /migrations: up to date/);
  assert.match(again.stdout, /indexes: \d+ checked, all present/);

  const start = await sandbox.run(
    ['deploy', 'start', '--web', '2', '--workers', '2', '--timeout', '150'],
    { env: allEnv, ...LONG },
  );
  assert.equal(start.code, 0, start.stderr);
  const jobs = openQueue();
  try {
    await assertBothWebProcessesServe(sandbox, port);

    const job = await jobs.queue.enqueue('default', 'maintenance.cleanup', {});
    await waitFor(async () => (await jobs.queue.get(job.id))?.state === 'completed', 30_000);

    const status = await sandbox.run(['deploy', 'status', '--json'], { env: allEnv });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    const parsed = JSON.parse(status.stdout) as Status;
    const roles = parsed.processes.map((p) => p.role).sort();
    // The cluster primary and its two web processes, two workers, the scheduler.
    assert.deepEqual(roles, ['scheduler', 'web', 'web', 'web', 'worker', 'worker']);
    assert.ok(
      parsed.processes.every((p) => p.isRunning && p.isLive),
      status.stdout,
    );
    assert.ok(parsed.queues?.default);
    // Worker k serves its own /metrics on OMAUM_WORKER_METRICS_PORT + k - 1.
    const workerPorts = parsed.processes
      .filter((p) => p.role === 'worker')
      .map((p) => p.metricsPort);
    assert.deepEqual(workerPorts, [metricsPort, metricsPort + 1]);

    // Jobs still arriving while it stops: each must finish or wait, none stay taken.
    const late = await Promise.all(
      [1, 2, 3].map((n) => jobs.queue.enqueue('default', 'maintenance.cleanup', { n })),
    );
    const stop = await sandbox.run(['deploy', 'stop'], { env: allEnv, ...LONG });
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    for (const p of parsed.processes) assert.equal(isAlive(p.pid), false, `pid ${p.pid} survived`);
    for (const { id } of late) {
      const state = (await jobs.queue.get(id))?.state;
      assert.ok(state === 'completed' || state === 'waiting', `job ${id} is ${state}`);
    }
    const after = await sandbox.run(['deploy', 'status'], { env: allEnv });
    assert.equal(after.code, 1);
    assert.match(after.stdout, /not started by deploy/);
  } finally {
    await sandbox.run(['deploy', 'stop', '--timeout', '5'], { env: allEnv, ...LONG });
    await jobs.close();
  }
}

async function assertBothWebProcessesServe(sandbox: CliSandbox, port: number): Promise<void> {
  // A new connection each time, so that the cluster hands them out in turn.
  for (let i = 0; i < 12; i += 1) assert.equal(await getStatus(port, '/livez'), 200);
  const log = fs.readFileSync(path.join(sandbox.dir, 'data', 'logs', 'web.log'), 'utf8');
  const pids = new Set(
    log
      .split('\n')
      .filter((line) => line.includes('request completed') && line.includes('/livez'))
      .map((line) => (JSON.parse(line) as { pid?: number }).pid),
  );
  assert.equal(pids.size, 2, `requests were served by ${[...pids].join(', ')}`);
}

function getStatus(port: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: url, agent: false }, (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
      })
      .on('error', reject);
  });
}

/** Running, that is: a zombie waiting for its reaper has already exited. */
function isAlive(pid: number): boolean {
  return readProc(pid) !== null;
}

async function waitFor(condition: () => Promise<boolean>, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${waitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('omaum deploy', () => {
  let sandbox: CliSandbox;

  beforeEach(() => {
    sandbox = new CliSandbox();
  });
  afterEach(() => sandbox.close());

  it('refuses to start before setup, saying what to run, with exit 1', async () => {
    assert.equal((await sandbox.run(['migrate'])).code, 0);
    fs.rmSync(path.join(sandbox.dir, 'data', 'omaum.sqlite'));
    const result = await sandbox.run(['deploy', 'start'], {
      env: { OMAUM_PORT: String(await freePort()) },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pending migrations: run `omaum deploy setup`/);
    assert.equal(result.stdout, '');
  });

  it('puts back an index dropped by hand, and says so', LONG_TEST, async () => {
    assert.equal((await sandbox.run(['migrate'])).code, 0);
    const database = openDatabase({
      dialect: 'sqlite',
      file: path.join(sandbox.dir, 'data', 'omaum.sqlite'),
    });
    await sql`drop index marks_absences_idx`.execute(database.db);
    await database.close();

    const setup = await sandbox.run(['deploy', 'setup', '--json'], LONG);
    assert.equal(setup.code, 0, setup.stderr);
    const { indexes } = JSON.parse(setup.stdout) as { indexes: Record<string, unknown> };
    assert.deepEqual(indexes.recreated, ['marks_absences_idx']);
    assert.deepEqual([indexes.rebuilt, indexes.extra], [[], []]);

    const again = await sandbox.run(['deploy', 'setup'], LONG);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /\nindexes: \d+ checked, all present\nstatistics: ANALYZE done\n/);
  });

  it('prints systemd units for web, worker and scheduler', async () => {
    const result = await sandbox.run(['deploy', 'systemd', '--web', '3']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /# omaum-web.service\n[\s\S]*serve --instances 3/);
    assert.match(result.stdout, /# omaum-worker@.service\n[\s\S]*omaum.js worker/);
    assert.match(result.stdout, /# omaum-scheduler.service\n[\s\S]*KillSignal=SIGTERM/);
  });

  it('runs two web and two worker processes on SQLite and stops them all', SLOW_TEST, async () => {
    const file = path.join(sandbox.dir, 'data', 'omaum.sqlite');
    await deployCycle(sandbox, {}, () => {
      const database = openDatabase({ dialect: 'sqlite', file });
      const backend = createEmbeddedBackend(database);
      return {
        queue: backend.queue,
        close: async () => {
          await backend.close();
          await database.close();
        },
      };
    });
  });

  const skipPostgres =
    postgresUrl === ''
      ? 'OMAUM_TEST_POSTGRES_URL is not set'
      : redisUrl === ''
        ? 'OMAUM_TEST_REDIS_URL is not set'
        : null;

  it(
    'runs two web and two worker processes on PostgreSQL with Redis and stops them all',
    skipPostgres ? { skip: skipPostgres } : SLOW_TEST,
    async () => {
      const name = `omaum_deploy_${randomBytes(5).toString('hex')}`;
      const admin = openDatabase({ dialect: 'postgres', url: postgresUrl }, { poolSize: 1 });
      await sql`create database ${sql.id(name)}`.execute(admin.db);
      const databaseUrl = new URL(postgresUrl);
      databaseUrl.pathname = `/${name}`;
      // A Redis database of its own: the processes use the default key prefix.
      const ownRedis = new URL(redisUrl);
      ownRedis.pathname = `/${randomInt(1, 16)}`;
      const env = {
        OMAUM_DATABASE_URL: databaseUrl.toString(),
        OMAUM_REDIS_URL: ownRedis.toString(),
        OMAUM_QUEUE_BACKEND: 'bullmq',
      };
      try {
        await deployCycle(sandbox, env, () => {
          const backend = createBullmqBackend({ redisUrl: ownRedis.toString(), logger });
          return { queue: backend.queue, close: () => backend.close() };
        });
      } finally {
        await removeOmaumKeys(ownRedis.toString());
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.db);
        await admin.close();
      }
    },
  );
});

async function removeOmaumKeys(url: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'omaum:*', 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
