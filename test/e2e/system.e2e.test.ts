import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { Page } from 'playwright-core';

import type { E2eServer } from './support/browser.ts';
import { describeInBrowser, startE2e, withScreenshot } from './support/browser.ts';

const CHARTS = ['filas', 'latencia'];

/** Names of the canvases Chart.js has drawn on, sorted. */
function drawnCharts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const chart = (window as unknown as { Chart?: { getChart(c: Element): unknown } }).Chart;
    return Array.from(document.querySelectorAll('canvas'))
      .filter((canvas) => chart?.getChart(canvas) !== undefined)
      .map((canvas) => canvas.dataset.chartName ?? '')
      .sort();
  });
}

/** Waits until every named canvas carries a chart. */
async function chartsDrawn(page: Page): Promise<void> {
  await page.waitForFunction((names) => {
    const chart = (window as unknown as { Chart?: { getChart(c: Element): unknown } }).Chart;
    return names.every((name) => {
      const canvas = document.querySelector(`canvas[data-chart-name="${name}"]`);
      return canvas !== null && chart?.getChart(canvas) !== undefined;
    });
  }, CHARTS);
}

describeInBrowser('the Sistema page', () => {
  let server: E2eServer;

  before(async () => {
    server = await startE2e({ jobs: true });
  });
  after(() => server.close());

  it('draws its charts beside their tables and redraws them after a refresh', async () => {
    const email = await server.createUser('admin');
    const { context, page } = await server.newPage();
    try {
      await withScreenshot(server, page, 'system-page', async () => {
        await server.signIn(page, email);
        await page.goto('/turmas');
        const response = await page.goto('/sistema');
        const csp = response?.headers()['content-security-policy'] ?? '';
        assert.match(csp, /script-src 'self'(;|$)/);
        assert.match(csp, /style-src 'self'(;|$)/);

        await page.getByRole('heading', { name: 'Sistema', level: 1 }).waitFor();
        await page.getByRole('link', { name: 'Sistema' }).waitFor();
        const latency = page.getByRole('table', { name: /Percentis de tempo de resposta/ });
        await latency.getByRole('rowheader', { name: 'GET /turmas' }).waitFor();
        await page.getByRole('table', { name: /Último retrato de cada processo/ }).waitFor();
        await page.getByRole('table', { name: 'Tarefas por fila e situação' }).waitFor();
        await page.getByRole('img', { name: /percentis de tempo de resposta/ }).waitFor();
        await chartsDrawn(page);
        assert.deepEqual(await drawnCharts(page), CHARTS);

        assert.deepEqual(server.problems, [], 'before refresh');
        // The request the 30 s trigger makes, without waiting 30 s.
        await page.evaluate(() => {
          type Htmx = { ajax(verb: string, path: string, context: object): Promise<void> };
          const { htmx } = window as unknown as { htmx: Htmx };
          for (const canvas of Array.from(document.querySelectorAll('canvas'))) {
            canvas.dataset.old = 'yes';
          }
          const panel = '#sistema-painel';
          return htmx.ajax('GET', '/sistema/painel', { source: panel, target: panel });
        });
        await page.waitForFunction(() => document.querySelector('canvas[data-old]') === null);
        await chartsDrawn(page);
        assert.deepEqual(await drawnCharts(page), CHARTS);
        await latency.getByRole('rowheader', { name: 'GET /sistema' }).waitFor();
      });
      assert.deepEqual(server.problems, []);
    } finally {
      await context.close();
    }
  });
});
