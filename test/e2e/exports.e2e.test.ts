import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { createCohortScene, enrolledStudent } from '../attendance/harness.ts';
import type { E2eServer } from './support/browser.ts';
import { describeInBrowser, startE2e, withScreenshot } from './support/browser.ts';

const MONTH = '2026-03';

describeInBrowser('exports from the sheet page', () => {
  let server: E2eServer;
  let cohortId: number;

  before(async () => {
    server = await startE2e({ jobs: true });
    const db = server.database.db;
    const scene = await createCohortScene(db, { capacity: 80 });
    cohortId = scene.cohortId;
    await enrolledStudent(db, cohortId, { fullName: 'Ana Lima' });
    await enrolledStudent(db, cohortId, { fullName: 'Bruno Reis' });
    await server.app.services.sessions.createMany(SYSTEM_ACTOR, scene.lessons, [
      { date: '2026-03-02' },
      { date: '2026-03-09' },
    ]);
  });
  after(() => server.close());

  it('builds an XLSX with a progress bar and downloads it', async () => {
    const email = await server.createUser('secretary');
    const { context, page } = await server.newPage();
    try {
      await withScreenshot(server, page, 'exports-sheet-xlsx', async () => {
        await server.signIn(page, email);
        await page.goto(`/turmas/${cohortId}/relatorio?de=${MONTH}&ate=${MONTH}`);
        const block = page.getByRole('region', { name: 'Exportar' });
        await block.getByRole('button', { name: 'XLSX' }).click();
        await block.getByRole('progressbar').waitFor();
        const link = block.getByRole('link', { name: /^Baixar / });
        await link.waitFor({ timeout: 20_000 });
        assert.equal(await block.getByRole('progressbar').getAttribute('max'), '100');
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        assert.match(download.suggestedFilename(), /\.xlsx$/);
        const file = await download.path();
        const bytes = await readFile(file);
        assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK');

        await page.goto('/exportacoes');
        await page.getByRole('cell', { name: 'Pronto' }).waitFor();
      });
      assert.deepEqual(server.problems, []);
    } finally {
      await context.close();
    }
  });
});
