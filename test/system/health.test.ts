import assert from 'node:assert/strict';
import { it } from 'node:test';

import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createBullmqBackend } from '../../src/platform/jobs/bullmq/bullmq-backend.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { freePort, withTimeout } from '../cli/cli-harness.ts';
import { createTestApp } from '../support/app.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';

describeEachDatabase('health endpoints', (dialect) => {
  it('answers /livez and /readyz without credentials while the database is reachable', async () => {
    const t = await createTestApp(dialect);
    try {
      const live = await t.app.inject({ url: '/livez' });
      const ready = await t.app.inject({ url: '/readyz' });
      assert.equal(live.statusCode, 200);
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json<{ status: string }>().status, 'ready');
      assert.ok(ready.headers['x-request-id'], 'every response carries a request id');
    } finally {
      await t.close();
    }
  });

  it('answers /readyz with 503 once the database is unreachable, and /livez still 200', async () => {
    const t = await createTestApp(dialect);
    try {
      await t.testDb.database.db.destroy();
      const ready = await t.app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      const body = ready.json<{ code: string; message: string }>();
      assert.equal(body.code, 'OMAUM_UNAVAILABLE');
      assert.match(body.message, /database unreachable/);
      assert.equal((await t.app.inject({ url: '/livez' })).statusCode, 200);
    } finally {
      await t.app.close();
      await t.testDb.destroy();
    }
  });

  it('answers /readyz with 503 while migrations are pending', async () => {
    const testDb = await createTestDatabase(dialect, { migrate: false });
    const config = loadConfig({ OMAUM_DATA_DIR: '/tmp/omaum-test-data' }, { useDotenv: false });
    const app = await buildApp({
      config,
      database: testDb.database,
      logger: createLogger({ level: 'silent' }),
      sessionSecret: 'test-session-secret-that-is-long-enough',
    });
    try {
      const ready = await app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.match(ready.json<{ message: string }>().message, /migrations are pending/);
    } finally {
      await app.close();
      await testDb.destroy();
    }
  });

  it('answers /readyz with 503 while the job queue backend is unreachable', async () => {
    // Nobody listens on this port: the BullMQ backend cannot reach its Redis.
    const redisUrl = `redis://127.0.0.1:${await freePort()}`;
    const backend = createBullmqBackend({ redisUrl, logger: createLogger({ level: 'silent' }) });
    const t = await createTestApp(dialect, { jobs: () => backend.queue });
    try {
      const ready = await t.app.inject({ url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.match(ready.json<{ message: string }>().message, /job queue unreachable/);
    } finally {
      await t.close();
      await withTimeout(backend.close(), 5000, 'closing the backend').catch(() => undefined);
    }
  });

  it('gives administrators, and only them, the full health report as JSON', async () => {
    const t = await createTestApp(dialect);
    try {
      const admin = await t.tokenFor('admin');
      const response = await t.app.inject({ url: '/api/v1/system/health', headers: t.auth(admin) });
      assert.equal(response.statusCode, 200);
      const report = response.json<{
        status: string;
        checks: { name: string; status: string }[];
      }>();
      assert.deepEqual(
        report.checks.map((check) => check.name),
        ['database', 'cache', 'queue', 'performance', 'security', 'system'],
      );
      assert.equal(report.checks[0]?.status, 'pass');
      // No job queue in this app: the queue check says so.
      assert.equal(report.checks[2]?.status, 'fail');

      const secretary = await t.tokenFor('secretary');
      const refused = await t.app.inject({
        url: '/api/v1/system/health',
        headers: t.auth(secretary),
      });
      assert.equal(refused.statusCode, 403);
      assert.equal((await t.app.inject({ url: '/api/v1/system/health' })).statusCode, 401);
    } finally {
      await t.close();
    }
  });
});
