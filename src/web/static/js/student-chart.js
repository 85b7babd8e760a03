// @ts-check
/**
 * Draws the student page's attendance charts. Each canvas names, in
 * `data-chart-source`, a `<script type="application/json">` data island
 * written by the server; Chart.js comes from /static/vendor/chart.umd.min.js
 * (a classic script, so it is `window.Chart`).
 */

/**
 * @typedef {{ label: string, values: (number | null)[] }} Series
 * @typedef {{ labels: string[], minimum: number | null, series: Series[] }} ChartData
 * @typedef {new (canvas: HTMLCanvasElement, config: object) => object} ChartConstructor
 */

// Colour-blind-safe palette (Okabe–Ito), dark enough on white.
const COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'];
const MINIMUM_COLOUR = '#a4161a';

/** @returns {ChartConstructor | null} */
function chartLibrary() {
  const library = /** @type {{ Chart?: ChartConstructor }} */ (/** @type {unknown} */ (window))
    .Chart;
  return typeof library === 'function' ? library : null;
}

/**
 * @param {string} id
 * @returns {ChartData | null}
 */
function readData(id) {
  const island = document.getElementById(id);
  if (!(island instanceof HTMLScriptElement) || island.type !== 'application/json') return null;
  try {
    return /** @type {ChartData} */ (JSON.parse(island.textContent ?? ''));
  } catch {
    return null;
  }
}

/**
 * @param {ChartData} data
 * @returns {Record<string, unknown>[]}
 */
function datasetsOf(data) {
  /** @type {Record<string, unknown>[]} */
  const datasets = data.series.map((series, index) => {
    const colour = COLOURS[index % COLOURS.length] ?? '#000000';
    return {
      label: series.label,
      data: series.values.map((value) => (value === null ? null : Math.round(value))),
      borderColor: colour,
      backgroundColor: colour,
      spanGaps: true,
      tension: 0.2,
    };
  });
  if (data.minimum !== null) {
    datasets.push({
      label: `Mínimo (${data.minimum}%)`,
      data: data.labels.map(() => data.minimum),
      borderColor: MINIMUM_COLOUR,
      backgroundColor: MINIMUM_COLOUR,
      borderDash: [6, 4],
      pointRadius: 0,
    });
  }
  return datasets;
}

/**
 * @param {ChartConstructor} Chart
 * @param {HTMLCanvasElement} canvas
 */
function draw(Chart, canvas) {
  const data = readData(canvas.dataset.chartSource ?? '');
  if (!data) return;
  new Chart(canvas, {
    type: 'line',
    data: { labels: data.labels, datasets: datasetsOf(data) },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        y: { min: 0, max: 100, ticks: { callback: (/** @type {number} */ value) => `${value}%` } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  canvas.dataset.chartReady = 'true';
}

function drawAll() {
  const Chart = chartLibrary();
  if (!Chart) return;
  for (const canvas of document.querySelectorAll('canvas[data-chart-source]')) {
    if (canvas instanceof HTMLCanvasElement) draw(Chart, canvas);
  }
}

// Deferred scripts run in order, so Chart.js is normally there already.
if (chartLibrary()) drawAll();
else window.addEventListener('load', drawAll, { once: true });
