// @ts-check
/**
 * The panel under the grid that shows the focused cell: who, which day,
 * the status, the summons of a convocation activity and, for absences, a
 * labelled field for the justification. Enter on a cell jumps into it, Esc
 * goes back to the cell.
 */
import { byId } from './grid-page.js';
import { fullDate, statusLabel, weekday } from './grid-format.js';

/** @typedef {import('./grid-page.js').GridPage} GridPage */

/**
 * @param {GridPage} page
 * @returns {() => void} what Enter on a cell does
 */
export function attachPanel(page) {
  const panel = byId('cell-panel', HTMLElement);
  const title = byId('cell-panel-title', HTMLElement);
  const status = byId('cell-panel-status', HTMLElement);
  const summonField = byId('cell-summon-field', HTMLElement);
  const summon = byId('cell-summon', HTMLInputElement);
  const noteField = byId('cell-note-field', HTMLElement);
  const note = byId('cell-note', HTMLTextAreaElement);
  /** @type {{row: number, col: number} | null} */
  let shown = null;

  const render = () => {
    const { row, col } = page.view.active;
    const cell = row >= 0 ? page.cellAt(row, col) : null;
    panel.hidden = cell === null || !page.view.table;
    if (!cell) return;
    const { session, student } = cell;
    const value = page.state.value(session.id, student.studentId);
    const isEditable = page.state.isEditable(session, student);
    const isSameCell = shown?.row === row && shown.col === col;
    shown = { row, col };

    title.textContent = `${student.fullName} · ${page.view.columnName(session)}`;
    status.textContent =
      `${fullDate(session.date)} (${weekday(session.date)}): ${statusLabel(value.status)}` +
      (page.state.isPending(session, student) ? ' · pendente' : '');
    summonField.hidden = !page.state.isConvocation(session);
    summon.checked = value.summoned;
    summon.disabled = !isEditable;
    noteField.hidden = value.status !== 'F' && value.status !== 'J';
    note.disabled = !isEditable;
    // Never rewrite the field under the user's fingers.
    if (!isSameCell || document.activeElement !== note) note.value = value.justification ?? '';
  };

  page.listeners.push(render);
  page.view.host.addEventListener('focusin', render);
  summon.addEventListener('change', () => {
    if (shown) page.setSummoned(shown.row, shown.col, summon.checked);
  });
  note.addEventListener('input', () => {
    if (shown) page.setJustification(shown.row, shown.col, note.value);
  });
  panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !shown) return;
    event.preventDefault();
    page.view.focus(shown.row, shown.col);
  });

  return () => {
    render();
    if (!noteField.hidden && !note.disabled) note.focus();
    else if (!summonField.hidden && !summon.disabled) summon.focus();
    else page.announce('Esta célula não tem justificativa nem convocação para editar.');
  };
}
