import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { E2eServer } from './support/browser.ts';
import { describeInBrowser, startE2e, withScreenshot } from './support/browser.ts';

describeInBrowser('signing in', () => {
  let server: E2eServer;

  before(async () => {
    server = await startE2e();
  });
  after(() => server.close());

  it('sends a visitor to the sign-in page and back where they wanted to go', async () => {
    const email = await server.createUser('secretary');
    const { context, page } = await server.newPage();
    await withScreenshot(server, page, 'sign-in-redirect', async () => {
      await page.goto('/cursos');
      assert.match(new URL(page.url()).pathname, /^\/entrar/);
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Senha').fill('Cavalo-Correto-Bateria-7');
      await page.getByRole('button', { name: 'Entrar' }).click();
      await page.waitForURL('**/cursos');
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Cursos');
    });
    await context.close();
  });

  it('says so, in Portuguese, when the password is wrong', async () => {
    const email = await server.createUser('viewer');
    const { context, page } = await server.newPage();
    await withScreenshot(server, page, 'sign-in-wrong-password', async () => {
      await page.goto('/entrar');
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Senha').fill('errada-errada-errada');
      await page.getByRole('button', { name: 'Entrar' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByRole('alert').textContent(), 'E-mail ou senha incorretos.');
    });
    await context.close();
  });

  it('creates a course through the form, showing an error beside the field first', async () => {
    const email = await server.createUser('secretary');
    const { context, page } = await server.newPage();
    await withScreenshot(server, page, 'course-form', async () => {
      await server.signIn(page, email);
      await page.goto('/cursos/novo');
      await page.getByRole('button', { name: 'Salvar' }).click();
      await page.getByText('Não pode ficar em branco.').waitFor();

      await page.getByLabel('Nome').fill('2º Grau – Companheiros');
      await page.getByRole('button', { name: 'Salvar' }).click();
      await page.waitForURL('**/cursos');
      await page.getByRole('cell', { name: '2º Grau – Companheiros' }).waitFor();
    });
    await context.close();
  });

  it('reports no script error nor CSP violation on the pages it visited', () => {
    assert.deepEqual(server.problems, []);
  });
});
