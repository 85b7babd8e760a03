import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { loadConfig } from '../../../src/config/config.ts';
import type { JobContext, JobRecord } from '../../../src/platform/jobs/job-queue.ts';
import { Metrics } from '../../../src/platform/metrics/metrics.ts';
import { monitorHandlers } from '../../../src/platform/monitoring/job-monitoring.ts';
import { Monitor } from '../../../src/platform/monitoring/monitor.ts';
import {
  recentSnapshots,
  writeSnapshot,
} from '../../../src/platform/monitoring/snapshot-writer.ts';
import type { TestDatabase } from '../../support/databases.ts';
import { createTestDatabase, describeEachDatabase } from '../../support/databases.ts';
import { parsePrometheus, valueOf } from '../../support/prometheus.ts';

interface LoggedLine {
  readonly level: 'info' | 'warn';
  readonly line: Record<string, unknown>;
  readonly message: string;
}

function recordingLogger(lines: LoggedLine[]) {
  return {
    info: (line: object, message: string) =>
      lines.push({ level: 'info', line: line as Record<string, unknown>, message }),
    warn: (line: object, message: string) =>
      lines.push({ level: 'warn', line: line as Record<string, unknown>, message }),
  };
}

function contextFor(lines: LoggedLine[]): JobContext<never> {
  const job = { id: 'job-1', queue: 'statistics', name: 'test.lookups' } as JobRecord<never>;
  return {
    job,
    signal: new AbortController().signal,
    logger: recordingLogger(lines) as unknown as JobContext['logger'],
    updateProgress: () => Promise.resolve(),
  };
}

describeEachDatabase('monitoring of jobs, and snapshots for other processes', (dialect) => {
  let testDb: TestDatabase;
  let monitor: Monitor;
  let metrics: Metrics;

  before(async () => {
    testDb = await createTestDatabase(dialect);
    const config = loadConfig({ OMAUM_N_PLUS_ONE_THRESHOLD: '5' }, { useDotenv: false });
    metrics = new Metrics({ collectProcessMetrics: false });
    monitor = new Monitor(config.monitoring, metrics);
  });
  after(() => testDb.destroy());

  it('counts a job’s queries, reports its N+1 and records its outcome', async () => {
    const { db } = testDb.database;
    const handlers = monitorHandlers(
      {
        'test.lookups': async () => {
          for (let id = 1; id <= 6; id += 1) {
            await db.selectFrom('students').select('id').where('id', '=', id).execute();
          }
          return { done: true };
        },
        'test.failing': async () => {
          await db.selectFrom('courses').select('id').execute();
          throw new Error('broken on purpose');
        },
      },
      monitor,
    );
    const lines: LoggedLine[] = [];
    assert.deepEqual(await handlers['test.lookups']?.(contextFor(lines)), { done: true });
    await assert.rejects(handlers['test.failing']?.(contextFor(lines)) ?? Promise.resolve(), {
      message: 'broken on purpose',
    });

    const finished = lines.filter((entry) => entry.message === 'job run finished');
    assert.deepEqual(
      finished.map((entry) => [entry.line.job, entry.line.outcome, entry.line.queries]),
      [
        ['test.lookups', 'completed', 6],
        ['test.failing', 'failed', 1],
      ],
    );
    const nPlusOne = lines.find((entry) => entry.message === 'N+1 queries');
    assert.equal(nPlusOne?.level, 'warn');
    assert.equal(nPlusOne?.line.origin, 'job test.lookups');
    assert.equal(nPlusOne?.line.times, 6);

    const exposition = parsePrometheus(await metrics.render());
    const outcome = (name: string, value: string) =>
      valueOf(exposition, 'omaum_jobs_total', { queue: 'statistics', name, outcome: value });
    assert.equal(outcome('test.lookups', 'completed'), 1);
    assert.equal(outcome('test.failing', 'failed'), 1);
    assert.equal(valueOf(exposition, 'omaum_n_plus_one_total', { origin: 'job test.lookups' }), 1);
  });

  it('writes snapshots that any process reads back, newest per instance, and drops old ones', async () => {
    const { db } = testDb.database;
    const snapshot = monitor.snapshot();
    const dayAgo = new Date(Date.parse(snapshot.takenAt) - 25 * 3600_000).toISOString();
    await writeSnapshot(db, { ...snapshot, instance: 'other-host:1', takenAt: dayAgo });
    await writeSnapshot(db, { ...snapshot, instance: 'other-host:2' });
    await writeSnapshot(db, snapshot);

    const since = new Date(Date.parse(snapshot.takenAt) - 5 * 60_000).toISOString();
    const recent = await recentSnapshots(db, since);
    assert.deepEqual(recent.map((entry) => entry.instance).sort(), [
      'other-host:2',
      snapshot.instance,
    ]);
    assert.deepEqual(
      recent.find((entry) => entry.instance === snapshot.instance),
      snapshot,
    );
    const rows = await db.selectFrom('monitorSnapshots').select('instance').execute();
    assert.equal(
      rows.some((row) => row.instance === 'other-host:1'),
      false,
      'a snapshot older than a day is deleted by the next write',
    );
  });
});
