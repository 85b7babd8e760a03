import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { importHandlers } from '../../src/attendance/import/import.jobs.ts';
import type { Db } from '../../src/platform/db/database.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobWorker } from '../../src/platform/jobs/job-queue.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';
import { textOf } from './cohorts.support.ts';
import type { PageClient } from './students.support.ts';
import { fieldBlock, fieldError, signedIn } from './students.support.ts';
import { FAST_EMBEDDED, silentLogger } from '../support/quiet-jobs.ts';

type FormFields = Record<string, string>;

const HTMX = { 'hx-request': 'true' };

let serial = 0;

describeEachDatabase('the attendance import page', (dialect) => {
  let t: TestApp;
  let db: Db;
  let backend: JobBackend | null;
  let worker: JobWorker | null;
  let secretary: PageClient;
  let cohortId: number;
  let numbers: [string, string];

  beforeEach(async () => {
    backend = null;
    worker = null;
    t = await createTestApp(dialect, {
      jobs: (database) => {
        backend = createEmbeddedBackend(database, FAST_EMBEDDED);
        return backend.queue;
      },
    });
    db = t.testDb.database.db;
    cohortId = (await insertCohort(db, { name: 'Turma Importada' })).id;
    serial += 1;
    numbers = [`IMPP-${serial}-A`, `IMPP-${serial}-B`];
    for (const [index, initiaticNumber] of numbers.entries()) {
      const fullName = index === 0 ? 'Ana Souza' : 'Bia Lima';
      const student = await insertStudent(db, { fullName, initiaticNumber });
      await insertEnrollment(db, student.id, cohortId);
    }
    secretary = await signedIn(t, 'secretary');
  });

  afterEach(async () => {
    await worker?.stop();
    await backend?.close();
    await t.close();
  });

  async function startWorker(): Promise<void> {
    assert.ok(backend);
    worker = backend.createWorker({
      queues: ['bulk'],
      handlers: importHandlers({ services: t.app.services, db }),
      logger: silentLogger,
    });
    await worker.start();
  }

  /** Two good rows and one naming an activity the cohort does not have. */
  function csvWithOneBadRow(): string {
    const [ana, bia] = numbers;
    return [
      'data;atividade;aluno;registro;convocado;justificativa',
      `02/03/2026;Aulas;${ana};P;;`,
      `02/03/2026;Astronomia;${bia};P;;`,
      `02/03/2026;Aulas;${bia};F;;`,
    ].join('\n');
  }

  async function startImport(fields: FormFields): Promise<string> {
    const response = await secretary.post(`/turmas/${cohortId}/importar-frequencia`, fields);
    assert.equal(response.statusCode, 303, response.body.slice(0, 500));
    const location = String(response.headers.location);
    assert.match(location, new RegExp(`^/turmas/${cohortId}/importar-frequencia/[^/]+$`));
    return location;
  }

  async function waitForFinish(location: string): Promise<void> {
    assert.ok(backend);
    const jobId = decodeURIComponent(location.split('/').pop() ?? '');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const job = await backend.queue.get(jobId);
      if (job?.state === 'completed' || job?.state === 'failed') return;
      assert.ok(Date.now() < deadline, `import still ${job?.state ?? 'missing'}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function markCount(): Promise<number> {
    const rows = await db
      .selectFrom('marks')
      .select('id')
      .where('cohortId', '=', cohortId)
      .execute();
    return rows.length;
  }

  it('is linked from the cohort page and explains the columns with an example', async () => {
    const cohortPage = await secretary.get(`/turmas/${cohortId}`);
    assert.match(cohortPage.body, new RegExp(`href="/turmas/${cohortId}/importar-frequencia"`));

    const page = await secretary.get(`/turmas/${cohortId}/importar-frequencia`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>Importar frequência<\/h1>/);
    for (const column of ['data', 'atividade', 'aluno', 'registro', 'convocado', 'justificativa']) {
      assert.match(page.body, new RegExp(`<th scope="row"><code>${column}</code></th>`));
    }
    assert.match(page.body, /data;atividade;aluno;registro;convocado;justificativa\n02\/03\/2026/);
    assert.match(page.body, /type="file"/);
    assert.match(page.body, /name="partial" value="false" checked/);
    assert.match(page.body, /Importar as linhas válidas/);
    assert.match(page.body, /\/static\/js\/attendance-import\.js/);
    assert.doesNotMatch(page.body, /style=|<script>/);
  });

  it('shows the errors beside the fields and keeps what was typed', async () => {
    const empty = await secretary.post(`/turmas/${cohortId}/importar-frequencia`, {
      format: 'xml',
      content: '',
      partial: 'true',
    });
    assert.equal(empty.statusCode, 400);
    assert.equal(fieldError(empty.body, 'format'), 'Escolha CSV ou JSON.');
    assert.match(fieldError(empty.body, 'content') ?? '', /Escolha um arquivo ou cole/);
    assert.match(empty.body, /name="partial" value="true" checked/);

    const content = csvWithOneBadRow();
    const badFormat = await secretary.post(`/turmas/${cohortId}/importar-frequencia`, {
      format: 'xml',
      content,
      partial: 'false',
    });
    assert.equal(badFormat.statusCode, 400);
    assert.ok(fieldBlock(badFormat.body, 'content').includes(`>${content}</textarea>`));
    assert.equal(fieldError(badFormat.body, 'content'), null);
    assert.equal((await backend?.queue.list({ name: 'attendance.import' }))?.total, 0);
  });

  it('imports all or nothing: nothing saved, the rejected row listed with its reason', async () => {
    await startWorker();
    const location = await startImport({
      format: 'csv',
      content: csvWithOneBadRow(),
      partial: 'false',
    });
    await waitForFinish(location);

    const page = await secretary.get(location);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Concluída \(100%\)/);
    assert.match(page.body, /Nada foi importado: 1 linha de 3 foi rejeitada/);
    assert.match(page.body, /<caption>Linhas rejeitadas e por quê<\/caption>/);
    const rejected = textOf(page.body.split('<tbody>').pop()?.split('</tbody>')[0] ?? '');
    assert.match(rejected, /^2 .*atividade/i);
    assert.doesNotMatch(page.body, /hx-trigger/);
    assert.equal(await markCount(), 0);
  });

  it('imports the valid rows when asked to', async () => {
    await startWorker();
    const location = await startImport({
      format: 'csv',
      content: csvWithOneBadRow(),
      partial: 'true',
    });
    await waitForFinish(location);

    const page = await secretary.get(location);
    assert.match(page.body, /2 linhas foram importadas; 1 linha de 3 foi rejeitada/);
    assert.match(textOf(page.body), /Importadas 2 Rejeitadas 1/);
    assert.equal(await markCount(), 2);
  });

  it('imports JSON and reports a file that cannot be read', async () => {
    await startWorker();
    const [ana] = numbers;
    const good = JSON.stringify([
      { date: '2026-03-02', activity: 'Aulas', initiaticNumber: ana, status: 'P' },
    ]);
    const location = await startImport({ format: 'json', content: good, partial: 'false' });
    await waitForFinish(location);
    assert.match((await secretary.get(location)).body, /A linha do arquivo foi importada\./);
    assert.equal(await markCount(), 1);

    const broken = await startImport({ format: 'json', content: '{"oops"', partial: 'false' });
    await waitForFinish(broken);
    const page = await secretary.get(broken);
    assert.match(page.body, /Falhou/);
    assert.match(page.body, /A importação falhou: O conteúdo JSON não pôde ser lido/);
  });

  it('shows progress while queued and answers htmx with the fragment alone', async () => {
    const location = await startImport({
      format: 'csv',
      content: csvWithOneBadRow(),
      partial: 'false',
    });
    const page = await secretary.get(location);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Na fila \(0%\)/);
    assert.match(page.body, /<progress id="importacao-progresso" max="100" value="0">/);
    assert.match(page.body, new RegExp(`hx-get="${location}" hx-trigger="every 1s"`));
    assert.match(page.body, />Atualizar</);

    const fragment = await secretary.get(location, HTMX);
    assert.equal(fragment.statusCode, 200);
    assert.match(fragment.body, /^<div id="importacao-situacao"/);
    assert.doesNotMatch(fragment.body, /<html/);

    await startWorker();
    await waitForFinish(location);
    const done = await secretary.get(location, HTMX);
    assert.doesNotMatch(done.body, /hx-trigger/);
    assert.match(done.body, /Linhas rejeitadas/);
  });

  it("does not show someone else's import, nor one through another cohort", async () => {
    const location = await startImport({ format: 'csv', content: csvWithOneBadRow() });
    const other = await signedIn(t, 'secretary');
    const foreign = await other.get(location);
    assert.equal(foreign.statusCode, 404);
    assert.match(foreign.body, /Tarefa não encontrada/);

    const otherCohort = (await insertCohort(db)).id;
    const moved = location.replace(`/turmas/${cohortId}/`, `/turmas/${otherCohort}/`);
    assert.equal((await secretary.get(moved)).statusCode, 404);
  });

  it('is refused to viewers; instructors reach only the cohorts they teach', async () => {
    const viewer = await signedIn(t, 'viewer');
    assert.equal((await viewer.get(`/turmas/${cohortId}/importar-frequencia`)).statusCode, 403);
    const posted = await viewer.post(`/turmas/${cohortId}/importar-frequencia`, {
      format: 'csv',
      content: csvWithOneBadRow(),
    });
    assert.equal(posted.statusCode, 403);
    assert.doesNotMatch((await viewer.get(`/turmas/${cohortId}`)).body, /importar-frequencia/);

    const teacher = await insertStudent(db, { fullName: 'Instrutor Outro' });
    const taught = await insertCohort(db, { instructorId: teacher.id });
    const instructor = await signedIn(t, 'instructor', { studentId: teacher.id });
    const elsewhere = await instructor.get(`/turmas/${cohortId}/importar-frequencia`);
    assert.equal(elsewhere.statusCode, 404);
    const refused = await instructor.post(`/turmas/${cohortId}/importar-frequencia`, {
      format: 'csv',
      content: csvWithOneBadRow(),
    });
    assert.equal(refused.statusCode, 404);
    const own = await instructor.get(`/turmas/${taught.id}/importar-frequencia`);
    assert.equal(own.statusCode, 200);
    assert.equal((await backend?.queue.list({ name: 'attendance.import' }))?.total, 0);
  });

  it('says so, keeping the content, when the process has no job queue', async () => {
    const noQueue = await createTestApp(dialect);
    try {
      const cohort = await insertCohort(noQueue.testDb.database.db);
      const user = await signedIn(noQueue, 'secretary');
      const page = await user.get(`/turmas/${cohort.id}/importar-frequencia`);
      assert.match(page.body, /A fila de tarefas não está disponível neste servidor/);
      const content = csvWithOneBadRow();
      const response = await user.post(`/turmas/${cohort.id}/importar-frequencia`, {
        format: 'csv',
        content,
        partial: 'false',
      });
      assert.equal(response.statusCode, 503);
      assert.match(response.body, /<p class="form-error" role="alert">A fila de tarefas/);
      assert.ok(fieldBlock(response.body, 'content').includes(`>${content}</textarea>`));
    } finally {
      await noQueue.close();
    }
  });
});
