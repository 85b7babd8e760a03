import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';

import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend } from '../../src/platform/jobs/job-queue.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

interface Job {
  id: string;
  name: string;
  state: string;
}

describeEachDatabase('the jobs API', (dialect) => {
  let t: TestApp;
  let backend: JobBackend | null = null;

  afterEach(async () => {
    await backend?.close();
    backend = null;
    await t.close();
  });

  async function withQueue(): Promise<TestApp> {
    t = await createTestApp(dialect, {
      jobs: (database) => {
        backend = createEmbeddedBackend(database);
        return backend.queue;
      },
    });
    return t;
  }

  it('lets an administrator list and read jobs, and refuses others', async () => {
    await withQueue();
    const admin = await t.tokenFor('admin');
    const secretary = await t.tokenFor('secretary');
    const queued = await t.app.services.jobs?.enqueue('statistics', 'statistics.rebuild', {});
    assert.ok(queued);

    const list = await t.app.inject({ url: '/api/v1/jobs', headers: t.auth(admin) });
    assert.equal(list.statusCode, 200);
    const body = list.json<{ items: Job[]; total: number }>();
    assert.equal(body.total, 1);
    assert.equal(body.items[0]?.name, 'statistics.rebuild');

    const one = await t.app.inject({ url: `/api/v1/jobs/${queued.id}`, headers: t.auth(admin) });
    assert.equal(one.json<Job>().state, 'waiting');

    const refused = await t.app.inject({ url: '/api/v1/jobs', headers: t.auth(secretary) });
    assert.equal(refused.statusCode, 403);
  });

  it('retries only failed jobs and answers 404 for unknown ones', async () => {
    await withQueue();
    const admin = await t.tokenFor('admin');
    const queued = await t.app.services.jobs?.enqueue('default', 'maintenance.cleanup', {});
    assert.ok(queued);

    const notFailed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${queued.id}/retry`,
      headers: t.auth(admin),
    });
    assert.equal(notFailed.statusCode, 409);
    assert.equal(notFailed.json<{ code: string }>().code, 'OMAUM_JOB_NOT_RETRYABLE');

    const unknown = await t.app.inject({ url: '/api/v1/jobs/nope', headers: t.auth(admin) });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json<{ code: string }>().code, 'OMAUM_JOB_NOT_FOUND');
  });

  it('answers 503 where the process has no queue', async () => {
    t = await createTestApp(dialect);
    const admin = await t.tokenFor('admin');
    const response = await t.app.inject({ url: '/api/v1/jobs', headers: t.auth(admin) });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json<{ code: string }>().code, 'OMAUM_JOB_QUEUE_UNAVAILABLE');
  });
});
