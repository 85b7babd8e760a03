// @ts-check
/**
 * The charts of the Sistema page. Each `<canvas data-chart="...">` carries
 * its numbers as JSON (the same ones as the table beside it). htmx swaps
 * the panel every 30 s: the old charts are destroyed before the swap and
 * the new canvases drawn after it. Chart.js is the global `Chart`, loaded
 * before this module by a plain script tag.
 */

/**
 * @typedef {{ name: string, values: (number | null)[] }} Series
 * @typedef {{ unit: 'ms' | '%' | '', isHorizontal?: boolean, isStacked?: boolean,
 *   labels: string[], series: Series[] }} ChartSpec
 * @typedef {{ destroy(): void }} ChartInstance
 * @typedef {new (canvas: HTMLCanvasElement, config: Record<string, unknown>) => ChartInstance}
 *   ChartConstructor
 */

const PANEL_ID = 'sistema-painel';
// Distinct hues with at least 4.5:1 contrast on white; the legend and tooltips name each
// series, and the table beside every chart holds the same numbers.
const COLOURS = ['#1f4e9c', '#a4161a', '#1b6b3a', '#8a4b00', '#6a1b9a', '#00695c'];

/** @type {ChartInstance[]} */
let drawn = [];
let isRefresh = false;

/** @returns {ChartConstructor | null} */
function chartLibrary() {
  const global = /** @type {{ Chart?: ChartConstructor }} */ (/** @type {unknown} */ (window));
  return typeof global.Chart === 'function' ? global.Chart : null;
}

/** @param {HTMLCanvasElement} canvas @returns {ChartSpec | null} */
function readSpec(canvas) {
  const text = canvas.dataset.chart;
  if (!text) return null;
  try {
    return /** @type {ChartSpec} */ (JSON.parse(text));
  } catch {
    return null;
  }
}

/** @param {number} index */
function colour(index) {
  return COLOURS[index % COLOURS.length] ?? '#1f4e9c';
}

/** @param {ChartSpec['unit']} unit @param {unknown} value */
function withUnit(unit, value) {
  if (typeof value !== 'number') return '–';
  const text = value.toLocaleString('pt-BR', { maximumFractionDigits: 1 });
  return unit === '' ? text : `${text} ${unit}`;
}

/** @param {ChartSpec} spec */
function valueAxis(spec) {
  /** @type {Record<string, unknown>} */
  const axis = {
    beginAtZero: true,
    stacked: spec.isStacked === true,
    ticks: { callback: (/** @type {number | string} */ value) => withUnit(spec.unit, value) },
  };
  if (spec.unit === '%') axis.max = 100;
  if (spec.unit === '') axis.ticks = { precision: 0 };
  return axis;
}

/** @param {ChartSpec} spec */
function config(spec) {
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const isHorizontal = spec.isHorizontal === true;
  const categoryAxis = { stacked: spec.isStacked === true, ticks: { autoSkip: false } };
  return {
    type: 'bar',
    data: {
      labels: spec.labels,
      datasets: spec.series.map((series, index) => ({
        label: series.name,
        data: series.values,
        backgroundColor: colour(index),
        borderColor: colour(index),
      })),
    },
    options: {
      indexAxis: isHorizontal ? 'y' : 'x',
      maintainAspectRatio: false,
      // A refresh every 30 s should not replay the animation.
      animation: reduceMotion || isRefresh ? false : undefined,
      locale: 'pt-BR',
      scales: isHorizontal
        ? { x: valueAxis(spec), y: categoryAxis }
        : { x: categoryAxis, y: valueAxis(spec) },
      plugins: {
        legend: { display: spec.series.length > 1, position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (/** @type {{ dataset: { label?: string }, raw: unknown }} */ item) =>
              `${item.dataset.label ?? ''}: ${withUnit(spec.unit, item.raw)}`,
          },
        },
      },
    },
  };
}

function drawAll() {
  const Chart = chartLibrary();
  if (!Chart) return;
  for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
    if (!(canvas instanceof HTMLCanvasElement)) continue;
    const spec = readSpec(canvas);
    if (spec) drawn.push(new Chart(canvas, config(spec)));
  }
  isRefresh = true;
}

function destroyAll() {
  for (const chart of drawn) chart.destroy();
  drawn = [];
}

/** @param {Event} event */
function isPanelSwap(event) {
  const detail = /** @type {CustomEvent<{ target?: Element }>} */ (event).detail;
  return detail.target instanceof Element && detail.target.id === PANEL_ID;
}

document.body.addEventListener('htmx:beforeSwap', (event) => {
  const detail = /** @type {CustomEvent<{ shouldSwap?: boolean }>} */ (event).detail;
  // A failed refresh leaves the old panel, and its charts, in place.
  if (isPanelSwap(event) && detail.shouldSwap !== false) destroyAll();
});
document.body.addEventListener('htmx:afterSettle', (event) => {
  if (isPanelSwap(event)) drawAll();
});

drawAll();

export {};
