import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { Actor } from '../../src/auth/actor.ts';
import { dateIn } from '../../src/platform/clock.ts';
import type { Student } from '../../src/platform/db/tables.ts';
import { formatCpf } from '../../src/web/format.ts';
import { insertCohort, insertEnrollment, insertStudent, validCpf } from '../support/fixtures.ts';
import type { E2eServer } from './support/browser.ts';
import { describeInBrowser, startE2e, withScreenshot } from './support/browser.ts';

function monthBefore(month: string, count: number): string {
  const [year, number] = month.split('-').map(Number);
  const index = (year ?? 0) * 12 + (number ?? 1) - 1 - count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** A student enrolled for three months, with lessons marked in the last two. */
async function studentWithAttendance(server: E2eServer, actor: Actor): Promise<Student> {
  const db = server.database.db;
  const services = server.app.services;
  const student = await insertStudent(db, {
    fullName: 'Helena Boletim',
    searchText: 'helena boletim',
    cpf: validCpf(918273),
  });
  const cohort = await insertCohort(db, { name: 'Turma Gráfico' });
  const month = dateIn(new Date(), 'America/Sao_Paulo').slice(0, 7);
  await insertEnrollment(db, student.id, cohort.id, `${monthBefore(month, 3)}-01`);
  const lessons = await db
    .selectFrom('activities')
    .select('id')
    .where('cohortId', '=', cohort.id)
    .where('kind', '=', 'lesson')
    .executeTakeFirstOrThrow();
  const dates = [2, 1].flatMap((back) => {
    const earlier = monthBefore(month, back);
    return [`${earlier}-04`, `${earlier}-11`, `${earlier}-18`];
  });
  const sessions = await services.sessions.createMany(
    actor,
    lessons.id,
    dates.map((date) => ({ date })),
  );
  const statuses = ['P', 'P', 'F', 'P', 'F', 'F'] as const;
  for (const [index, session] of sessions.entries()) {
    await services.attendance.saveSessionMarks(actor, session.id, [
      { studentId: student.id, status: statuses[index] ?? 'P' },
    ]);
  }
  return student;
}

describeInBrowser('the students pages', () => {
  let server: E2eServer;

  before(async () => {
    server = await startE2e();
  });
  after(() => server.close());

  it('finds a student by CPF as one types, and shows the report with its chart', async () => {
    const email = await server.createUser('secretary');
    const user = await server.app.services.auth.signIn(email, 'Cavalo-Correto-Bateria-7');
    const actor: Actor = { userId: user.id, role: 'secretary', studentId: null, via: 'session' };
    const student = await studentWithAttendance(server, actor);
    await insertStudent(server.database.db, { fullName: 'Outro Aluno', searchText: 'outro aluno' });

    const { context, page } = await server.newPage();
    await withScreenshot(server, page, 'students-search-and-chart', async () => {
      await server.signIn(page, email);
      await page.goto('/alunos');
      assert.equal(await page.locator('#resultados td.cpf').count(), 2);

      await page.getByLabel('Buscar', { exact: true }).fill(formatCpf(student.cpf));
      await page.waitForFunction(
        () => document.querySelectorAll('#resultados td.cpf').length === 1,
      );
      assert.match(page.url(), /busca=/);
      await page.getByRole('link', { name: 'Helena Boletim', exact: true }).click();
      await page.waitForURL(`**/alunos/${student.id}`);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Helena Boletim');

      await page.locator('canvas[data-chart-ready="true"]').waitFor();
      const drawn = await page.evaluate(() => {
        const canvas = document.querySelector('canvas[data-chart-source]');
        const library = (window as unknown as { Chart?: { getChart(c: unknown): unknown } }).Chart;
        return canvas instanceof HTMLCanvasElement && library
          ? { width: canvas.width, hasChart: library.getChart(canvas) !== undefined }
          : null;
      });
      assert.ok(drawn && drawn.width > 0 && drawn.hasChart, 'the chart is drawn');
      assert.ok((await page.locator('td.shortfall').count()) > 0, 'a shortfall is highlighted');
      await page.getByRole('heading', { name: 'Histórico de mudanças nas presenças' }).waitFor();
    });
    await context.close();
  });

  it('creates a student through the form after correcting an error', async () => {
    const email = await server.createUser('secretary');
    const { context, page } = await server.newPage();
    await withScreenshot(server, page, 'students-create', async () => {
      await server.signIn(page, email);
      await page.goto('/alunos');
      await page.getByRole('link', { name: 'Novo aluno' }).click();
      await page.waitForURL('**/alunos/novo');

      await page.getByLabel(/^Nome completo/).fill('Tiago Formulário');
      await page.getByLabel(/^CPF/).fill('123.456.789-00');
      await page.getByLabel(/^Número iniciático/).fill('E2E-1');
      await page.getByLabel('Data de nascimento', { exact: true }).fill('02/03/1990');
      await page.getByLabel('Endereço', { exact: true }).fill('Rua do Teste, 5');
      await page.getByRole('button', { name: 'Salvar' }).click();
      await page.getByText('CPF inválido: os dígitos verificadores não conferem.').waitFor();
      const name = page.getByLabel(/^Nome completo/);
      assert.equal(await name.inputValue(), 'Tiago Formulário');
      assert.equal(
        await page.getByLabel('Endereço', { exact: true }).inputValue(),
        'Rua do Teste, 5',
      );

      await page.getByLabel(/^CPF/).fill(formatCpf(validCpf(5550123)));
      await page.getByRole('button', { name: 'Salvar' }).click();
      await page.waitForURL(/\/alunos\/\d+$/);
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Tiago Formulário');
      await page.getByText('Aluno "Tiago Formulário" cadastrado.').waitFor();
      await page.getByText('02/03/1990').waitFor();

      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Arquivar' }).click();
      await page.getByText(/Aluno arquivado em/).waitFor();
    });
    await context.close();
  });

  it('reports no script error nor CSP violation on the pages it visited', () => {
    assert.deepEqual(server.problems, []);
  });
});
