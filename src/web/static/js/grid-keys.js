// @ts-check
/**
 * Mouse and keyboard on the grid, by event delegation on its host: one
 * listener for 1 500 cells. Arrows, Home/End and PageUp/PageDown move;
 * P F J 1 2 set; Delete and Backspace clear; Space and click cycle; C
 * summons; Shift+P marks the column; Enter opens the cell's details.
 */

/** @typedef {import('./grid-page.js').GridPage} GridPage */
/** @typedef {import('./grid-rules.js').Status} Status */

/** @type {Record<string, [number, number]>} */
const MOVES = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
  PageUp: [-10, 0],
  PageDown: [10, 0],
};

/** @type {Record<string, Status>} */
const STATUS_KEYS = { p: 'P', f: 'F', j: 'J', 1: 'V1', 2: 'V2' };

/**
 * @param {GridPage} page
 * @param {() => void} openDetails Enter on a cell
 */
export function attachKeys(page, openDetails) {
  const host = page.view.host;
  host.addEventListener('click', (event) => onClick(page, event));
  host.addEventListener('keydown', (event) => onKey(page, event, openDetails));
  host.addEventListener('focusin', (event) => {
    const position = page.view.positionOf(event.target);
    if (position) page.view.focus(position.row, position.col);
  });
}

/**
 * @param {GridPage} page
 * @param {MouseEvent} event
 */
function onClick(page, event) {
  const target = event.target instanceof Element ? event.target.closest('button') : null;
  const position = page.view.positionOf(target);
  if (!position) return;
  if (position.row === -1) page.markColumn(position.col);
  else page.cycle(position.row, position.col);
}

/**
 * @param {GridPage} page
 * @param {KeyboardEvent} event
 * @param {() => void} openDetails
 */
function onKey(page, event, openDetails) {
  const position = page.view.positionOf(event.target);
  if (!position || event.altKey || event.metaKey) return;
  if (move(page, event, position)) {
    event.preventDefault();
    return;
  }
  if (event.ctrlKey || position.row === -1) return;
  const action = actionOf(event);
  if (!action) return;
  event.preventDefault();
  const { row, col } = position;
  if (action === 'column') page.markColumn(col);
  else if (action === 'summon') page.setSummoned(row, col);
  else if (action === 'details') openDetails();
  else if (action === 'clear') page.setStatus(row, col, null);
  else page.setStatus(row, col, action);
}

/**
 * Moves the focus for arrows, Home/End (Ctrl: whole grid) and PageUp/PageDown.
 * @param {GridPage} page
 * @param {KeyboardEvent} event
 * @param {{row: number, col: number}} from
 * @returns {boolean} whether the key was a move
 */
function move(page, event, from) {
  const step = MOVES[event.key];
  if (step && !event.ctrlKey) {
    page.view.focus(from.row + step[0], from.col + step[1]);
    return true;
  }
  const lastCol = page.state.columns.length - 1;
  if (event.key === 'Home') {
    page.view.focus(event.ctrlKey ? 0 : from.row, 0);
    return true;
  }
  if (event.key === 'End') {
    page.view.focus(event.ctrlKey ? page.state.students.length - 1 : from.row, lastCol);
    return true;
  }
  return false;
}

/**
 * What a key does to a cell; null for keys the grid leaves alone (Space
 * and Tab keep their usual meaning: click, and leave the grid).
 * @param {KeyboardEvent} event
 * @returns {Status | 'clear' | 'summon' | 'column' | 'details' | null}
 */
function actionOf(event) {
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (key === 'p' && event.shiftKey) return 'column';
  const status = STATUS_KEYS[key];
  if (status) return status;
  if (key === 'Delete' || key === 'Backspace') return 'clear';
  if (key === 'c') return 'summon';
  if (key === 'Enter') return 'details';
  return null;
}
