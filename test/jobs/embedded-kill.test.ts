/**
 * Recovery of a job whose worker died: a real worker process takes a job
 * and is killed with SIGKILL mid-run; another worker must run the job, once,
 * but only after the dead worker's lease has expired.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';

import type { DatabaseTarget } from '../../src/config/config.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import type { Database, Dialect } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobRecord } from '../../src/platform/jobs/job-queue.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';

const LEASE_MS = 1000;
const root = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(import.meta.dirname, 'fixtures', 'kill-worker.ts');

interface Setup {
  readonly database: Database;
  readonly target: DatabaseTarget;
  destroy(): Promise<void>;
}

describeEachDatabase('A job whose worker process is killed', (dialect) => {
  let setup: Setup;
  let dir: string;
  let backend: JobBackend | null = null;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-kill-'));
    setup = await openSetup(dialect, dir);
  });

  after(async () => {
    await backend?.close();
    await setup.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs exactly once on another worker after the lease expires', async () => {
    const embedded = createEmbeddedBackend(setup.database, fastOptions());
    backend = embedded;
    const job = await embedded.queue.enqueue('default', 'mark', null, { jobId: 'kill:1' });
    const marker = path.join(dir, 'started');

    const child = spawnWorker(setup, marker);
    await waitFor(async () => fs.existsSync(marker), 20_000);
    await kill(child);
    const orphan = await setup.database.db
      .selectFrom('jobs')
      .select(['state', 'leaseUntil', 'lockedBy'])
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    assert.equal(orphan.state, 'active');
    assert.ok(orphan.leaseUntil);

    let completions = 0;
    const worker = embedded.createWorker({
      queues: ['default'],
      handlers: { mark: async () => ++completions },
      logger: createLogger({ level: 'silent' }),
    });
    await worker.start();
    const done = await waitForState(embedded, job.id, 'completed');
    assert.ok(done.startedAt);
    assert.ok(Date.parse(done.startedAt) >= Date.parse(orphan.leaseUntil));
    assert.equal(done.attemptsMade, 2);
    assert.equal(done.result, 1);

    // A lease later nothing has run it again.
    await sleep(LEASE_MS + 300);
    assert.equal(completions, 1);
    assert.equal((await embedded.queue.get(job.id))?.state, 'completed');
    await worker.stop(0);
  });
});

function fastOptions() {
  return { leaseMs: LEASE_MS, pollIntervalMs: 25, busyPollIntervalMs: 5, sweepIntervalMs: 100 };
}

async function openSetup(dialect: Dialect, dir: string): Promise<Setup> {
  if (dialect === 'postgres') {
    const testDb = await createTestDatabase('postgres');
    const url = process.env.OMAUM_TEST_POSTGRES_URL ?? '';
    return {
      database: testDb.database,
      target: { dialect: 'postgres', url },
      destroy: () => testDb.destroy(),
    };
  }
  // A file, not :memory:, so that the child process shares it.
  const target: DatabaseTarget = { dialect: 'sqlite', file: path.join(dir, 'jobs.sqlite') };
  const database = openDatabase(target);
  await migrateToLatest(database);
  return { database, target, destroy: () => database.close() };
}

function spawnWorker(setup: Setup, marker: string): ChildProcess {
  const settings = {
    target: setup.target,
    schema: setup.database.schema,
    marker,
    leaseMs: LEASE_MS,
  };
  return spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: root,
    env: { ...process.env, OMAUM_KILL_FIXTURE: JSON.stringify(settings) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function waitForState(
  backend: JobBackend,
  id: string,
  state: JobRecord['state'],
): Promise<JobRecord> {
  let job: JobRecord | null = null;
  await waitFor(async () => {
    job = await backend.queue.get(id);
    return job?.state === state;
  }, 5000);
  assert.ok(job);
  return job;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => Promise<boolean>, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${waitMs} ms`);
    await sleep(25);
  }
}
