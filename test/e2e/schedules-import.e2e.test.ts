import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { importHandlers } from '../../src/attendance/import/import.jobs.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobWorker } from '../../src/platform/jobs/job-queue.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { createCohortScene, enrolledStudent } from '../attendance/harness.ts';
import type { E2eServer } from './support/browser.ts';
import { describeInBrowser, startE2e, withScreenshot } from './support/browser.ts';

describeInBrowser('report schedules and attendance import from the cohort page', () => {
  let server: E2eServer;
  let imports: JobBackend;
  let worker: JobWorker;
  let cohortId: number;
  let numbers: string[];

  before(async () => {
    server = await startE2e({ jobs: true });
    // startE2e's worker serves the heavy and default queues; imports run on `bulk`.
    imports = createEmbeddedBackend(server.database, { pollIntervalMs: 50 });
    worker = imports.createWorker({
      queues: ['bulk'],
      handlers: importHandlers({ services: server.app.services, db: server.database.db }),
      logger: createLogger({ level: 'silent' }),
    });
    await worker.start();
    const db = server.database.db;
    cohortId = (await createCohortScene(db, { name: 'Turma Navegador' })).cohortId;
    const ana = await enrolledStudent(db, cohortId, { fullName: 'Ana Lima' });
    const bruno = await enrolledStudent(db, cohortId, { fullName: 'Bruno Reis' });
    numbers = [ana.initiaticNumber, bruno.initiaticNumber];
  });
  after(async () => {
    await worker.stop();
    await imports.close();
    await server.close();
  });

  it('creates a schedule through the form, fixing a wrong e-mail on the way', async () => {
    const email = await server.createUser('secretary');
    const { context, page } = await server.newPage();
    try {
      await withScreenshot(server, page, 'report-schedule-create', async () => {
        await server.signIn(page, email);
        await page.goto(`/turmas/${cohortId}`);
        await page.getByRole('link', { name: 'Envios programados' }).click();
        await page.getByText('Esta turma ainda não tem envios programados.').waitFor();
        await page.getByRole('link', { name: 'Novo envio programado' }).click();
        await page.waitForURL('**/envios/novo');

        const cron = page.getByLabel(/^Expressão cron/);
        assert.equal(await cron.isVisible(), false);
        await page.getByLabel(/^Relatório/).selectOption('sheet-accumulated');
        await page.getByLabel('Formato do anexo').selectOption('pdf');
        await page.getByLabel('Destinatários').fill('secretaria@escola.org.br\ninstrutor@');
        await page.getByLabel(/^Frequência/).selectOption('outra');
        await cron.waitFor({ state: 'visible' });
        await cron.fill('30 8 * * 1');
        await page.getByRole('button', { name: 'Salvar' }).click();

        await page.getByText('E-mail inválido: instrutor@.').waitFor();
        assert.equal(await cron.inputValue(), '30 8 * * 1');
        assert.equal(await cron.isVisible(), true);
        const recipients = page.getByLabel('Destinatários');
        assert.equal(await recipients.inputValue(), 'secretaria@escola.org.br\ninstrutor@');
        await recipients.fill('secretaria@escola.org.br\ninstrutor@escola.org.br');
        await page.getByRole('button', { name: 'Salvar' }).click();

        await page.getByText('Envio programado criado.').waitFor();
        const row = page.getByRole('row', { name: /Relatório acumulado/ });
        await row.getByText('30 8 * * 1').waitFor();
        await row.getByText('Ativo').waitFor();
        await row.getByText('secretaria@escola.org.br, instrutor@escola.org.br').waitFor();
        await row.getByRole('button', { name: /Enviar agora/ }).waitFor();
      });
      assert.deepEqual(server.problems, []);
    } finally {
      await context.close();
    }
  });

  it('imports a small CSV and shows the rejected rows once the job is done', async () => {
    const email = await server.createUser('secretary');
    const { context, page } = await server.newPage();
    const [ana = '', bruno = ''] = numbers;
    const csv = [
      'data;atividade;aluno;registro;convocado;justificativa',
      `02/03/2026;Aulas;${ana};P;;`,
      `02/03/2026;Aulas;${bruno};F;;`,
      `02/03/2026;Aulas;NINGUEM-99;P;;`,
      `31/02/2026;Aulas;${ana};P;;`,
    ].join('\n');
    try {
      await withScreenshot(server, page, 'attendance-import', async () => {
        await server.signIn(page, email);
        await page.goto(`/turmas/${cohortId}`);
        await page.getByRole('link', { name: 'Importar frequência' }).click();
        await page.getByRole('heading', { name: 'Importar frequência' }).waitFor();

        await page.getByLabel('Arquivo CSV ou JSON').setInputFiles({
          name: 'presencas.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(csv, 'utf8'),
        });
        await page.getByText('Arquivo presencas.csv lido: 5 linha(s).').waitFor();
        assert.equal(await page.getByLabel('Conteúdo do arquivo').inputValue(), csv);
        assert.equal(await page.getByLabel('Formato').inputValue(), 'csv');
        await page.getByLabel('Importar as linhas válidas').check();
        await page.getByRole('button', { name: 'Importar' }).click();

        await page.waitForURL(/\/importar-frequencia\/[^/]+$/);
        const table = page.getByRole('table', { name: 'Linhas rejeitadas e por quê' });
        await table.waitFor({ timeout: 20_000 });
        await page.getByText('2 linhas foram importadas; 2 linhas de 4 foram rejeitadas').waitFor();
        const rows = table.getByRole('row');
        assert.equal(await rows.count(), 3);
        assert.match(
          (await rows.nth(1).textContent()) ?? '',
          /^3\s*nenhum aluno tem este número iniciático/,
        );
        assert.match((await rows.nth(2).textContent()) ?? '', /^4\s*data inválida/);
        await page.getByRole('progressbar').waitFor();
        assert.equal(await page.getByRole('progressbar').getAttribute('value'), '100');
      });
      assert.deepEqual(server.problems, []);
    } finally {
      await context.close();
    }
  });
});
