// @ts-check
/**
 * The dialog shown when a save meets marks someone else changed: each
 * conflict with the user's value and the other person's, and a choice per
 * conflict or for all of them.
 */
import { byId } from './grid-page.js';
import { cellKey } from './grid-state.js';
import { statusLabel } from './grid-format.js';

/** @typedef {import('./grid-page.js').GridPage} GridPage */
/** @typedef {import('./grid-state.js').Conflict} Conflict */
/** @typedef {import('./grid-state.js').CellValue} CellValue */
/** @typedef {'mine' | 'theirs'} Choice */

/**
 * Asks the user; resolves with a choice per conflict, or null when the
 * dialog was closed without choosing (Esc or "Cancelar").
 * @param {GridPage} page
 * @param {Conflict[]} conflicts
 * @returns {Promise<Choice[] | null>}
 */
export function askConflicts(page, conflicts) {
  const dialog = byId('conflict-dialog', HTMLDialogElement);
  const list = byId('conflict-list', HTMLElement);
  list.replaceChildren(...conflicts.map((conflict, index) => item(page, conflict, index)));

  return new Promise((resolve) => {
    const listening = new AbortController();
    const { signal } = listening;
    /** @param {Choice[] | null} result */
    const finish = (result) => {
      listening.abort();
      dialog.close();
      resolve(result);
    };
    const everyone = (/** @type {Choice} */ choice) => conflicts.map(() => choice);
    const on = (/** @type {string} */ id, /** @type {() => void} */ handler) =>
      byId(id, HTMLButtonElement).addEventListener('click', handler, { signal });

    on('conflict-apply', () => finish(conflicts.map((_, index) => chosen(list, index))));
    on('conflict-mine-all', () => finish(everyone('mine')));
    on('conflict-theirs-all', () => finish(everyone('theirs')));
    on('conflict-cancel', () => finish(null));
    dialog.addEventListener('cancel', () => finish(null), { signal });
    dialog.showModal();
  });
}

/**
 * @param {HTMLElement} list
 * @param {number} index
 * @returns {Choice}
 */
function chosen(list, index) {
  const checked = list.querySelector(`input[name="conflict-${index}"]:checked`);
  return checked instanceof HTMLInputElement && checked.value === 'mine' ? 'mine' : 'theirs';
}

/**
 * One conflict: who, which day, "your value → their value", and the choice.
 * @param {GridPage} page
 * @param {Conflict} conflict
 * @param {number} index
 */
function item(page, conflict, index) {
  const session = page.state.sessionById.get(conflict.sessionId);
  const student = page.state.studentById.get(conflict.studentId);
  const fieldset = document.createElement('fieldset');
  fieldset.className = 'conflict';
  const legend = document.createElement('legend');
  const day = session ? page.view.columnName(session) : '';
  legend.textContent = `${student?.fullName ?? 'Aluno'} — ${day}`;

  const key = cellKey(conflict.sessionId, conflict.studentId);
  const mine =
    page.state.edits.get(key) ?? page.state.value(conflict.sessionId, conflict.studentId);
  const theirs = conflict.current ?? { status: null, summoned: false, justification: null };
  const change = document.createElement('p');
  change.append(
    'Seu valor: ',
    strong(describe(mine)),
    ' → de outra pessoa: ',
    strong(describe(theirs)),
  );

  fieldset.append(
    legend,
    change,
    radio(index, 'mine', 'Manter o meu', false),
    radio(index, 'theirs', 'Usar o deles', true),
  );
  return fieldset;
}

/** @param {CellValue} value */
function describe(value) {
  const parts = [statusLabel(value.status)];
  if (value.summoned) parts.push('convocado');
  if (value.justification) parts.push(`“${value.justification}”`);
  return parts.join(', ');
}

/** @param {string} text */
function strong(text) {
  const node = document.createElement('strong');
  node.textContent = text;
  return node;
}

/**
 * @param {number} index
 * @param {Choice} value
 * @param {string} text
 * @param {boolean} checked
 */
function radio(index, value, text, checked) {
  const label = document.createElement('label');
  label.className = 'check';
  const input = document.createElement('input');
  input.type = 'radio';
  input.name = `conflict-${index}`;
  input.value = value;
  input.checked = checked;
  label.append(input, ` ${text}`);
  return label;
}
