import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';

import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobRecord } from '../../src/platform/jobs/job-queue.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { signedIn } from './students.support.ts';
import { FAST_EMBEDDED, silentLogger } from '../support/quiet-jobs.ts';

describeEachDatabase('the background jobs page', (dialect) => {
  let t: TestApp;
  let backend: JobBackend | null = null;

  afterEach(async () => {
    await backend?.close();
    backend = null;
    await t.close();
  });

  async function withQueue(): Promise<JobBackend> {
    let created: JobBackend | null = null;
    t = await createTestApp(dialect, {
      jobs: (database) => {
        created = createEmbeddedBackend(database, FAST_EMBEDDED);
        return created.queue;
      },
    });
    assert.ok(created);
    backend = created;
    return created;
  }

  /** A job no worker knows, run until it fails. */
  async function failedJob(jobs: JobBackend): Promise<JobRecord> {
    const job = await jobs.queue.enqueue('default', 'nobody.knows', {}, { attempts: 1 });
    const worker = jobs.createWorker({ queues: ['default'], handlers: {}, logger: silentLogger });
    await worker.start();
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const current = await jobs.queue.get(job.id);
        if (current?.state === 'failed') return current;
        assert.ok(Date.now() < deadline, `job still ${current?.state ?? 'missing'}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await worker.stop();
    }
  }

  it('is refused to a secretary', async () => {
    await withQueue();
    const secretary = await signedIn(t, 'secretary');
    const response = await secretary.get('/tarefas');
    assert.equal(response.statusCode, 403);
    const home = await secretary.get('/');
    assert.doesNotMatch(home.body, /href="\/tarefas"/);
  });

  it('shows counts, filters and a failed job that can be repeated', async () => {
    const jobs = await withQueue();
    const failed = await failedJob(jobs);
    await jobs.queue.enqueue('statistics', 'statistics.rebuild', {});
    const admin = await signedIn(t, 'admin');

    const page = await admin.get('/tarefas');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /href="\/tarefas" aria-current="page"/);
    assert.match(page.body, /<dt>Falhou<\/dt><dd>1<\/dd>/);
    assert.match(page.body, /<dt>Aguardando<\/dt><dd>1<\/dd>/);
    assert.match(page.body, /nobody\.knows/);
    assert.ok(failed.failedReason);
    assert.ok(page.body.includes(failed.failedReason.replace(/"/g, '&quot;').slice(0, 20)));
    assert.match(page.body, />Repetir<\/button>/);

    const filtered = await admin.get('/tarefas?fila=statistics&estado=waiting');
    assert.match(filtered.body, /<option value="statistics" selected>/);
    assert.match(filtered.body, /Últimas tarefas: 1 de 1/);

    const retried = await admin.post(`/tarefas/${encodeURIComponent(failed.id)}/repetir`, {});
    assert.equal(retried.statusCode, 303);
    assert.equal(retried.headers.location, '/tarefas');
    assert.equal((await jobs.queue.get(failed.id))?.state, 'waiting');
    const after = await admin.get('/tarefas');
    assert.match(after.body, /voltou para a fila/);
    assert.match(after.body, /Nenhuma tarefa falhou/);
  });

  it('says so when the process has no queue', async () => {
    t = await createTestApp(dialect);
    const admin = await signedIn(t, 'admin');
    const page = await admin.get('/tarefas');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /A fila de tarefas não está disponível/);
  });
});
