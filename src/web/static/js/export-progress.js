// @ts-check
/**
 * Exports followed on the page: an "Exportar" form is posted to the API
 * instead of the page route, then the export is polled every second and its
 * progress bar filled until the download link (or the error) shows. Without
 * JavaScript the forms post to /exportacoes and the export page has an
 * "Atualizar" link.
 */
import { call } from './grid-api.js';

const POLL_MS = 1000;

const STATUS_LABELS = {
  queued: 'Na fila',
  running: 'Gerando o arquivo…',
  ready: 'Pronto',
  failed: 'Falhou',
};

const ERRORS = {
  OMAUM_EXPORT_QUEUE_UNAVAILABLE:
    'Não é possível gerar exportações agora. Tente mais tarde ou avise o administrador.',
  OMAUM_EXPORT_EXPIRED: 'A exportação expirou e o arquivo foi apagado; gere uma nova.',
};
const FAILED = 'Não foi possível gerar o arquivo. Tente novamente.';
const OFFLINE = 'Sem conexão com o servidor. Tente novamente.';

/**
 * @typedef {object} ExportView
 * @property {number} id
 * @property {'queued' | 'running' | 'ready' | 'failed'} status
 * @property {number} progress
 * @property {string | null} fileName
 * @property {string | null} downloadUrl
 */

/**
 * The parts of one progress block.
 * @param {HTMLElement} status
 */
function partsOf(status) {
  return {
    status,
    label: status.querySelector('[data-export-label]'),
    bar: status.querySelector('[data-export-bar]'),
    result: status.querySelector('[data-export-result]'),
  };
}

/** @typedef {ReturnType<typeof partsOf>} Parts */

/**
 * @param {Parts} parts
 * @param {string} text
 */
function showError(parts, text) {
  if (!parts.result) return;
  const span = document.createElement('span');
  span.className = 'export-error';
  span.textContent = text;
  parts.result.replaceChildren(span);
}

/**
 * @param {Parts} parts
 * @param {ExportView} view
 */
function showView(parts, view) {
  if (parts.label) parts.label.textContent = `${STATUS_LABELS[view.status]} (${view.progress}%)`;
  if (parts.bar instanceof HTMLProgressElement) {
    parts.bar.value = view.progress;
    parts.bar.textContent = `${view.progress}%`;
  }
  if (view.status === 'failed') showError(parts, FAILED);
  if (view.status === 'ready' && view.downloadUrl && parts.result) {
    const link = document.createElement('a');
    link.href = view.downloadUrl;
    link.download = view.fileName ?? '';
    link.textContent = `Baixar ${view.fileName ?? 'arquivo'}`;
    parts.result.replaceChildren(link);
  }
}

/** @param {unknown} data */
function errorText(data) {
  const code = data && typeof data === 'object' && 'code' in data ? String(data.code) : '';
  return code in ERRORS ? ERRORS[/** @type {keyof typeof ERRORS} */ (code)] : FAILED;
}

/**
 * Polls one export until it is ready or failed.
 * @param {Parts} parts
 * @param {number} id
 */
async function follow(parts, id) {
  for (;;) {
    const answer = await call('GET', `/exports/${id}`);
    if (!answer.ok) {
      showError(parts, answer.status === 0 ? OFFLINE : errorText(answer.data));
      return;
    }
    const view = /** @type {ExportView} */ (answer.data);
    showView(parts, view);
    if (view.status === 'ready' || view.status === 'failed') return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The API body of an "Exportar" form.
 * @param {HTMLFormElement} form
 */
function bodyOf(form) {
  const data = new FormData(form);
  /** @type {Record<string, string | number>} */
  const body = {};
  for (const name of ['kind', 'format', 'from', 'to', 'month']) {
    const value = data.get(name);
    if (typeof value === 'string' && value !== '') body[name] = value;
  }
  body.cohortId = Number(data.get('cohortId'));
  const studentId = data.get('studentId');
  if (typeof studentId === 'string' && studentId !== '') body.studentId = Number(studentId);
  return body;
}

/**
 * @param {HTMLFormElement} form
 * @param {Parts} parts
 */
async function submit(form, parts) {
  const buttons = form.closest('[data-export-block]')?.querySelectorAll('button') ?? [];
  buttons.forEach((button) => (button.disabled = true));
  parts.status.hidden = false;
  parts.result?.replaceChildren();
  showView(parts, { id: 0, status: 'queued', progress: 0, fileName: null, downloadUrl: null });
  const answer = await call('POST', '/exports', bodyOf(form));
  if (answer.ok) {
    const created = /** @type {{ id: number }} */ (answer.data);
    await follow(parts, created.id);
  } else {
    showError(parts, answer.status === 0 ? OFFLINE : errorText(answer.data));
  }
  buttons.forEach((button) => (button.disabled = false));
}

/** @param {HTMLElement} block */
function wireBlock(block) {
  const status = block.querySelector('[data-export-status]');
  if (!(status instanceof HTMLElement)) return;
  const parts = partsOf(status);
  block.querySelectorAll('form[data-export-form]').forEach((form) => {
    if (!(form instanceof HTMLFormElement)) return;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void submit(form, parts);
    });
  });
}

/** The export page: follows an export still being built. */
function wireShown() {
  document.querySelectorAll('[data-export-id]').forEach((status) => {
    if (!(status instanceof HTMLElement) || status.dataset.exportFinal === 'yes') return;
    document.querySelector('[data-export-refresh]')?.setAttribute('hidden', '');
    void follow(partsOf(status), Number(status.dataset.exportId));
  });
}

document.querySelectorAll('[data-export-block]').forEach((block) => {
  if (block instanceof HTMLElement) wireBlock(block);
});
wireShown();
