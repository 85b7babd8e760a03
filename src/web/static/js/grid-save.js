// @ts-check
/**
 * One save for the whole grid: PUT the month with the changed cells, each
 * with the version it was made over. 200 refreshes the grid from the answer;
 * 409 asks the user about each conflict and sends again; 422 marks the
 * refused cells with the reason in pt-BR.
 */
import { call, errorCode } from './grid-api.js';
import { askConflicts } from './grid-conflicts.js';
import { RULE_MESSAGES } from './grid-format.js';
import { byId } from './grid-page.js';
import { cellKey } from './grid-state.js';

/** @typedef {import('./grid-page.js').GridPage} GridPage */
/** @typedef {import('./grid-api.js').ApiAnswer} ApiAnswer */
/** @typedef {import('./grid-state.js').Grid} Grid */
/** @typedef {import('./grid-state.js').Conflict} Conflict */
/** @typedef {import('./grid-state.js').Stored} Stored */
/**
 * @typedef {object} Violation
 * @property {number} studentId
 * @property {number} sessionId
 * @property {string} rule
 * @property {string} message
 */

/** @param {GridPage} page */
export function attachSave(page) {
  const button = byId('grid-save', HTMLButtonElement);
  const discard = byId('grid-discard', HTMLButtonElement);
  button.addEventListener('click', () => void save(page));
  discard.addEventListener('click', () => discardChanges(page));
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      void save(page);
    }
  });
  page.listeners.push(() => {
    const isIdle = !page.isSaving && page.state.canEdit;
    button.disabled = !isIdle || page.state.changeCount === 0;
    discard.disabled = !isIdle || page.state.changeCount === 0;
    button.textContent = page.isSaving ? 'Salvando…' : 'Salvar';
  });
}

/**
 * Sends every change; settles conflicts with the user and sends again.
 * @param {GridPage} page
 */
export async function save(page) {
  if (page.isSaving || page.state.changeCount === 0) return;
  const { body, sent } = page.state.saveBody();
  page.isSaving = true;
  page.changed();
  const answer = await call('PUT', page.apiPath, body);
  page.isSaving = false;

  if (answer.ok) {
    saved(page, /** @type {Grid & {changed: number}} */ (answer.data), sent);
    return;
  }
  const code = errorCode(answer);
  const details = /** @type {{details?: {conflicts?: Conflict[], violations?: Violation[]}}} */ (
    answer.data ?? {}
  ).details;
  if (code === 'OMAUM_MARK_VERSION_CONFLICT' && details?.conflicts) {
    await conflicted(page, details.conflicts);
  } else if (code === 'OMAUM_MARK_RULE_VIOLATION' && details?.violations) {
    refused(page, details.violations);
  } else {
    failed(page, answer, code);
  }
}

/**
 * @param {GridPage} page
 * @param {Grid & {changed: number}} grid
 * @param {Map<string, Stored>} sent
 */
function saved(page, grid, sent) {
  const isSameShape = sameIds(page.state.grid, grid);
  page.state.applySaved(grid, sent);
  page.alert(null);
  if (isSameShape) {
    page.view.renderAll();
    page.refreshed();
  } else {
    page.draw();
  }
  const time = new Date().toLocaleTimeString('pt-BR', { hour: '2-digit', minute: '2-digit' });
  page.announce(`Salvo às ${time}: ${grid.changed} registro(s) gravado(s).`);
}

/**
 * Whether two reads of the month have the same sessions and students, so the
 * table can be updated in place instead of built again.
 * @param {Grid} before
 * @param {Grid} after
 */
function sameIds(before, after) {
  const ids = (/** @type {Grid} */ grid) =>
    [...grid.sessions.map((s) => `s${s.id}`), ...grid.students.map((s) => `a${s.studentId}`)]
      .sort()
      .join();
  return ids(before) === ids(after);
}

/**
 * @param {GridPage} page
 * @param {Conflict[]} conflicts
 */
async function conflicted(page, conflicts) {
  page.alert(text('Outra pessoa mudou algumas destas presenças; nada foi salvo ainda.'));
  const choices = await askConflicts(page, conflicts);
  if (choices === null) {
    page.alert(text('Nada foi salvo: escolha o que fazer com os conflitos salvando de novo.'));
    return;
  }
  conflicts.forEach((conflict, index) => {
    page.state.resolve(conflict, choices[index] ?? 'theirs');
  });
  page.view.renderAll();
  page.alert(null);
  page.changed();
  if (page.state.changeCount > 0) await save(page);
  else page.announce('A grade agora mostra os valores da outra pessoa.');
}

/**
 * Marks each refused cell and lists the reasons, each a way back to its cell.
 * @param {GridPage} page
 * @param {Violation[]} violations
 */
function refused(page, violations) {
  const list = document.createElement('ul');
  for (const violation of violations) {
    const reason = RULE_MESSAGES[violation.rule] ?? violation.message;
    page.state.problems.set(cellKey(violation.sessionId, violation.studentId), reason);
    list.append(violationItem(page, violation, reason));
  }
  page.view.renderAll();
  const intro = text(
    `Nada foi salvo: ${violations.length} presença(s) não seguem as regras. ` +
      'Corrija as células marcadas e salve de novo.',
  );
  const box = document.createElement('div');
  box.append(intro, list);
  page.alert(box);
  page.changed();
}

/**
 * @param {GridPage} page
 * @param {Violation} violation
 * @param {string} reason
 */
function violationItem(page, violation, reason) {
  const row = page.state.students.findIndex((s) => s.studentId === violation.studentId);
  const col = page.state.columns.findIndex((s) => s.id === violation.sessionId);
  const cell = page.cellAt(row, col);
  const li = document.createElement('li');
  const where = cell
    ? `${cell.student.fullName}, ${page.view.columnName(cell.session)}`
    : `Aluno ${violation.studentId}`;
  if (!cell) {
    li.textContent = `${where}: ${reason}`;
    return li;
  }
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link';
  button.textContent = where;
  button.addEventListener('click', () => page.view.focus(row, col));
  li.append(button, `: ${reason}`);
  return li;
}

/**
 * @param {GridPage} page
 * @param {ApiAnswer} answer
 * @param {string} code
 */
function failed(page, answer, code) {
  if (answer.status === 0) {
    page.alert(
      text('Sem conexão com o servidor. Suas alterações continuam na tela; salve de novo.'),
    );
  } else if (answer.status === 401) {
    page.alert(
      text(
        'Sua sessão terminou. Entre de novo em outra aba (suas alterações continuam nesta) ' +
          'e salve outra vez.',
      ),
    );
  } else {
    const fallback =
      `Não foi possível salvar (erro ${answer.status}). ` + 'Suas alterações continuam na tela.';
    page.alert(text(page.message(code, fallback)));
  }
  page.changed();
}

/** @param {GridPage} page */
function discardChanges(page) {
  const count = page.state.changeCount;
  if (count === 0 || !window.confirm(`Descartar ${count} alteração(ões) não salva(s)?`)) return;
  page.state.edits.clear();
  page.state.problems.clear();
  page.view.renderAll();
  page.alert(null);
  page.changed();
  page.announce('Alterações descartadas.');
}

/** @param {string} content */
function text(content) {
  const paragraph = document.createElement('p');
  paragraph.textContent = content;
  return paragraph;
}
