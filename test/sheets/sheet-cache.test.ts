import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { importHandlers } from '../../src/attendance/import/import.jobs.ts';
import type { ImportStatus } from '../../src/attendance/import/import.service.ts';
import { rebuildCounters } from '../../src/attendance/counters.ts';
import type { Cache } from '../../src/platform/cache/cache.ts';
import { readVersions } from '../../src/platform/cache/cache-versions.ts';
import { createCache } from '../../src/platform/cache/create-cache.ts';
import type { Database, Dialect } from '../../src/platform/db/database.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobWorker } from '../../src/platform/jobs/job-queue.ts';
import { Metrics } from '../../src/platform/metrics/metrics.ts';
import { cohortNamespace, invalidateCohortSheets } from '../../src/sheets/sheet-cache.ts';
import { fixedClock } from '../attendance/harness.ts';
import { randomPrefix, redisSkipReason, redisUrl, removePrefix } from '../jobs/bullmq-redis.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { DIALECTS, skipReason } from '../support/databases.ts';
import { insertEnrollment, insertStudent } from '../support/fixtures.ts';
import { FAST_EMBEDDED } from '../support/quiet-jobs.ts';
import type { Scene, Views } from './cache-scene.ts';
import {
  Api,
  createScene,
  silentLogger,
  viewsThroughApi,
  viewsWithoutCache,
} from './cache-scene.ts';

type CacheKind = 'memory' | 'redis';

const CACHE_KINDS: readonly { kind: CacheKind; skip: string | null }[] = [
  { kind: 'memory', skip: null },
  { kind: 'redis', skip: redisSkipReason },
];

function makeCache(kind: CacheKind, database: Database, metrics: Metrics, prefix: string): Cache {
  return createCache({
    config: {
      redisUrl: kind === 'redis' ? redisUrl : null,
      cache: { ttlSeconds: 600, maxEntries: 2000 },
    },
    db: database.db,
    logger: silentLogger,
    metrics,
    prefix,
  });
}

async function hits(metrics: Metrics): Promise<number> {
  const { values } = await metrics.cacheHits.get();
  return values.reduce((total, entry) => total + entry.value, 0);
}

for (const dialect of DIALECTS) {
  for (const { kind, skip } of CACHE_KINDS) {
    const reason = skipReason(dialect) ?? skip;
    const title = `Sheets never show stale numbers after a write [${dialect}, ${kind} cache]`;
    describe(title, reason ? { skip: reason } : {}, () => {
      staleness(dialect, kind);
    });
  }
}

/**
 * For each kind of write: read (filling the cache), read again (a hit),
 * write through the API, read again; the answer must equal what a service
 * with no cache computes, and must differ from the first (so the write did
 * show, and a missed invalidation would have been caught).
 */
function staleness(dialect: Dialect, kind: CacheKind): void {
  const prefix = randomPrefix();
  const metrics = new Metrics({ collectProcessMetrics: false });
  let t: TestApp;
  let backend: JobBackend | undefined;
  let worker: JobWorker;
  let api: Api;

  before(async () => {
    t = await createTestApp(dialect, {
      clock: fixedClock,
      cache: (database) => makeCache(kind, database, metrics, prefix),
      jobs: (database) => {
        backend = createEmbeddedBackend(database, FAST_EMBEDDED);
        return backend.queue;
      },
    });
    assert.ok(backend);
    worker = backend.createWorker({
      queues: ['bulk'],
      handlers: importHandlers({ services: t.app.services, db: t.testDb.database.db }),
      logger: silentLogger,
    });
    await worker.start();
    api = new Api(t.app, await t.tokenFor('secretary'));
  });

  after(async () => {
    await worker.stop();
    await backend?.close();
    await t.close();
    if (kind === 'redis') assert.equal(await removePrefix(prefix), 0);
  });

  async function proveFresh(scene: Scene, write: () => Promise<unknown>): Promise<void> {
    const before = await viewsThroughApi(api, scene);
    const hitsBefore = await hits(metrics);
    assert.deepEqual(await viewsThroughApi(api, scene), before);
    assert.equal(await hits(metrics), hitsBefore + 3, 'the second read came from the cache');

    await write();

    const after: Views = await viewsThroughApi(api, scene);
    assert.deepEqual(after, await viewsWithoutCache(t.testDb.database.db, scene));
    assert.notDeepEqual(after, before, 'the write should show on the sheets');
  }

  async function scene(): Promise<Scene> {
    return createScene(t.testDb.database.db, api);
  }

  it('after marks saved for one session', async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('PUT', `/sessions/${s.unmarked}/marks`, {
        marks: [{ studentId: s.students[0].id, status: 'J', justification: 'Viagem' }],
      }),
    );
  });

  it('after a month saved at once', async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('PUT', `/cohorts/${s.cohortId}/attendance/2026-03`, {
        sessions: [
          {
            activityId: s.lessons,
            date: '2026-03-16',
            marks: [{ studentId: s.students[0].id, status: 'F' }],
          },
        ],
      }),
    );
  });

  it('after an import of marks', async () => {
    const s = await scene();
    const content = [
      'data;atividade;aluno;registro;convocado;justificativa',
      `16/03/2026;Aulas;${s.students[0].initiaticNumber};P;;`,
      `16/03/2026;Aulas;${s.students[1].initiaticNumber};P;;`,
    ].join('\n');
    await proveFresh(s, async () => {
      const { jobId } = await api.ok<{ jobId: string }>(
        'POST',
        `/cohorts/${s.cohortId}/attendance/import`,
        { format: 'csv', content },
      );
      await waitForImport(jobId);
    });
  });

  it('after a session is created', async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('POST', `/activities/${s.lessons}/sessions`, { date: '2026-03-16' }),
    );
  });

  it('after sessions are created in bulk', async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('POST', `/activities/${s.fullMoons}/sessions/bulk`, {
        sessions: [{ date: '2026-03-03' }, { date: '2026-03-17' }],
      }),
    );
  });

  it('after a session is changed', async () => {
    const s = await scene();
    await proveFresh(s, () => api.ok('PATCH', `/sessions/${s.unmarked}`, { extra: true }));
  });

  it('after a session is deleted', async () => {
    const s = await scene();
    await proveFresh(s, async () => {
      const response = await api.send('DELETE', `/sessions/${s.unmarked}`);
      assert.equal(response.statusCode, 204, response.body);
    });
  });

  it('after a student is enrolled', async () => {
    const s = await scene();
    const newcomer = await insertStudent(t.testDb.database.db, { fullName: 'Caio Cache' });
    await proveFresh(s, () =>
      api.ok('POST', `/cohorts/${s.cohortId}/enrollments`, {
        studentId: newcomer.id,
        enrolledOn: '2026-02-01',
      }),
    );
  });

  it('after students are enrolled in bulk', async () => {
    const s = await scene();
    const { db } = t.testDb.database;
    const ids = [(await insertStudent(db)).id, (await insertStudent(db)).id];
    await proveFresh(s, () =>
      api.ok('POST', `/cohorts/${s.cohortId}/enrollments/bulk`, {
        studentIds: ids,
        enrolledOn: '2026-03-01',
      }),
    );
  });

  it('after an enrollment is changed', async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('PATCH', `/enrollments/${s.students[1].enrollmentId}`, {
        status: 'cancelled',
        endedOn: '2026-01-15',
      }),
    );
  });

  it('after an activity is created', async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('POST', `/cohorts/${s.cohortId}/activities`, {
        name: 'Palestras',
        kind: 'lecture',
        mode: 'mandatory',
      }),
    );
  });

  it('after an activity is renamed', async () => {
    const s = await scene();
    await proveFresh(s, () => api.ok('PATCH', `/activities/${s.fullMoons}`, { name: 'Luas' }));
  });

  it("after an activity's mode changes", async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('PATCH', `/activities/${s.cleaning}`, { mode: 'convocation' }),
    );
  });

  it("after an activity's position changes", async () => {
    const s = await scene();
    await proveFresh(s, () => api.ok('PATCH', `/activities/${s.cleaning}`, { position: 1 }));
  });

  it('after an activity is archived', async () => {
    const s = await scene();
    await proveFresh(s, () => api.ok('POST', `/activities/${s.cleaning}/archive`));
  });

  it("after a cohort's name, thresholds and dates change", async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('PATCH', `/cohorts/${s.cohortId}`, {
        name: `Turma renomeada ${s.cohortId}`,
        minAttendancePct: 95,
        maxShortfallsToClear: 0,
        endDate: '2026-12-15',
      }),
    );
  });

  it("after a student's name and situation change", async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('PATCH', `/students/${s.students[0].id}`, {
        fullName: 'Ana Renomeada',
        situation: 'on_leave',
      }),
    );
  });

  it("after a course's name changes", async () => {
    const s = await scene();
    await proveFresh(s, () =>
      api.ok('PATCH', `/courses/${s.courseId}`, { name: `Curso renomeado ${s.courseId}` }),
    );
  });

  it('after the counters are rebuilt (omaum stats rebuild, statistics.rebuild)', async () => {
    const s = await scene();
    const { db } = t.testDb.database;
    // Counters that drifted from the marks, and were shown (and so cached) that way.
    await db
      .updateTable('attendanceCounters')
      .set({ present: 0, absent: 0 })
      .where('cohortId', '=', s.cohortId)
      .execute();
    await invalidateCohortSheets(db, [s.cohortId]);
    await proveFresh(s, () =>
      rebuildCounters(db, { cohortId: s.cohortId }, fixedClock.now().toISOString()),
    );
  });

  async function waitForImport(jobId: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const view = await api.ok<ImportStatus>('GET', `/attendance-imports/${jobId}`);
      if (view.state === 'completed') {
        assert.equal(view.report?.rejected, 0, JSON.stringify(view.report));
        return;
      }
      assert.notEqual(view.state, 'failed', `import failed: ${view.failedReason ?? ''}`);
      assert.ok(Date.now() < deadline, `import still ${view.state}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

for (const dialect of DIALECTS) {
  const reason = skipReason(dialect);
  describe(
    `A write that fails leaves the cached sheets in place [${dialect}]`,
    reason ? { skip: reason } : {},
    () => {
      const metrics = new Metrics({ collectProcessMetrics: false });
      let t: TestApp;
      let api: Api;

      before(async () => {
        t = await createTestApp(dialect, {
          clock: fixedClock,
          cache: (database) => makeCache('memory', database, metrics, 'unused'),
        });
        api = new Api(t.app, await t.tokenFor('secretary'));
      });

      after(async () => {
        await t.close();
      });

      async function proveUntouched(
        scene: Scene,
        write: () => Promise<number>,
        statusCode: number,
      ): Promise<void> {
        const { db } = t.testDb.database;
        const before = await viewsThroughApi(api, scene);
        const versions = await readVersions(db, [cohortNamespace(scene.cohortId)]);
        assert.equal(await write(), statusCode);
        assert.deepEqual(await readVersions(db, [cohortNamespace(scene.cohortId)]), versions);
        const hitsBefore = await hits(metrics);
        assert.deepEqual(await viewsThroughApi(api, scene), before);
        assert.equal(await hits(metrics), hitsBefore + 3, 'still answered from the cache');
      }

      it('a month save refused by the rules (422) does not move the version', async () => {
        const s = await createScene(t.testDb.database.db, api);
        // It creates a session before the rules refuse a mark; the rollback takes both back.
        await proveUntouched(
          s,
          async () => {
            const response = await api.send('PUT', `/cohorts/${s.cohortId}/attendance/2026-03`, {
              sessions: [
                {
                  activityId: s.lessons,
                  date: '2026-03-16',
                  marks: [{ studentId: s.students[0].id, status: 'V1' }],
                },
              ],
            });
            return response.statusCode;
          },
          422,
        );
      });

      it('marks with a stale version (409) do not move the version', async () => {
        const s = await createScene(t.testDb.database.db, api);
        await proveUntouched(
          s,
          async () => {
            const response = await api.send('PUT', `/sessions/${s.marked}/marks`, {
              marks: [{ studentId: s.students[0].id, status: 'F', version: 99 }],
            });
            return response.statusCode;
          },
          409,
        );
      });

      it('an enrollment refused as a duplicate (409) does not move the version', async () => {
        const s = await createScene(t.testDb.database.db, api);
        const late = await insertStudent(t.testDb.database.db);
        await insertEnrollment(t.testDb.database.db, late.id, s.cohortId, '2026-04-01');
        await proveUntouched(
          s,
          async () => {
            const response = await api.send('POST', `/cohorts/${s.cohortId}/enrollments/bulk`, {
              studentIds: [(await insertStudent(t.testDb.database.db)).id, late.id],
              enrolledOn: '2026-03-01',
            });
            return response.statusCode;
          },
          409,
        );
      });
    },
  );
}
