import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadConfig } from '../../src/config/config.ts';
import type { JobQueue } from '../../src/platform/jobs/job-queue.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import type { MonitorSnapshot } from '../../src/platform/monitoring/snapshot.ts';
import { hashPassword } from '../../src/platform/security/passwords.ts';
import { checkCache } from '../../src/system/health/cache.check.ts';
import { checkDatabase } from '../../src/system/health/database.check.ts';
import { buildHealthReport } from '../../src/system/health/health.ts';
import { combine, exitStatusOf } from '../../src/system/health/health-report.ts';
import type { HealthDeps } from '../../src/system/health/health-report.ts';
import { formatHealthSummary } from '../../src/system/health/health-summary.ts';
import { checkPerformance, performanceFinding } from '../../src/system/health/performance.check.ts';
import {
  checkQueue,
  failuresFinding,
  oldestWaitingFinding,
  workersFindingFrom,
} from '../../src/system/health/queue.check.ts';
import { checkSecurity, settingsFindings } from '../../src/system/health/security.check.ts';
import {
  backupFindingFrom,
  diskFindingFrom,
  memoryFinding,
} from '../../src/system/health/system.check.ts';
import { HeartbeatReporter, liveHeartbeats } from '../../src/system/heartbeats.ts';
import type { LiveHeartbeat } from '../../src/system/heartbeats.ts';
import { createTestDatabase } from '../support/databases.ts';
import type { TestDatabase } from '../support/databases.ts';

const logger = createLogger({ level: 'silent' });
const NOW = new Date('2026-03-10T12:00:00.000Z');
const STRONG_SECRET = 'p7Kq2vXz9LmN4rT8wYb3HcJ6sFd1GaE5';

function config(env: Record<string, string> = {}) {
  return loadConfig({ OMAUM_DATA_DIR: '/tmp/omaum-health-test', ...env }, { useDotenv: false });
}

const PRODUCTION = {
  OMAUM_ENV: 'production',
  OMAUM_SESSION_SECRET: STRONG_SECRET,
  OMAUM_BASE_URL: 'https://omaum.example.org',
  OMAUM_TRUST_PROXY: '127.0.0.1',
};

function depsOn(testDb: TestDatabase | null, overrides: Partial<HealthDeps> = {}): HealthDeps {
  return {
    config: config(),
    database: testDb?.database ?? null,
    queueKind: 'embedded',
    queue: testDb ? createEmbeddedBackend(testDb.database).queue : null,
    cache: null,
    backups: { newestVerified: async () => null },
    now: () => NOW,
    ...overrides,
  };
}

function beat(role: 'worker' | 'scheduler', queues: LiveHeartbeat['queues']): LiveHeartbeat {
  const at = NOW.toISOString();
  return { id: `h:${role}`, role, queues, pid: 1, host: 'h', startedAt: at, seenAt: at };
}

function snapshot(requests: Partial<MonitorSnapshot['requests']>, extra = {}): MonitorSnapshot {
  return {
    instance: 'h:1',
    takenAt: NOW.toISOString(),
    windowMs: 60_000,
    requests: { count: 100, errors: 0, slow: 0, p50: 10, p95: 50, p99: 80, ...requests },
    routes: [],
    slowQueries: [],
    nPlusOne: [],
    ...extra,
  };
}

describe('health report', () => {
  it('exits 0 on pass and warn, 1 on fail, and 1 on warn with --strict', () => {
    assert.equal(exitStatusOf({ status: 'pass' }, false), 0);
    assert.equal(exitStatusOf({ status: 'warn' }, false), 0);
    assert.equal(exitStatusOf({ status: 'fail' }, false), 1);
    assert.equal(exitStatusOf({ status: 'pass' }, true), 0);
    assert.equal(exitStatusOf({ status: 'warn' }, true), 1);
  });

  it('combines findings into the worst status, giving only the reasons that are not a pass', () => {
    const finding = combine([
      { status: 'pass', reason: 'a' },
      { status: 'warn', reason: 'b' },
      { status: 'fail', reason: 'c' },
    ]);
    assert.equal(finding.status, 'fail');
    assert.equal(finding.reason, 'b; c');
    assert.equal(combine([{ status: 'pass', reason: 'a' }]).reason, 'a');
  });

  it('turns a check that throws into a fail with its message, and times every check', async () => {
    const report = await buildHealthReport(
      depsOn(null, {
        cache: { ping: () => Promise.reject(new Error('boom')) },
      }),
      ['cache', 'database'],
    );
    assert.deepEqual(
      report.checks.map((check) => [check.name, check.status]),
      [
        ['cache', 'fail'],
        ['database', 'fail'],
      ],
    );
    assert.match(report.checks[0]?.reason ?? '', /boom/);
    assert.ok(report.checks.every((check) => check.durationMs >= 0));
    assert.equal(report.status, 'fail');
  });

  it('prints a Portuguese table with one line per check', async () => {
    const report = await buildHealthReport(depsOn(null), ['cache']);
    const text = formatHealthSummary(report, true);
    assert.match(text, /^Verificação\s+Estado\s+Tempo\s+Motivo\n/);
    assert.match(text, /cache\s+atenção\s+\d+ ms\s+não verificado/);
    assert.match(text, /Resultado: atenção/);
  });
});

describe('database check', () => {
  it('fails when the database does not open, saying why', async () => {
    const finding = await checkDatabase(
      depsOn(null, { databaseError: new Error('unable to open database file') }),
    );
    assert.equal(finding.status, 'fail');
    assert.match(finding.reason, /unable to open/);
  });

  it('fails with migrations pending and passes once migrated, with an integrity check', async () => {
    const fresh = await createTestDatabase('sqlite', { migrate: false });
    const migrated = await createTestDatabase('sqlite');
    try {
      const pending = await checkDatabase(depsOn(fresh));
      assert.equal(pending.status, 'fail');
      assert.match(pending.reason, /migrações pendentes/);
      const ok = await checkDatabase(depsOn(migrated));
      assert.equal(ok.status, 'pass', ok.reason);
      assert.equal(ok.details?.integrity, 'ok');
    } finally {
      await fresh.destroy();
      await migrated.destroy();
    }
  });
});

describe('cache check', () => {
  it('warns when there is no cache and fails when the round trip fails', async () => {
    assert.equal((await checkCache(depsOn(null))).status, 'warn');
    const failing = await checkCache(
      depsOn(null, { cache: { ping: () => Promise.reject(new Error('down')) } }),
    );
    assert.equal(failing.status, 'fail');
    const passing = await checkCache(depsOn(null, { cache: { ping: async () => 1.5 } }));
    assert.equal(passing.status, 'pass');
  });
});

describe('queue check', () => {
  it('warns without workers, names queues nobody serves, and wants a scheduler when embedded', () => {
    assert.equal(workersFindingFrom([], 'embedded').status, 'warn');
    const partial = workersFindingFrom(
      [beat('worker', ['heavy']), beat('scheduler', [])],
      'embedded',
    );
    assert.equal(partial.status, 'warn');
    assert.match(partial.reason, /statistics, email, bulk, default/);
    const all = ['heavy', 'statistics', 'email', 'bulk', 'default'] as const;
    const noScheduler = workersFindingFrom([beat('worker', all)], 'embedded');
    assert.equal(noScheduler.status, 'warn');
    assert.match(noScheduler.reason, /agendador/);
    assert.equal(workersFindingFrom([beat('worker', all)], 'bullmq').status, 'pass');
  });

  it('passes a fresh waiting job, warns after 5 minutes and fails after 30', () => {
    const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
    assert.equal(oldestWaitingFinding(null, NOW).status, 'pass');
    assert.equal(oldestWaitingFinding(ago(1), NOW).status, 'pass');
    assert.equal(oldestWaitingFinding(ago(6), NOW).status, 'warn');
    assert.equal(oldestWaitingFinding(ago(31), NOW).status, 'fail');
  });

  it('warns when jobs failed in the last hour', () => {
    assert.equal(failuresFinding(0, false).status, 'pass');
    assert.equal(failuresFinding(3, false).status, 'warn');
    assert.match(failuresFinding(500, true).reason, /500\+/);
  });

  it('fails when the backend does not answer', async () => {
    const dead = {
      counts: () => Promise.reject(new Error('connect ECONNREFUSED')),
    } as unknown as JobQueue;
    const finding = await checkQueue(depsOn(null, { queue: dead, queueKind: 'bullmq' }));
    assert.equal(finding.status, 'fail');
    assert.match(finding.reason, /ECONNREFUSED/);
  });

  it('reads live workers from heartbeats and the oldest waiting job from the queue', async () => {
    const testDb = await createTestDatabase('sqlite');
    const now = () => new Date();
    const worker = new HeartbeatReporter(testDb.database.db, {
      role: 'worker',
      queues: ['heavy', 'statistics', 'email', 'bulk', 'default'],
      logger,
      now,
    });
    const scheduler = new HeartbeatReporter(testDb.database.db, {
      role: 'scheduler',
      queues: [],
      logger,
      now,
    });
    try {
      const deps = depsOn(testDb, { now });
      assert.equal((await checkQueue(deps)).status, 'warn');

      await worker.start();
      await scheduler.start();
      assert.equal((await liveHeartbeats(testDb.database.db, now())).length, 2);
      await deps.queue?.enqueue('default', 'maintenance.cleanup', {});
      const finding = await checkQueue(deps);
      assert.equal(finding.status, 'pass', finding.reason);
      assert.equal(finding.details?.liveWorkers, 1);
      assert.equal((finding.details?.waiting as Record<string, number>).default, 1);

      await worker.stop();
      assert.equal((await liveHeartbeats(testDb.database.db, now())).length, 1);
    } finally {
      await scheduler.stop();
      await testDb.destroy();
    }
  });
});

describe('performance check', () => {
  const thresholds = { slowRequestMs: 1000, slowQueryMs: 200 };

  it('passes, saying so, when nothing was recorded yet, and warns on only old records', async () => {
    const testDb = await createTestDatabase('sqlite');
    try {
      const empty = await checkPerformance(depsOn(testDb));
      assert.equal(empty.status, 'pass');
      assert.equal(empty.reason, 'nenhum dado registrado ainda');

      const old = new Date(NOW.getTime() - 60 * 60_000).toISOString();
      await testDb.database.db
        .insertInto('monitorSnapshots')
        .values({ instance: 'h:1', takenAt: old, payload: JSON.stringify(snapshot({})) })
        .execute();
      assert.equal((await checkPerformance(depsOn(testDb))).status, 'warn');

      await testDb.database.db
        .insertInto('monitorSnapshots')
        .values({
          instance: 'h:2',
          takenAt: NOW.toISOString(),
          payload: JSON.stringify(snapshot({ p95: 1500, p99: 2000 })),
        })
        .execute();
      const recent = await checkPerformance(depsOn(testDb));
      assert.equal(recent.status, 'warn');
      assert.match(recent.reason, /p95 1500 ms/);
    } finally {
      await testDb.destroy();
    }
  });

  it('judges latency, errors and slow queries across instances', () => {
    assert.equal(performanceFinding([snapshot({})], thresholds).status, 'pass');
    assert.equal(
      performanceFinding([snapshot({}), snapshot({ p95: 3500 })], thresholds).status,
      'fail',
    );
    assert.equal(performanceFinding([snapshot({ errors: 10 })], thresholds).status, 'warn');
    assert.equal(performanceFinding([snapshot({ errors: 30 })], thresholds).status, 'fail');
    const slowQuery = { shape: 'select ?', origin: 'GET /x', count: 1, maxMs: 1200, lastAt: '' };
    const withSlow = performanceFinding([snapshot({}, { slowQueries: [slowQuery] })], thresholds);
    assert.equal(withSlow.status, 'warn');
    assert.match(withSlow.reason, /1200 ms/);
    const idle = performanceFinding([snapshot({ count: 0, p95: null, p99: null })], thresholds);
    assert.equal(idle.status, 'pass');
  });
});

describe('security check', () => {
  it('passes a production configuration with a strong secret, https and trusted proxies', () => {
    const findings = settingsFindings(config(PRODUCTION));
    assert.deepEqual(
      findings.filter((f) => f.status !== 'pass'),
      [],
    );
  });

  it('fails proxies that trust anyone, and only warns about development settings', async () => {
    const anyone = settingsFindings(config({ ...PRODUCTION, OMAUM_TRUST_PROXY: '0.0.0.0/0' }));
    assert.equal(anyone.find((f) => f.status === 'fail')?.reason.includes('qualquer'), true);

    const testDb = await createTestDatabase('sqlite');
    try {
      const development = await checkSecurity(depsOn(testDb));
      assert.equal(development.status, 'warn');
      assert.match(development.reason, /https/);
    } finally {
      await testDb.destroy();
    }
  });

  it('fails when an administrator signs in with a default password', async () => {
    const testDb = await createTestDatabase('sqlite');
    try {
      const at = NOW.toISOString();
      await testDb.database.db
        .insertInto('users')
        .values({
          email: 'admin@omaum.test',
          name: 'Admin',
          role: 'admin',
          passwordHash: await hashPassword('admin12345'),
          studentId: null,
          isActive: true,
          mustChangePassword: false,
          failedSignIns: 0,
          createdAt: at,
          updatedAt: at,
        })
        .execute();
      const finding = await checkSecurity(depsOn(testDb, { config: config(PRODUCTION) }));
      assert.equal(finding.status, 'fail');
      assert.match(finding.reason, /senha padrão: admin@omaum.test/);
    } finally {
      await testDb.destroy();
    }
  });
});

describe('system check', () => {
  it('warns, then fails, as memory, disk and the last backup run short', () => {
    assert.equal(memoryFinding(4e9, 8e9).status, 'pass');
    assert.equal(memoryFinding(0.5e9, 8e9).status, 'warn');
    assert.equal(memoryFinding(0.1e9, 8e9).status, 'fail');
    assert.equal(diskFindingFrom(50e9, 100e9).status, 'pass');
    assert.equal(diskFindingFrom(1e9, 100e9).status, 'warn');
    assert.equal(diskFindingFrom(100e6, 100e9).status, 'fail');

    const hoursAgo = (h: number) => ({
      file: 'omaum.sqlite',
      createdAt: new Date(NOW.getTime() - h * 3_600_000).toISOString(),
    });
    assert.equal(backupFindingFrom(null, NOW).status, 'warn');
    assert.equal(backupFindingFrom(hoursAgo(5), NOW).status, 'pass');
    assert.equal(backupFindingFrom(hoursAgo(30), NOW).status, 'warn');
    assert.equal(backupFindingFrom(hoursAgo(24 * 8), NOW).status, 'fail');
  });
});
