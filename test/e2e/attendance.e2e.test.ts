import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { Page } from 'playwright-core';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Sheet } from '../../src/sheets/sheets.schemas.ts';
import type { CohortScene } from '../attendance/harness.ts';
import { createCohortScene, enrolledStudent } from '../attendance/harness.ts';
import { expectedSheetCells } from '../web/attendance.helpers.ts';
import type { E2eServer } from './support/browser.ts';
import { describeInBrowser, startE2e, withScreenshot } from './support/browser.ts';

const MONTH = '2026-03';

interface MonthGrid {
  marks: {
    sessionId: number;
    studentId: number;
    status: string | null;
    summoned: boolean;
    justification: string | null;
  }[];
  sessions: { id: number; activityId: number; date: string }[];
}

describeInBrowser('the attendance grid', () => {
  let server: E2eServer;
  let scene: CohortScene;
  let students: { ana: number; bruno: number; carla: number };

  /** A cohort with three students and four sessions in March 2026. */
  async function createMonth(): Promise<void> {
    const db = server.database.db;
    scene = await createCohortScene(db, { capacity: 80 });
    students = {
      ana: (await enrolledStudent(db, scene.cohortId, { fullName: 'Ana Lima' })).id,
      bruno: (await enrolledStudent(db, scene.cohortId, { fullName: 'Bruno Reis' })).id,
      carla: (await enrolledStudent(db, scene.cohortId, { fullName: 'Carla Souza' })).id,
    };
    const { sessions } = server.app.services;
    await sessions.createMany(SYSTEM_ACTOR, scene.lessons, [
      { date: '2026-03-02' },
      { date: '2026-03-09' },
    ]);
    await sessions.createMany(SYSTEM_ACTOR, scene.fullMoons, [{ date: '2026-03-03' }]);
    await sessions.createMany(SYSTEM_ACTOR, scene.cleaning, [{ date: '2026-03-14' }]);
  }

  before(async () => {
    server = await startE2e();
    await createMonth();
  });
  after(() => server.close());

  const gridUrl = () => `/turmas/${scene.cohortId}/frequencia/${MONTH}`;

  async function openGrid(page: Page): Promise<void> {
    await page.goto(gridUrl());
    await page.getByRole('grid').waitFor();
  }

  /** The button of a cell by its row (student) and column (session), 0-based. */
  function cell(page: Page, row: number, col: number) {
    return page.locator(`button.mk[data-row="${row}"][data-col="${col}"]`);
  }

  async function monthFromApi(page: Page): Promise<MonthGrid> {
    const response = await page.request.get(
      `/api/v1/cohorts/${scene.cohortId}/attendance/${MONTH}`,
    );
    assert.equal(response.status(), 200);
    return (await response.json()) as MonthGrid;
  }

  function statusOf(grid: MonthGrid, studentId: number, date: string, activityId: number) {
    const session = grid.sessions.find((s) => s.date === date && s.activityId === activityId);
    return grid.marks.find((m) => m.sessionId === session?.id && m.studentId === studentId);
  }

  async function waitForSaved(page: Page): Promise<void> {
    await page
      .getByRole('status')
      .filter({ hasText: /^Salvo às/ })
      .waitFor();
    assert.equal(await page.locator('#grid-changes').textContent(), 'Tudo salvo.');
  }

  it('takes a month of attendance by keyboard, saves it, and shows it after reload', async () => {
    const email = await server.createUser('secretary');
    const { context, page } = await server.newPage();
    await withScreenshot(server, page, 'attendance-keyboard', async () => {
      await server.signIn(page, email);
      await openGrid(page);
      // Columns: Aulas 02/03, Aulas 09/03, Plenilúnios 03/03, Limpezas 14/03.
      // Rows: Ana, Bruno, Carla (by name).
      await cell(page, 0, 0).focus();
      const keys = page.keyboard;
      await keys.press('p');
      await keys.press('ArrowDown');
      await keys.press('f');
      await keys.press('ArrowDown');
      await keys.press('j');
      await keys.press('ArrowRight');
      await keys.press('p');
      await keys.press('ArrowUp');
      await keys.press('p');
      await keys.press('ArrowUp');
      await keys.press('f');
      await keys.press('ArrowRight');
      // Plenilúnios 03/03: everyone pending there becomes present at once.
      await keys.press('Shift+P');
      await keys.press('ArrowRight');
      // Limpezas (convocation): Ana is summoned and present, Bruno volunteers.
      await keys.press('c');
      await keys.press('p');
      await keys.press('ArrowDown');
      await keys.press('p');
      await page.getByRole('status').filter({ hasText: 'não foi convocado' }).waitFor();
      await keys.press('2');
      // Space cycles a cell the student is not summoned to: empty → V1 → V2; Delete clears.
      await keys.press('ArrowDown');
      await keys.press(' ');
      assert.equal(await cell(page, 2, 3).textContent(), 'V1');
      await keys.press(' ');
      assert.equal(await cell(page, 2, 3).textContent(), 'V2');
      await keys.press('Delete');
      assert.equal(await cell(page, 2, 3).textContent(), '');
      await keys.press('ArrowUp');

      assert.equal(
        await cell(page, 0, 0).getAttribute('aria-label'),
        'Ana Lima, Aulas 02/03: Presente, não salvo',
      );
      assert.equal(await cell(page, 0, 3).textContent(), 'P');
      assert.match(String(await cell(page, 0, 3).getAttribute('aria-label')), /convocado/);
      assert.equal(await cell(page, 1, 3).textContent(), 'V2');

      // Enter opens the justification of Bruno's absence; Esc goes back to the cell.
      await keys.press('ArrowLeft');
      await keys.press('ArrowLeft');
      await keys.press('ArrowLeft');
      await keys.press('Enter');
      await page.getByLabel('Justificativa da falta').waitFor();
      await keys.type('viagem a trabalho');
      await keys.press('Escape');
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('data-col')),
        '0',
      );

      // Per-student totals follow the typing: Ana 1 of 2 lessons, 50 %, a shortfall.
      const anaTotals = page.locator('tbody tr').first().locator('td.g-total');
      assert.deepEqual(await anaTotals.allTextContents(), [
        '1',
        '1',
        '0',
        '0',
        '50%',
        '1',
        '0',
        '0',
        '0',
        '100%',
        '1',
        '0',
        '0',
        '0',
        '100%',
      ]);
      assert.match(String(await anaTotals.nth(4).getAttribute('class')), /shortfall/);

      await keys.press('Control+s');
      await waitForSaved(page);

      await page.reload();
      await page.getByRole('grid').waitFor();
      const texts = await page
        .locator('tbody tr')
        .evaluateAll((rows) =>
          rows.map((row) => Array.from(row.querySelectorAll('button.mk'), (b) => b.textContent)),
        );
      assert.deepEqual(texts, [
        ['P', 'F', 'P', 'P'],
        ['F', 'P', 'P', 'V2'],
        ['J', 'P', 'P', ''],
      ]);
      const grid = await monthFromApi(page);
      const bruno = statusOf(grid, students.bruno, '2026-03-02', scene.lessons);
      assert.equal(bruno?.justification, 'viagem a trabalho');
      assert.equal(statusOf(grid, students.ana, '2026-03-14', scene.cleaning)?.summoned, true);
    });
    await context.close();
  });

  it('prints the same numbers on the sheet page as the sheet API', async () => {
    const email = await server.createUser('viewer');
    const { context, page } = await server.newPage();
    await withScreenshot(server, page, 'attendance-sheet', async () => {
      await server.signIn(page, email);
      await page.goto(`/turmas/${scene.cohortId}/relatorio?de=${MONTH}&ate=${MONTH}`);
      await page.getByRole('heading', { name: 'Relatório Mensal de Atividades' }).waitFor();
      const response = await page.request.get(
        `/api/v1/cohorts/${scene.cohortId}/sheet?from=${MONTH}&to=${MONTH}`,
      );
      const sheet = (await response.json()) as Sheet;
      assert.ok(sheet.rows.length === 3);
      for (const [index, row] of sheet.rows.entries()) {
        const cells = await page
          .locator(`tr[data-student="${row.studentId}"] td`)
          .allTextContents();
        assert.deepEqual(
          cells.map((text) => text.trim()),
          expectedSheetCells(sheet, row, index),
          row.fullName,
        );
      }
      await page.locator('td.shortfall').first().waitFor();
    });
    await context.close();
  });

  it('shows a conflict when two people change the same cell, and lets each choose', async () => {
    const first = await server.newPage();
    const second = await server.newPage();
    await server.signIn(first.page, await server.createUser('secretary'));
    await server.signIn(second.page, await server.createUser('secretary'));
    await withScreenshot(server, second.page, 'attendance-conflict', async () => {
      await openGrid(first.page);
      await openGrid(second.page);

      // Both change Carla's lesson of 02/03 (J): the first to P, the second to F.
      await cell(first.page, 2, 0).focus();
      await first.page.keyboard.press('p');
      await first.page.keyboard.press('Control+s');
      await waitForSaved(first.page);

      await cell(second.page, 2, 0).focus();
      await second.page.keyboard.press('f');
      await second.page.keyboard.press('Control+s');
      const dialog = second.page.getByRole('dialog', {
        name: 'Outra pessoa mudou estas presenças',
      });
      await dialog.waitFor();
      const item = dialog.getByRole('group', { name: 'Carla Souza — Aulas 02/03' });
      assert.match(
        String(await item.textContent()),
        /Seu valor: Falta → de outra pessoa: Presente/,
      );
      await item.getByRole('radio', { name: 'Manter o meu' }).check();
      await dialog.getByRole('button', { name: 'Aplicar as escolhas e salvar' }).click();
      await waitForSaved(second.page);
      assert.equal(
        statusOf(await monthFromApi(second.page), students.carla, '2026-03-02', scene.lessons)
          ?.status,
        'F',
      );

      // Now the first one, still on an old version, changes the same cell again and gives way.
      await cell(first.page, 2, 0).focus();
      await first.page.keyboard.press('j');
      await first.page.keyboard.press('Control+s');
      const again = first.page.getByRole('dialog', { name: 'Outra pessoa mudou estas presenças' });
      await again.getByRole('button', { name: 'Usar todos os deles' }).click();
      await first.page.getByRole('status').filter({ hasText: 'valores da outra pessoa' }).waitFor();
      assert.equal(await cell(first.page, 2, 0).textContent(), 'F');
      assert.equal(await first.page.locator('#grid-changes').textContent(), 'Tudo salvo.');
    });
    await first.context.close();
    await second.context.close();
  });

  it('shows a refused mark beside its cell, in Portuguese', async () => {
    const { context, page } = await server.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await server.signIn(page, await server.createUser('secretary'));
    await withScreenshot(server, page, 'attendance-violation', async () => {
      await openGrid(page);
      // Someone ends Bruno's enrollment before 09/03 while the page is open.
      await server.database.db
        .updateTable('enrollments')
        .set({ endedOn: '2026-03-05', status: 'finished' })
        .where('studentId', '=', students.bruno)
        .execute();
      await cell(page, 1, 1).focus();
      await page.keyboard.press('f');
      await page.keyboard.press('Control+s');
      const alert = page.getByRole('alert').filter({ hasText: 'Nada foi salvo' });
      await alert.waitFor();
      assert.match(
        String(await alert.textContent()),
        /Bruno Reis, Aulas 09\/03: a matrícula do aluno não cobre esta data/,
      );
      assert.equal(await cell(page, 1, 1).getAttribute('aria-invalid'), 'true');
      await alert.getByRole('button', { name: 'Bruno Reis, Aulas 09/03' }).click();
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid')),
        'true',
      );
      await page.getByRole('button', { name: 'Descartar alterações' }).click();
      assert.equal(await page.locator('#grid-changes').textContent(), 'Tudo salvo.');
    });
    await context.close();
    await server.database.db
      .updateTable('enrollments')
      .set({ endedOn: null, status: 'active' })
      .where('studentId', '=', students.bruno)
      .execute();
  });

  it('adds a suggested day and removes it again', async () => {
    const { context, page } = await server.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await server.signIn(page, await server.createUser('secretary'));
    await withScreenshot(server, page, 'attendance-sessions', async () => {
      await openGrid(page);
      await page.getByRole('button', { name: 'Adicionar dias' }).click();
      const panel = page.getByRole('region', { name: /Dias de atividade de março de 2026/ });
      await panel.getByRole('group', { name: 'Aulas' }).getByLabel('seg 16/03').check();
      await panel.getByRole('button', { name: 'Criar os dias marcados' }).click();
      await page.getByRole('status').filter({ hasText: '1 dia(s) criado(s).' }).waitFor();
      await page.getByRole('columnheader', { name: /16\/03/ }).waitFor();
      assert.equal(await page.locator('tbody tr').first().locator('button.mk').count(), 5);

      await panel.getByRole('button', { name: 'Excluir o dia Aulas 16/03' }).click();
      await page.getByRole('status').filter({ hasText: 'excluído' }).waitFor();
      assert.equal(await page.locator('tbody tr').first().locator('button.mk').count(), 4);
    });
    await context.close();
  });

  it('starts an empty month from its suggested dates', async () => {
    const { context, page } = await server.newPage();
    await server.signIn(page, await server.createUser('secretary'));
    await withScreenshot(server, page, 'attendance-empty-month', async () => {
      await page.goto(`/turmas/${scene.cohortId}/frequencia/2026-04`);
      await page.getByText('Nenhum dia de atividade neste mês.').waitFor();
      const panel = page.getByRole('region', { name: /Dias de atividade de abril de 2026/ });
      await panel.getByRole('group', { name: 'Aulas' }).getByLabel('seg 06/04').check();
      await panel.getByRole('button', { name: 'Criar os dias marcados' }).click();
      await page.getByRole('grid').waitFor();
      assert.equal(await page.locator('tbody tr').first().locator('button.mk').count(), 1);
      assert.equal(
        await cell(page, 0, 0).getAttribute('aria-label'),
        'Ana Lima, Aulas 06/04: vazio, pendente',
      );
    });
    await context.close();
  });

  it('warns before leaving with unsaved changes', async () => {
    const { context, page } = await server.newPage();
    await server.signIn(page, await server.createUser('secretary'));
    await withScreenshot(server, page, 'attendance-beforeunload', async () => {
      await openGrid(page);
      await cell(page, 0, 1).click();
      const dialog = new Promise<string>((resolve) => {
        page.once('dialog', (shown) => {
          resolve(shown.type());
          // Dismissing (staying) is flaky in headless Chromium; leaving is enough here.
          void shown.accept();
        });
      });
      await page.close({ runBeforeUnload: true });
      assert.equal(await dialog, 'beforeunload');
    });
    await context.close();
  });

  it('builds and updates a 60 × 25 grid without jank', async () => {
    const db = server.database.db;
    const big = await createCohortScene(db, { capacity: 80 });
    for (let index = 0; index < 60; index++) {
      const name = `Aluno ${String(index + 1).padStart(2, '0')}`;
      await enrolledStudent(db, big.cohortId, { fullName: name });
    }
    const days = Array.from({ length: 25 }, (_, i) => ({
      date: `2026-03-${String(i + 1).padStart(2, '0')}`,
    }));
    await server.app.services.sessions.createMany(SYSTEM_ACTOR, big.lessons, days);

    const { context, page } = await server.newPage();
    await server.signIn(page, await server.createUser('secretary'));
    await withScreenshot(server, page, 'attendance-performance', async () => {
      await page.goto(`/turmas/${big.cohortId}/frequencia/${MONTH}`);
      await page.getByRole('grid').waitFor();
      const renderMs = Number(await page.getByRole('grid').getAttribute('data-render-ms'));
      assert.equal(await page.locator('button.mk').count(), 1500);

      // Keys are timed inside the page: dispatching runs the handler synchronously.
      const timeKey = (key: string, shiftKey = false) =>
        page.evaluate(
          ([name, shift]) => {
            const start = performance.now();
            document.activeElement?.dispatchEvent(
              new KeyboardEvent('keydown', { key: name, shiftKey: shift, bubbles: true }),
            );
            return performance.now() - start;
          },
          [key, shiftKey] as const,
        );
      await page.locator('button.mk[data-row="30"][data-col="12"]').focus();
      const timings = {
        cell: await timeKey('f'),
        move: await timeKey('ArrowDown'),
        column: await timeKey('P', true),
      };
      console.log(
        `60 × 25 grid: built in ${renderMs} ms; a key ${timings.cell.toFixed(1)} ms, ` +
          `a move ${timings.move.toFixed(1)} ms, a whole column ${timings.column.toFixed(1)} ms`,
      );
      assert.ok(renderMs < 1000, `the grid took ${renderMs} ms to build`);
      assert.ok(timings.cell < 50, `a key took ${timings.cell} ms`);
      assert.ok(timings.column < 100, `a column took ${timings.column} ms`);
      await page.locator('#grid-changes').filter({ hasText: '60 alteração(ões)' }).waitFor();
      await page.keyboard.press('Control+s');
      await waitForSaved(page);
    });
    await context.close();
  });

  it('reports no script error nor CSP violation on the pages it visited', () => {
    assert.deepEqual(server.problems, []);
  });
});
