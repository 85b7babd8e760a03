// @ts-check
/**
 * "Matricular alunos": filters the list of students as one types (the
 * checked boxes stay checked, even when hidden), counts the selection, and
 * checks or clears the visible ones. Without this script the filter is a
 * plain search form.
 */

/** Lower case, without accents, single spaces: as the server writes `data-search`. */
function searchKey(/** @type {string} */ text) {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

const filterForm = document.querySelector('form.enroll-filter');
const filterInput = document.getElementById('filtro-alunos');
const list = document.querySelector('ul.enroll-list');
const count = document.querySelector('.enroll-count');
const noMatch = document.querySelector('.enroll-no-match');
const selectVisible = document.querySelector('button.enroll-check-visible');
const clearSelection = document.querySelector('button.enroll-clear');

/** @returns {HTMLLIElement[]} */
function rows() {
  return list ? Array.from(list.querySelectorAll('li')) : [];
}

/** @returns {HTMLInputElement | null} */
function checkboxOf(/** @type {Element} */ row) {
  const box = row.querySelector('input[type="checkbox"]');
  return box instanceof HTMLInputElement ? box : null;
}

function updateCount() {
  if (!count) return;
  const selected = rows().filter((row) => checkboxOf(row)?.checked).length;
  count.textContent =
    selected === 0
      ? 'Nenhum aluno selecionado.'
      : selected === 1
        ? '1 aluno selecionado.'
        : `${selected} alunos selecionados.`;
}

function applyFilter() {
  if (!(filterInput instanceof HTMLInputElement)) return;
  const wanted = searchKey(filterInput.value);
  let visible = 0;
  for (const row of rows()) {
    const matches = wanted === '' || (row.dataset.search ?? '').includes(wanted);
    row.hidden = !matches;
    if (matches) visible += 1;
  }
  if (noMatch instanceof HTMLElement) noMatch.hidden = visible > 0;
}

function setVisible(/** @type {boolean} */ checked) {
  for (const row of rows()) {
    const box = checkboxOf(row);
    if (box && (!row.hidden || !checked)) box.checked = checked;
  }
  updateCount();
}

if (list && filterInput instanceof HTMLInputElement) {
  filterInput.addEventListener('input', applyFilter);
  list.addEventListener('change', updateCount);
  // The whole list is on the page: filter it here instead of reloading (and losing the ticks),
  // unless the server had more students than it could show.
  filterForm?.addEventListener('submit', (event) => {
    if (filterForm instanceof HTMLFormElement && filterForm.dataset.truncated !== '1') {
      event.preventDefault();
      applyFilter();
    }
  });
  for (const button of [selectVisible, clearSelection]) {
    if (button instanceof HTMLButtonElement) button.hidden = false;
  }
  selectVisible?.addEventListener('click', () => setVisible(true));
  clearSelection?.addEventListener('click', () => setVisible(false));
  updateCount();
}

// A module of its own: nothing here is global.
export {};
