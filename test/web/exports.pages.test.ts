import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend } from '../../src/platform/jobs/job-queue.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort } from '../support/fixtures.ts';
import type { PageClient } from './students.support.ts';
import { signedIn } from './students.support.ts';

describeEachDatabase('the exports pages', (dialect) => {
  let t: TestApp;
  let backend: JobBackend | null = null;
  let cohortId: number;

  beforeEach(async () => {
    t = await createTestApp(dialect, {
      jobs: (database) => {
        backend = createEmbeddedBackend(database);
        return backend.queue;
      },
    });
    cohortId = (await insertCohort(t.testDb.database.db, { name: 'Turma Exportada' })).id;
  });

  afterEach(async () => {
    await backend?.close();
    backend = null;
    await t.close();
  });

  async function requestSheet(client: PageClient, format: string): Promise<string> {
    const response = await client.post('/exportacoes', {
      kind: 'sheet',
      format,
      cohortId: String(cohortId),
      from: '2026-03',
      to: '2026-03',
    });
    assert.equal(response.statusCode, 303, response.body.slice(0, 300));
    const location = String(response.headers.location);
    assert.match(location, /^\/exportacoes\/\d+$/);
    return location;
  }

  it('creates an export from the form and shows its progress', async () => {
    const secretary = await signedIn(t, 'secretary');
    const location = await requestSheet(secretary, 'xlsx');

    const page = await secretary.get(location);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Exportação nº \d+/);
    assert.match(page.body, /<progress id="export-progress-show" max="100" value="0"/);
    assert.match(page.body, /Na fila/);
    assert.match(page.body, /Atualizar<\/a>/);
    assert.match(page.body, /\/static\/js\/export-progress\.js/);
  });

  it('lists the exports of the signed-in user only', async () => {
    const mine = await signedIn(t, 'secretary');
    const other = await signedIn(t, 'secretary');
    const location = await requestSheet(mine, 'pdf');
    await requestSheet(other, 'csv');

    const list = await mine.get('/exportacoes');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Relatório de frequência/);
    assert.match(list.body, />PDF</);
    assert.doesNotMatch(list.body, />CSV</);
    assert.equal((list.body.match(/href="\/exportacoes\/\d+"/g) ?? []).length, 1);

    const foreign = await other.get(location);
    assert.equal(foreign.statusCode, 404);
  });

  it('refuses a malformed request with a page in Portuguese', async () => {
    const secretary = await signedIn(t, 'secretary');
    const response = await secretary.post('/exportacoes', {
      kind: 'everything',
      format: 'xlsx',
      cohortId: String(cohortId),
      from: '2026-03',
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Pedido de exportação inválido/);
  });

  it('offers the export buttons on the sheet page', async () => {
    const secretary = await signedIn(t, 'secretary');
    const page = await secretary.get(`/turmas/${cohortId}/relatorio?de=2026-03&ate=2026-03`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h2 id="export-title-sheet"[^>]*>Exportar<\/h2>/);
    for (const format of ['xlsx', 'pdf', 'csv']) {
      assert.match(page.body, new RegExp(`name="format" value="${format}"`));
    }
    assert.match(page.body, /aria-live="polite"/);
  });
});
