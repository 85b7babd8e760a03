// @ts-check
/**
 * The attendance import form: a chosen file is read in the browser and shown
 * in the content field (its format guessed from its name or first
 * character), then the form is sent to the JSON API, whose size limit is
 * larger than a form's, and the browser goes on to the import's page.
 * Without JavaScript the content is pasted and the form posts to the page.
 */
import { call, errorCode } from './grid-api.js';

const ERRORS = {
  OMAUM_JOB_QUEUE_UNAVAILABLE: 'A fila de tarefas não está disponível.',
  OMAUM_REQUEST_TOO_LARGE: 'O arquivo é grande demais para ser enviado de uma vez; divida-o.',
  OMAUM_COHORT_NOT_FOUND: 'Turma não encontrada.',
  OMAUM_AUTH_FORBIDDEN: 'Seu perfil não permite esta ação.',
  OMAUM_AUTH_REQUIRED: 'Sua sessão expirou. Entre de novo.',
  OMAUM_AUTH_TOKEN_INVALID: 'Sua sessão expirou. Entre de novo.',
};
const FAILED = 'Não foi possível iniciar a importação. Tente de novo.';
const OFFLINE = 'Sem conexão com o servidor. Tente novamente.';
const EMPTY = 'Escolha um arquivo ou cole o conteúdo dele.';
const UNREADABLE = 'O arquivo não pôde ser lido.';

/**
 * @param {string} name
 * @param {string} text
 * @returns {'csv' | 'json'}
 */
function guessFormat(name, text) {
  if (/\.json$/i.test(name)) return 'json';
  if (/\.csv$/i.test(name)) return 'csv';
  return text.trimStart().startsWith('[') ? 'json' : 'csv';
}

/** @param {string} code */
function messageFor(code) {
  return code in ERRORS ? ERRORS[/** @type {keyof typeof ERRORS} */ (code)] : FAILED;
}

/**
 * @param {HTMLFormElement} form
 * @param {string} text '' hides the message
 */
function showError(form, text) {
  const box = form.parentElement?.querySelector('[data-import-error]');
  if (!(box instanceof HTMLElement)) return;
  box.textContent = text;
  box.hidden = text === '';
}

/**
 * @param {HTMLFormElement} form
 * @param {HTMLInputElement} input
 */
async function readFile(form, input) {
  const file = input.files?.[0];
  const status = form.querySelector('[data-import-file-status]');
  const content = form.elements.namedItem('content');
  const format = form.elements.namedItem('format');
  if (!file || !(content instanceof HTMLTextAreaElement)) return;
  let text;
  try {
    text = await file.text();
  } catch {
    showError(form, UNREADABLE);
    return;
  }
  content.value = text;
  if (format instanceof HTMLSelectElement) format.value = guessFormat(file.name, text);
  const lineCount = text.split('\n').filter((line) => line.trim() !== '').length;
  if (status) status.textContent = `Arquivo ${file.name} lido: ${lineCount} linha(s).`;
  showError(form, '');
}

/** @param {HTMLFormElement} form */
async function submit(form) {
  const data = new FormData(form);
  const content = data.get('content');
  if (typeof content !== 'string' || content.trim() === '') {
    showError(form, EMPTY);
    return;
  }
  const button = form.querySelector('[data-import-submit]');
  if (button instanceof HTMLButtonElement) button.disabled = true;
  showError(form, '');
  const body = {
    format: data.get('format') === 'json' ? 'json' : 'csv',
    content,
    partial: data.get('partial') === 'true',
  };
  const answer = await call('POST', `/cohorts/${form.dataset.cohortId}/attendance/import`, body);
  if (answer.ok) {
    const { jobId } = /** @type {{ jobId: string }} */ (answer.data);
    window.location.assign(`${form.action}/${encodeURIComponent(jobId)}`);
    return;
  }
  showError(form, answer.status === 0 ? OFFLINE : messageFor(errorCode(answer)));
  if (button instanceof HTMLButtonElement) button.disabled = false;
}

const form = document.querySelector('form[data-import-form]');
if (form instanceof HTMLFormElement) {
  const input = form.querySelector('[data-import-file]');
  if (input instanceof HTMLInputElement) {
    input.addEventListener('change', () => void readFile(form, input));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit(form);
  });
}
