// @ts-check
/**
 * The attendance grid's table. Built once per set of sessions; afterwards
 * only the cells and totals that change are touched. Cells are buttons with
 * a roving tabindex: the grid is one stop in the tab order, arrows move
 * inside it (row -1 is the "todos presentes" button of each column).
 */
import { displayPct, isShortfall } from './grid-rules.js';
import { cellKey } from './grid-state.js';
import { dayMonth, formatPct, fullDate, statusLabel, weekday } from './grid-format.js';

/** @typedef {import('./grid-state.js').GridState} GridState */
/** @typedef {import('./grid-state.js').Session} Session */
/** @typedef {import('./grid-state.js').Student} Student */
/** @typedef {import('./grid-state.js').Group} Group */

const TOTAL_HEADS = [
  { text: 'P', title: 'Presenças' },
  { text: 'F', title: 'Faltas' },
  { text: 'J', title: 'Faltas justificadas' },
  { text: 'V', title: 'Voluntários (V1 + V2)' },
  { text: '%', title: 'Frequência: presenças sobre dias esperados' },
];

const SITUATIONS = /** @type {Record<string, string>} */ ({
  on_leave: 'afastado',
  disconnected: 'desligado',
  deceased: 'falecido',
  excluded: 'excluído',
});

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class GridView {
  /**
   * @param {HTMLElement} host where the table goes
   * @param {GridState} state
   * @param {{minAttendancePct: number, caption: string}} options
   */
  constructor(host, state, options) {
    this.host = host;
    this.state = state;
    this.minAttendancePct = options.minAttendancePct;
    this.caption = options.caption;
    /** @type {HTMLButtonElement[][]} */
    this.matrix = [];
    /** @type {HTMLButtonElement[]} */
    this.heads = [];
    /** @type {Map<number, HTMLTableCellElement[][]>} per student, per group: P F J V % */
    this.totals = new Map();
    /** @type {HTMLTableElement | null} */
    this.table = null;
    /** @type {Set<number>} the first session of each group, drawn with a divider */
    this.firsts = new Set();
    this.active = { row: 0, col: 0 };
  }

  /** Builds the whole table again (first render, and when sessions change). */
  build() {
    const startedAt = performance.now();
    const hadFocus = this.table?.contains(document.activeElement) ?? false;
    const table = /** @type {HTMLTableElement} */ (element('table', 'att-grid'));
    table.setAttribute('role', 'grid');
    table.setAttribute('aria-labelledby', 'grid-title');
    table.setAttribute('aria-describedby', 'grid-help');
    table.setAttribute('aria-readonly', String(!this.state.canEdit));
    this.matrix = [];
    this.heads = [];
    this.totals = new Map();
    this.firsts = new Set(this.state.groups.map((group) => group.sessions[0]?.id ?? 0));
    table.append(element('caption', 'visually-hidden', this.caption), this.header(), this.body());
    this.host.replaceChildren(table);
    this.table = table;
    this.renderAll();
    this.active = this.clamp(this.active.row, this.active.col);
    this.tabStop()?.setAttribute('tabindex', '0');
    if (hadFocus) this.tabStop()?.focus();
    table.dataset.renderMs = String(Math.round(performance.now() - startedAt));
  }

  /**
   * Replaces the table with a note (no students, or no sessions yet).
   * @param {string} text
   */
  showEmpty(text) {
    this.table = null;
    this.matrix = [];
    this.heads = [];
    this.totals = new Map();
    this.host.replaceChildren(element('p', 'empty', text));
  }

  header() {
    const thead = element('thead');
    const groupsRow = element('tr', 'g-activities');
    const datesRow = element('tr', 'g-dates');
    const actionsRow = element('tr', 'g-actions');
    const name = element('th', 'g-name', 'Aluno');
    name.setAttribute('scope', 'col');
    name.setAttribute('rowspan', '3');
    groupsRow.append(name);

    for (const group of this.state.groups) groupsRow.append(this.groupHead(group));
    for (const group of this.state.groups) {
      const head = element('th', 'g-total-head', `${group.activity.name}: totais`);
      head.setAttribute('scope', 'colgroup');
      head.setAttribute('colspan', String(TOTAL_HEADS.length));
      groupsRow.append(head);
    }
    this.state.columns.forEach((session, col) => {
      datesRow.append(this.dateHead(session));
      actionsRow.append(this.columnAction(session, col));
    });
    for (const group of this.state.groups) {
      for (const [index, total] of TOTAL_HEADS.entries()) {
        const head = element('th', index === 0 ? 'g-first num' : 'num', total.text);
        head.setAttribute('scope', 'col');
        head.title = `${total.title} em ${group.activity.name}`;
        datesRow.append(head);
      }
    }
    const filler = element('td', 'g-first');
    filler.setAttribute('colspan', String(this.state.groups.length * TOTAL_HEADS.length));
    actionsRow.append(filler);
    thead.append(groupsRow, datesRow, actionsRow);
    return thead;
  }

  /** @param {Group} group */
  groupHead(group) {
    const head = element('th', 'g-activity', group.activity.name);
    head.setAttribute('scope', 'colgroup');
    head.setAttribute('colspan', String(group.sessions.length));
    if (group.activity.mode === 'convocation') {
      head.append(' ', element('span', 'badge', 'convocação'));
    }
    if (group.activity.isArchived) head.append(' ', element('span', 'badge', 'arquivada'));
    return head;
  }

  /** @param {Session} session */
  dateHead(session) {
    const head = element('th', this.firstOfGroup(session) ? 'g-date g-first' : 'g-date');
    head.setAttribute('scope', 'col');
    head.append(element('span', 'g-day', dayMonth(session.date)));
    head.append(element('span', 'g-weekday', weekday(session.date).slice(0, 3)));
    if (session.extra) head.append(element('span', 'badge', 'extra'));
    const details = [session.time, session.subject].filter(Boolean).join(' · ');
    const when = `${fullDate(session.date)}, ${weekday(session.date)}`;
    head.title = details ? `${when} · ${details}` : when;
    return head;
  }

  /**
   * @param {Session} session
   * @param {number} col
   */
  columnAction(session, col) {
    const cell = element('td', this.firstOfGroup(session) ? 'g-first' : '');
    const button = /** @type {HTMLButtonElement} */ (element('button', 'g-all', 'todos P'));
    button.type = 'button';
    button.tabIndex = -1;
    button.dataset.col = String(col);
    const label = `Marcar presentes os pendentes de ${this.columnName(session)}`;
    button.setAttribute('aria-label', label);
    button.title = `${label} (Shift+P numa célula da coluna)`;
    // Nobody is expected at an extra session: there is no one to mark present.
    if (!this.state.canEdit || session.extra) button.disabled = true;
    this.heads.push(button);
    cell.append(button);
    return cell;
  }

  body() {
    const tbody = element('tbody');
    const fragment = document.createDocumentFragment();
    this.state.students.forEach((student, row) => fragment.append(this.studentRow(student, row)));
    tbody.append(fragment);
    return tbody;
  }

  /**
   * @param {Student} student
   * @param {number} row
   */
  studentRow(student, row) {
    const tr = element('tr');
    const name = element('th', 'g-name');
    name.setAttribute('scope', 'row');
    name.append(element('span', 'g-student', student.fullName));
    const situation = SITUATIONS[student.situation];
    const note = `nº ${student.initiaticNumber}${situation ? ` · ${situation}` : ''}`;
    name.append(element('small', 'g-note', note));
    tr.append(name);

    /** @type {HTMLButtonElement[]} */
    const buttons = [];
    this.state.columns.forEach((session, col) => {
      const td = element('td', this.firstOfGroup(session) ? 'g-cell g-first' : 'g-cell');
      const button = /** @type {HTMLButtonElement} */ (element('button', 'mk'));
      button.type = 'button';
      button.tabIndex = -1;
      button.dataset.row = String(row);
      button.dataset.col = String(col);
      td.append(button);
      tr.append(td);
      buttons.push(button);
    });
    this.matrix.push(buttons);

    /** @type {HTMLTableCellElement[][]} */
    const groups = this.state.groups.map(() =>
      TOTAL_HEADS.map((_, index) => {
        const td = /** @type {HTMLTableCellElement} */ (element('td', 'num g-total'));
        if (index === 0) td.classList.add('g-first');
        tr.append(td);
        return td;
      }),
    );
    this.totals.set(student.studentId, groups);
    return tr;
  }

  renderAll() {
    this.state.students.forEach((student, row) => {
      this.state.columns.forEach((session, col) => this.renderCell(row, col));
      this.renderTotals(student);
    });
  }

  /**
   * Brings one cell in line with the state: text, classes and spoken label.
   * @param {number} row
   * @param {number} col
   */
  renderCell(row, col) {
    const button = this.matrix[row]?.[col];
    const student = this.state.students[row];
    const session = this.state.columns[col];
    if (!button || !student || !session) return;
    const key = cellKey(session.id, student.studentId);
    const value = this.state.value(session.id, student.studentId);
    const isEditable = this.state.isEditable(session, student);
    const isPending = this.state.isPending(session, student);
    const problem = this.state.problems.get(key);

    button.textContent = value.status ?? '';
    button.className = this.cellClasses(value, {
      isEditable,
      isPending,
      isChanged: this.state.isChanged(key),
      isFuture: this.state.isFuture(session),
      hasProblem: problem !== undefined,
    });
    button.setAttribute('aria-disabled', String(!isEditable));
    if (problem) button.setAttribute('aria-invalid', 'true');
    else button.removeAttribute('aria-invalid');
    button.title = problem ?? '';
    button.setAttribute('aria-label', this.cellLabel(student, session, key, isPending));
  }

  /**
   * @param {import('./grid-state.js').CellValue} value
   * @param {{isEditable: boolean, isPending: boolean, isChanged: boolean,
   *   isFuture: boolean, hasProblem: boolean}} flags
   */
  cellClasses(value, flags) {
    const classes = ['mk'];
    if (value.status) classes.push(`s-${value.status}`);
    if (value.summoned) classes.push('summoned');
    if (value.justification && (value.status === 'F' || value.status === 'J')) {
      classes.push('noted');
    }
    if (!flags.isEditable) classes.push('off');
    if (flags.isPending) classes.push('pending');
    if (flags.isChanged) classes.push('changed');
    if (flags.isFuture) classes.push('future');
    if (flags.hasProblem) classes.push('invalid');
    return classes.join(' ');
  }

  /**
   * "Ana Lima, Aulas 05/03: Presente", with what else a sighted user sees.
   * @param {Student} student
   * @param {Session} session
   * @param {string} key
   * @param {boolean} isPending
   */
  cellLabel(student, session, key, isPending) {
    const value = this.state.value(session.id, student.studentId);
    const parts = [
      `${student.fullName}, ${this.columnName(session)}: ${statusLabel(value.status)}`,
    ];
    if (value.summoned) parts.push('convocado');
    if (isPending) parts.push('pendente');
    if (!this.state.isEditable(session, student) && this.state.canEdit) {
      parts.push('não editável (fora da matrícula ou arquivado)');
    }
    if (this.state.isChanged(key)) parts.push('não salvo');
    const problem = this.state.problems.get(key);
    if (problem) parts.push(`erro: ${problem}`);
    return parts.join(', ');
  }

  /** @param {Student} student */
  renderTotals(student) {
    const cells = this.totals.get(student.studentId);
    if (!cells) return;
    this.state.groups.forEach((group, index) => {
      const row = cells[index];
      if (!row) return;
      const counters = this.state.counters(student, group);
      const pct = displayPct(counters.present, counters.expected);
      const values = [
        counters.present,
        counters.absent,
        counters.excused,
        counters.volunteerExtra + counters.volunteerSimple,
      ];
      values.forEach((value, i) => {
        const td = row[i];
        if (td && td.textContent !== String(value)) td.textContent = String(value);
      });
      const pctCell = row[4];
      if (!pctCell) return;
      pctCell.textContent = formatPct(pct);
      pctCell.classList.toggle('shortfall', isShortfall(counters, this.minAttendancePct));
      pctCell.title = counters.pending > 0 ? `${counters.pending} pendente(s) fora do cálculo` : '';
    });
  }

  /** @param {Session} session */
  columnName(session) {
    const activity = this.state.activityById.get(session.activityId);
    const slot = session.slot > 1 ? ` (${session.slot}º)` : '';
    return `${activity?.name ?? ''} ${dayMonth(session.date)}${slot}`;
  }

  /** @param {Session} session */
  firstOfGroup(session) {
    return this.firsts.has(session.id);
  }

  /**
   * The focusable element at a position; row -1 is the column's header button.
   * @param {number} row
   * @param {number} col
   */
  at(row, col) {
    return row === -1 ? this.heads[col] : this.matrix[row]?.[col];
  }

  tabStop() {
    return this.at(this.active.row, this.active.col);
  }

  /**
   * @param {number} row
   * @param {number} col
   */
  clamp(row, col) {
    const lastRow = this.matrix.length - 1;
    const lastCol = this.state.columns.length - 1;
    return {
      row: Math.max(-1, Math.min(row, lastRow)),
      col: Math.max(0, Math.min(col, lastCol)),
    };
  }

  /**
   * Moves the roving tab stop and the focus.
   * @param {number} row
   * @param {number} col
   */
  focus(row, col) {
    const target = this.clamp(row, col);
    const next = this.at(target.row, target.col);
    if (!next || next.disabled) return;
    this.tabStop()?.setAttribute('tabindex', '-1');
    this.active = target;
    next.setAttribute('tabindex', '0');
    next.focus();
  }

  /**
   * Where a grid element sits, or null for anything else.
   * @param {EventTarget | null} target
   */
  positionOf(target) {
    if (!(target instanceof HTMLButtonElement)) return null;
    const col = Number(target.dataset.col);
    if (target.classList.contains('g-all')) return { row: -1, col };
    if (!target.classList.contains('mk')) return null;
    return { row: Number(target.dataset.row), col };
  }
}
