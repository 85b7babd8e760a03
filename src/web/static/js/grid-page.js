// @ts-check
/**
 * The attendance page: what a key, a click or a save does to the grid. The
 * state knows the rules and the changes, the view draws them; this glues the
 * two and talks to the user through the status and alert regions.
 */
import { dayMonth, statusLabel } from './grid-format.js';
import { isExpected, nextStatus } from './grid-rules.js';
import { GridState } from './grid-state.js';
import { GridView } from './grid-view.js';

/** @typedef {import('./grid-rules.js').Status} Status */
/** @typedef {import('./grid-state.js').Grid} Grid */
/** @typedef {import('./grid-state.js').Stored} Stored */

/**
 * What the server put in the page's data island.
 * @typedef {object} PageData
 * @property {Grid} grid
 * @property {{id: number, name: string, minAttendancePct: number}} cohort
 * @property {string} month
 * @property {string} today
 * @property {boolean} canEdit
 * @property {Record<string, string>} messages pt-BR text of each error code
 */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`#${id} is missing from the page`);
  return found;
}

export class GridPage {
  /** @param {PageData} data */
  constructor(data) {
    this.data = data;
    this.state = new GridState(data.grid, { today: data.today, canEdit: data.canEdit });
    this.view = new GridView(byId('grid-host', HTMLElement), this.state, {
      minAttendancePct: data.cohort.minAttendancePct,
      caption:
        `Frequência de ${data.cohort.name}: alunos nas linhas, dias de atividade nas colunas, ` +
        'totais por atividade no fim de cada linha.',
    });
    this.statusRegion = byId('grid-status', HTMLElement);
    this.alertRegion = byId('grid-alert', HTMLElement);
    this.changesText = byId('grid-changes', HTMLElement);
    this.pendingText = byId('grid-pending', HTMLElement);
    this.isSaving = false;
    /** @type {(() => void)[]} called after any cell changes or the grid is drawn again */
    this.listeners = [];
    /** @type {(() => void)[]} called when the server's state of the month was read again */
    this.refreshListeners = [];
  }

  get apiPath() {
    return `/cohorts/${this.data.cohort.id}/attendance/${this.data.month}`;
  }

  /** Draws the grid, or says why there is none. */
  draw() {
    if (this.state.students.length === 0) {
      this.view.showEmpty('Nenhum aluno matriculado neste mês.');
    } else if (this.state.columns.length === 0) {
      this.view.showEmpty('Nenhum dia de atividade neste mês. Use “Adicionar dias” para criá-los.');
    } else {
      this.view.build();
    }
    this.refreshed();
  }

  /** After the server's state was read again (first draw, save, sessions changed). */
  refreshed() {
    this.changed();
    for (const listener of this.refreshListeners) listener();
  }

  /**
   * The session and student at a grid position.
   * @param {number} row
   * @param {number} col
   */
  cellAt(row, col) {
    const session = this.state.columns[col];
    const student = this.state.students[row];
    return session && student ? { session, student } : null;
  }

  /**
   * Click and Space: the next status the rules allow.
   * @param {number} row
   * @param {number} col
   */
  cycle(row, col) {
    const cell = this.editableCell(row, col);
    if (!cell) return;
    const value = this.state.value(cell.session.id, cell.student.studentId);
    const allowed = this.state.allowed(cell.session, cell.student);
    if (allowed.length === 0) {
      this.announce(this.refusal(row, col, 'P'));
      return;
    }
    this.apply(row, col, withStatus(nextStatus(value.status, allowed), value.justification));
  }

  /**
   * P, F, J, 1 and 2: one status, when the rules allow it here.
   * @param {number} row
   * @param {number} col
   * @param {Status | null} status
   */
  setStatus(row, col, status) {
    const cell = this.editableCell(row, col);
    if (!cell) return;
    const value = this.state.value(cell.session.id, cell.student.studentId);
    if (status !== null && !this.state.allowed(cell.session, cell.student).includes(status)) {
      this.announce(this.refusal(row, col, status));
      return;
    }
    this.apply(row, col, withStatus(status, value.justification));
  }

  /**
   * C: summons (or stops summoning) a student to a convocation session; a
   * status the new situation does not allow is cleared.
   * @param {number} row
   * @param {number} col
   * @param {boolean} [summoned] the wanted value; toggles when absent
   */
  setSummoned(row, col, summoned) {
    const cell = this.editableCell(row, col);
    if (!cell) return;
    if (!this.state.isConvocation(cell.session)) {
      this.announce('Só atividades de convocação têm convocados.');
      return;
    }
    const value = this.state.value(cell.session.id, cell.student.studentId);
    const next = { ...value, summoned: summoned ?? !value.summoned };
    const allowed = this.state.allowed(cell.session, cell.student, next);
    if (next.status !== null && !allowed.includes(next.status)) {
      Object.assign(next, withStatus(null, null));
    }
    this.apply(row, col, next);
    this.announce(`${cell.student.fullName}: ${next.summoned ? 'convocado' : 'não convocado'}.`);
  }

  /**
   * @param {number} row
   * @param {number} col
   * @param {string} text
   */
  setJustification(row, col, text) {
    if (!this.editableCell(row, col)) return;
    this.apply(row, col, { justification: text });
  }

  /**
   * "Todos presentes": P for every student still pending in the column.
   * @param {number} col
   */
  markColumn(col) {
    const session = this.state.columns[col];
    if (!session || !this.state.canEdit) return;
    if (this.state.isFuture(session)) {
      this.announce(`Dia futuro: P, F e J só a partir de ${dayMonth(session.date)}.`);
      return;
    }
    let count = 0;
    this.state.students.forEach((student, row) => {
      if (!this.state.isEditable(session, student) || !this.state.isPending(session, student)) {
        return;
      }
      if (this.state.set(session.id, student.studentId, { status: 'P', justification: null })) {
        count += 1;
        this.view.renderCell(row, col);
        this.view.renderTotals(student);
      }
    });
    this.changed();
    this.announce(
      count === 0
        ? 'Nenhum aluno pendente nesta coluna.'
        : `${count} aluno(s) marcado(s) presente(s) em ${this.view.columnName(session)}.`,
    );
  }

  /**
   * @param {number} row
   * @param {number} col
   * @param {Partial<import('./grid-state.js').CellValue>} patch
   */
  apply(row, col, patch) {
    const cell = this.cellAt(row, col);
    if (!cell) return;
    if (!this.state.set(cell.session.id, cell.student.studentId, patch)) return;
    this.view.renderCell(row, col);
    this.view.renderTotals(cell.student);
    this.changed();
  }

  /**
   * The cell when the user may change it; otherwise says why and gives null.
   * @param {number} row
   * @param {number} col
   */
  editableCell(row, col) {
    const cell = this.cellAt(row, col);
    if (!cell) return null;
    if (!this.state.canEdit) {
      this.announce('Somente leitura: seu perfil não registra presenças nesta turma.');
      return null;
    }
    if (!this.state.isEditable(cell.session, cell.student)) {
      this.announce(
        'Esta célula não pode mudar: fora da matrícula do aluno ou atividade arquivada.',
      );
      return null;
    }
    return cell;
  }

  /**
   * Why a status is not allowed in a cell, in pt-BR.
   * @param {number} row
   * @param {number} col
   * @param {Status} status
   */
  refusal(row, col, status) {
    const cell = this.cellAt(row, col);
    if (!cell) return '';
    const { session, student } = cell;
    const expected = isExpected(this.state.facts(session, student));
    if (expected && this.state.isFuture(session)) {
      return `Dia futuro: P, F e J só a partir de ${dayMonth(session.date)}.`;
    }
    if (expected) return `${student.fullName} é esperado neste dia: use P, F ou J.`;
    if (session.extra) return `Dia extra: só V1 ou V2 (${statusLabel(status)} não vale aqui).`;
    if (this.state.isConvocation(session)) {
      return `${student.fullName} não foi convocado: use V1 ou V2, ou C para convocar.`;
    }
    return `${statusLabel(status)} não é permitido aqui.`;
  }

  /** After any change: counts, the save button, and whoever listens. */
  changed() {
    const count = this.state.changeCount;
    this.changesText.textContent =
      count === 0 ? 'Tudo salvo.' : `${count} alteração(ões) não salva(s).`;
    let pending = 0;
    for (const student of this.state.students) {
      for (const session of this.state.columns) {
        if (this.state.isPending(session, student)) pending += 1;
      }
    }
    this.pendingText.textContent = pending === 0 ? '' : `${pending} pendente(s)`;
    for (const listener of this.listeners) listener();
  }

  /** @param {string} text */
  announce(text) {
    // Emptied first so the same sentence twice is read twice.
    this.statusRegion.textContent = '';
    window.setTimeout(() => {
      this.statusRegion.textContent = text;
    }, 30);
  }

  /** @param {string | Node | null} content shown in the alert region; null hides it */
  alert(content) {
    this.alertRegion.replaceChildren(...(content === null ? [] : [content]));
    this.alertRegion.hidden = content === null;
  }

  /**
   * The pt-BR text of an error code, with a fallback.
   * @param {string} code
   * @param {string} fallback
   */
  message(code, fallback) {
    return this.data.messages[code] ?? fallback;
  }
}

/**
 * A status with the justification it keeps: only absences have one.
 * @param {Status | null} status
 * @param {string | null} justification
 */
function withStatus(status, justification) {
  const keeps = status === 'F' || status === 'J';
  return { status, justification: keeps ? justification : null };
}
