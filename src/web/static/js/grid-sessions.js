// @ts-check
/**
 * "Adicionar dias": the month's suggested dates per activity (lessons on the
 * cohort's weekday, full moons for rituals), any other date, and removing a
 * day that has no marks. Changes go straight to the API; the grid is then
 * read again, keeping the user's unsaved changes.
 */
import { call, errorCode } from './grid-api.js';
import { dayMonth, parseBrazilianDate, weekday } from './grid-format.js';
import { byId } from './grid-page.js';

/** @typedef {import('./grid-page.js').GridPage} GridPage */
/** @typedef {import('./grid-state.js').Grid} Grid */
/** @typedef {import('./grid-state.js').Session} Session */
/**
 * @typedef {object} Suggestion
 * @property {number} activityId
 * @property {string} name
 * @property {{date: string, hasSession: boolean}[]} dates
 */

/** @param {GridPage} page */
export function attachSessions(page) {
  const toggle = byId('sessions-toggle', HTMLButtonElement);
  const panel = byId('sessions-panel', HTMLElement);
  if (!page.state.canEdit) {
    toggle.hidden = true;
    return;
  }
  toggle.addEventListener('click', () => {
    const isOpen = panel.hidden;
    panel.hidden = !isOpen;
    toggle.setAttribute('aria-expanded', String(isOpen));
    if (isOpen) void loadSuggestions(page);
  });
  byId('sessions-create', HTMLButtonElement).addEventListener('click', () => {
    void createChecked(page);
  });
  byId('session-add', HTMLButtonElement).addEventListener('click', () => void addFreeDate(page));
  byId('sessions-existing', HTMLElement).addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button') : null;
    const id = Number(button?.getAttribute('data-session'));
    if (id > 0) void removeSession(page, id);
  });
  page.refreshListeners.push(() => listExisting(page));
  if (page.state.columns.length === 0) toggle.click();
}

/** @param {GridPage} page */
async function loadSuggestions(page) {
  const host = byId('sessions-suggested', HTMLElement);
  const path = `/cohorts/${page.data.cohort.id}/session-suggestions?month=${page.data.month}`;
  const answer = await call('GET', path);
  if (!answer.ok) {
    host.replaceChildren(note('Não foi possível carregar as datas sugeridas.'));
    return;
  }
  const items = /** @type {{items: Suggestion[]}} */ (answer.data).items;
  fillActivities(items);
  const groups = items.filter((item) => item.dates.length > 0).map(suggestionGroup);
  host.replaceChildren(
    ...(groups.length > 0 ? groups : [note('Nenhuma data sugerida para este mês.')]),
  );
}

/** @param {Suggestion} item */
function suggestionGroup(item) {
  const fieldset = document.createElement('fieldset');
  fieldset.className = 'suggested';
  const legend = document.createElement('legend');
  legend.textContent = item.name;
  fieldset.append(legend);
  for (const { date, hasSession } of item.dates) {
    const label = document.createElement('label');
    label.className = 'check';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.dataset.activity = String(item.activityId);
    box.dataset.date = date;
    box.checked = hasSession;
    box.disabled = hasSession;
    const suffix = hasSession ? ' (já criado)' : '';
    label.append(box, ` ${weekday(date).slice(0, 3)} ${dayMonth(date)}${suffix}`);
    fieldset.append(label);
  }
  return fieldset;
}

/** @param {Suggestion[]} items activities that take new sessions */
function fillActivities(items) {
  const select = byId('session-activity', HTMLSelectElement);
  const current = select.value;
  select.replaceChildren(
    ...items.map((item) => {
      const option = document.createElement('option');
      option.value = String(item.activityId);
      option.textContent = item.name;
      return option;
    }),
  );
  if (current) select.value = current;
}

/** @param {GridPage} page */
async function createChecked(page) {
  const boxes = document.querySelectorAll('#sessions-suggested input:checked:not(:disabled)');
  /** @type {Map<string, {date: string}[]>} */
  const byActivity = new Map();
  for (const box of boxes) {
    if (!(box instanceof HTMLInputElement)) continue;
    const activity = box.dataset.activity ?? '';
    byActivity.set(activity, [
      ...(byActivity.get(activity) ?? []),
      { date: box.dataset.date ?? '' },
    ]);
  }
  if (byActivity.size === 0) {
    page.announce('Marque ao menos uma data sugerida.');
    return;
  }
  for (const [activityId, sessions] of byActivity) {
    const answer = await call('POST', `/activities/${activityId}/sessions/bulk`, { sessions });
    if (!answer.ok) {
      page.alert(paragraph(page.message(errorCode(answer), 'Não foi possível criar os dias.')));
      break;
    }
  }
  await reloadGrid(page, `${boxes.length} dia(s) criado(s).`);
}

/** @param {GridPage} page */
async function addFreeDate(page) {
  const input = byId('session-date', HTMLInputElement);
  const error = byId('session-date-error', HTMLElement);
  const activityId = Number(byId('session-activity', HTMLSelectElement).value);
  const date = parseBrazilianDate(input.value);
  const problem = dateProblem(date, page.data.month, activityId);
  error.textContent = problem;
  error.hidden = problem === '';
  input.setAttribute('aria-invalid', String(problem !== ''));
  if (problem !== '' || date === null) {
    input.focus();
    return;
  }
  const twin = page.state.grid.sessions.find((s) => s.activityId === activityId && s.date === date);
  if (
    twin &&
    !window.confirm(`Já existe um dia desta atividade em ${dayMonth(date)}. Criar outro?`)
  ) {
    return;
  }
  const extra = byId('session-extra', HTMLInputElement).checked;
  const answer = await call('POST', `/activities/${activityId}/sessions`, { date, extra });
  if (!answer.ok) {
    page.alert(paragraph(page.message(errorCode(answer), 'Não foi possível criar o dia.')));
    return;
  }
  input.value = '';
  await reloadGrid(page, `Dia ${dayMonth(date)} criado.`);
}

/**
 * @param {string | null} date
 * @param {string} month
 * @param {number} activityId
 */
function dateProblem(date, month, activityId) {
  if (!(activityId > 0)) return 'Escolha a atividade.';
  if (date === null) return 'Data inválida: use dd/mm/aaaa.';
  if (!date.startsWith(`${month}-`)) return 'A data precisa estar no mês desta grade.';
  return '';
}

/**
 * @param {GridPage} page
 * @param {number} sessionId
 */
async function removeSession(page, sessionId) {
  const session = page.state.sessionById.get(sessionId);
  if (!session) return;
  const hasEdits = [...page.state.edits.keys()].some((key) => key.startsWith(`${sessionId}:`));
  const question = hasEdits
    ? `${page.view.columnName(session)} tem alterações não salvas, que serão descartadas. Excluir?`
    : `Excluir o dia ${page.view.columnName(session)}?`;
  if (!window.confirm(question)) return;
  const answer = await call('DELETE', `/sessions/${sessionId}`);
  if (!answer.ok) {
    page.alert(paragraph(page.message(errorCode(answer), 'Não foi possível excluir o dia.')));
    return;
  }
  await reloadGrid(page, `Dia ${page.view.columnName(session)} excluído.`);
}

/**
 * Reads the month again and draws it, keeping unsaved changes.
 * @param {GridPage} page
 * @param {string} done what to announce
 */
async function reloadGrid(page, done) {
  const answer = await call('GET', page.apiPath);
  if (!answer.ok) {
    page.alert(paragraph('Não foi possível ler a grade de novo. Recarregue a página.'));
    return;
  }
  page.state.reload(/** @type {Grid} */ (answer.data));
  page.draw();
  page.announce(done);
  const panel = byId('sessions-panel', HTMLElement);
  if (!panel.hidden) await loadSuggestions(page);
}

/**
 * The month's sessions, with "Excluir" for those without any mark.
 * @param {GridPage} page
 */
function listExisting(page) {
  const list = byId('sessions-existing', HTMLElement);
  const marked = new Set([...page.state.server.keys()].map((key) => key.split(':')[0]));
  const items = page.state.columns.map((session) => {
    const li = document.createElement('li');
    li.append(`${page.view.columnName(session)}${session.extra ? ' (extra)' : ''}`);
    if (!marked.has(String(session.id))) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.dataset.session = String(session.id);
      button.textContent = 'Excluir';
      button.setAttribute('aria-label', `Excluir o dia ${page.view.columnName(session)}`);
      li.append(' ', button);
    }
    return li;
  });
  list.replaceChildren(...(items.length > 0 ? items : [note('Nenhum dia criado neste mês.')]));
}

/** @param {string} text */
function note(text) {
  const node = paragraph(text);
  node.className = 'hint';
  return node;
}

/** @param {string} text */
function paragraph(text) {
  const node = document.createElement('p');
  node.textContent = text;
  return node;
}
