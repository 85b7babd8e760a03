// @ts-check
/**
 * The home page's chart of monthly attendance per cohort. The numbers come
 * from a `<script type="application/json">` data island (the same ones as the
 * table under the chart); Chart.js is loaded before this module by a plain
 * script tag as the global `Chart`.
 */

/**
 * @typedef {{ labels: string[], series: { name: string, values: (number | null)[] }[] }} ChartData
 * @typedef {Record<string, unknown>} ChartConfig
 * @typedef {new (canvas: HTMLCanvasElement, config: ChartConfig) => unknown} ChartConstructor
 */

// Distinct hues, each with at least 4.5:1 contrast on white, and a point shape of its own so
// that the lines can be told apart without colour.
const COLOURS = ['#1f4e9c', '#a4161a', '#1b6b3a', '#8a4b00', '#6a1b9a', '#00695c', '#ad1457'];
const SHAPES = ['circle', 'rect', 'triangle', 'rectRot', 'star', 'crossRot', 'rectRounded'];

/** @returns {ChartData | null} */
function readData() {
  const island = document.getElementById('dados-grafico-frequencia');
  if (!island?.textContent) return null;
  try {
    return /** @type {ChartData} */ (JSON.parse(island.textContent));
  } catch {
    return null;
  }
}

/** @returns {ChartConstructor | null} */
function chartLibrary() {
  const global = /** @type {{ Chart?: ChartConstructor }} */ (/** @type {unknown} */ (window));
  return typeof global.Chart === 'function' ? global.Chart : null;
}

/** @param {number} index */
function pick(/** @type {string[]} */ list, index) {
  return list[index % list.length] ?? list[0];
}

/** @param {ChartData} data */
function config(data) {
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  return {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: data.series.map((series, index) => ({
        label: series.name,
        data: series.values,
        borderColor: pick(COLOURS, index),
        backgroundColor: pick(COLOURS, index),
        pointStyle: pick(SHAPES, index),
        pointRadius: 5,
        spanGaps: true,
      })),
    },
    options: {
      maintainAspectRatio: false,
      animation: reduceMotion ? false : undefined,
      locale: 'pt-BR',
      scales: {
        y: {
          min: 0,
          max: 100,
          title: { display: true, text: 'Frequência (%)' },
          ticks: { callback: (/** @type {number | string} */ value) => `${value}%` },
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: (/** @type {{ dataset: { label?: string }, raw: unknown }} */ item) =>
              `${item.dataset.label ?? ''}: ${typeof item.raw === 'number' ? `${item.raw}%` : '–'}`,
          },
        },
      },
    },
  };
}

function draw() {
  const canvas = document.getElementById('grafico-frequencia');
  const data = readData();
  const Chart = chartLibrary();
  if (!(canvas instanceof HTMLCanvasElement) || !data || !Chart) return;
  new Chart(canvas, config(data));
}

draw();

// A module of its own: nothing here is global.
export {};
