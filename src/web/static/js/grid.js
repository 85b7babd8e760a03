// @ts-check
/**
 * The attendance grid page (/turmas/:id/frequencia/:mes). The server embeds
 * the month in a JSON data island; this builds the table from it and wires
 * keyboard, mouse, the details panel, sessions, saving, and the warning
 * before leaving with unsaved changes.
 */
import { attachKeys } from './grid-keys.js';
import { GridPage, byId } from './grid-page.js';
import { attachPanel } from './grid-panel.js';
import { attachSave } from './grid-save.js';
import { attachSessions } from './grid-sessions.js';

/** @typedef {import('./grid-page.js').PageData} PageData */

function start() {
  const island = byId('grid-data', HTMLScriptElement);
  const data = /** @type {PageData} */ (JSON.parse(island.textContent ?? '{}'));
  const page = new GridPage(data);

  attachKeys(page, attachPanel(page));
  attachSave(page);
  attachSessions(page);
  window.addEventListener('beforeunload', (event) => {
    if (page.state.changeCount === 0) return;
    event.preventDefault();
    // Older browsers show the prompt only when returnValue is set.
    event.returnValue = '';
  });
  page.draw();
}

start();
