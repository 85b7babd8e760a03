import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { validCpf } from '../support/fixtures.ts';
import type { E2eServer } from './support/browser.ts';
import { describeInBrowser, startE2e, withScreenshot } from './support/browser.ts';

const STUDENTS = ['Bruno Lima', 'Carla Dias', 'Diego Alves', 'Elisa Prado'];

describeInBrowser('cohort pages', () => {
  let server: E2eServer;

  before(async () => {
    server = await startE2e();
    const { courses, students } = server.app.services;
    await courses.create(SYSTEM_ACTOR, {
      name: '1º Grau – Aprendizes',
      description: null,
      isActive: true,
    });
    for (const [index, fullName] of STUDENTS.entries()) {
      await students.create(SYSTEM_ACTOR, {
        fullName,
        cpf: validCpf(4242 + index * 97),
        initiaticNumber: `E-${index + 1}`,
      });
    }
  });
  after(() => server.close());

  it('creates a cohort, adds a convocation activity, enrolls three students at once', async () => {
    const email = await server.createUser('secretary');
    const { context, page } = await server.newPage();
    await withScreenshot(server, page, 'cohort-create-enroll', async () => {
      await server.signIn(page, email);

      await page.goto('/turmas');
      await page.getByRole('link', { name: 'Nova turma' }).click();
      await page.waitForURL('**/turmas/nova');
      await page.getByLabel('Curso').selectOption({ label: '1º Grau – Aprendizes' });
      await page.getByLabel('Nome da turma').fill('Turma 2026-E2E');
      await page.getByLabel('Iniciação').fill('07/03/2026');
      await page.getByLabel('Dia da semana').selectOption({ label: 'Segunda-feira' });
      await page.getByLabel('Horário').fill('19:30');
      await page.getByLabel('Capacidade (vagas)').fill('20');
      await page.getByRole('button', { name: 'Salvar' }).click();
      await page.waitForURL(/\/turmas\/\d+$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Turma 2026-E2E');
      await page.getByRole('rowheader', { name: /Aulas/ }).waitFor();
      await page.getByRole('rowheader', { name: /Plenilúnios/ }).waitFor();

      // htmx swaps the activities block in place.
      const cohortUrl = page.url();
      await page.getByLabel('Nome da atividade').fill('Limpezas');
      await page.getByLabel('Tipo').selectOption({ label: 'Limpeza' });
      await page.getByLabel('Modo').selectOption({ label: 'Convocação' });
      await page.getByRole('button', { name: 'Adicionar atividade' }).click();
      await page.getByText('Atividade "Limpezas" adicionada.').waitFor();
      const row = page.getByRole('row', { name: /Limpezas/ });
      assert.match((await row.textContent()) ?? '', /Convocação/);
      assert.equal(page.url(), cohortUrl);

      await page.getByRole('link', { name: 'Matricular alunos' }).click();
      await page.waitForURL('**/matricular');
      await page.getByLabel('Filtrar alunos').fill('lima');
      assert.equal(await page.getByLabel(/Carla Dias/).isVisible(), false);
      await page.getByLabel(/Bruno Lima/).check();
      await page.getByLabel('Filtrar alunos').fill('');
      await page.getByLabel(/Carla Dias/).check();
      await page.getByLabel(/Diego Alves/).check();
      await page.getByText('3 alunos selecionados.').waitFor();
      await page.getByLabel('Data da matrícula').fill('09/03/2026');
      await page.getByRole('button', { name: 'Matricular selecionados' }).click();
      await page.waitForURL(/\/turmas\/\d+#matriculas$/);

      await page.getByText('3 alunos matriculados.').waitFor();
      for (const name of ['Bruno Lima', 'Carla Dias', 'Diego Alves']) {
        const enrolled = page.locator('#matriculas').getByRole('row', { name: new RegExp(name) });
        assert.match((await enrolled.textContent()) ?? '', /Ativa\s*09\/03\/2026/);
      }
      assert.equal(await page.locator('#matriculas').getByText('Elisa Prado').count(), 0);

      await page.goto('/');
      await page.getByRole('heading', { name: 'Frequência mensal por turma' }).waitFor();
      await page.getByRole('rowheader', { name: 'Turma 2026-E2E' }).first().waitFor();
      // Chart.js drew on the canvas: the library and the module ran under the CSP.
      await page.waitForFunction(() => {
        const canvas = document.getElementById('grafico-frequencia');
        const library = (window as unknown as { Chart?: { getChart(c: unknown): unknown } }).Chart;
        return canvas instanceof HTMLCanvasElement && library?.getChart(canvas) !== undefined;
      });
    });
    await context.close();
  });

  it('reports no script error nor CSP violation on the pages it visited', () => {
    assert.deepEqual(server.problems, []);
  });
});
