// @ts-check
/**
 * The attendance grid's state, without the DOM: what the server said (marks
 * with their versions), what the user changed since, and what to send. A
 * change remembers the version it was made over, so a save tells the server
 * exactly which mark the user saw (optimistic concurrency).
 */
import {
  allowedStatuses,
  countCell,
  emptyCounters,
  enrollmentCovers,
  isExpected,
} from './grid-rules.js';

/** @typedef {import('./grid-rules.js').Status} Status */
/** @typedef {import('./grid-rules.js').CellFacts} CellFacts */
/** @typedef {import('./grid-rules.js').Counters} Counters */

/**
 * @typedef {object} Activity
 * @property {number} id
 * @property {string} name
 * @property {string} kind
 * @property {string} mode
 * @property {number} position
 * @property {boolean} isArchived
 */
/**
 * @typedef {object} Session
 * @property {number} id
 * @property {number} activityId
 * @property {string} date
 * @property {number} slot
 * @property {string | null} time
 * @property {string | null} subject
 * @property {boolean} extra
 */
/**
 * @typedef {object} Student
 * @property {number} studentId
 * @property {string} fullName
 * @property {string} initiaticNumber
 * @property {string} situation
 * @property {string} enrolledOn
 * @property {string | null} endedOn
 */
/**
 * @typedef {object} Mark
 * @property {number} sessionId
 * @property {number} studentId
 * @property {Status | null} status
 * @property {boolean} summoned
 * @property {string | null} justification
 * @property {number} version
 */
/**
 * The month as GET /api/v1/cohorts/:id/attendance/:month answers it.
 * @typedef {object} Grid
 * @property {number} cohortId
 * @property {string} month
 * @property {Activity[]} activities
 * @property {Session[]} sessions
 * @property {Student[]} students
 * @property {Mark[]} marks
 */
/**
 * @typedef {object} CellValue
 * @property {Status | null} status
 * @property {boolean} summoned
 * @property {string | null} justification
 */
/** @typedef {CellValue & {version: number}} Stored */
/**
 * One column group: an activity and its sessions of the month, in date order.
 * @typedef {{activity: Activity, sessions: Session[]}} Group
 */
/**
 * A mark someone else changed after this page read it (409 details).
 * @typedef {object} Conflict
 * @property {number} studentId
 * @property {number} sessionId
 * @property {number} yourVersion
 * @property {number} currentVersion
 * @property {Mark | null} current
 */
/**
 * @typedef {object} SaveBody
 * @property {{id: number, activityId: number, date: string, marks: object[]}[]} sessions
 */

/** @type {CellValue} */
const EMPTY = Object.freeze({ status: null, summoned: false, justification: null });

/**
 * @param {number} sessionId
 * @param {number} studentId
 */
export function cellKey(sessionId, studentId) {
  return `${sessionId}:${studentId}`;
}

/** @param {string | null} text */
function cleanText(text) {
  const trimmed = (text ?? '').trim();
  return trimmed === '' ? null : trimmed;
}

/**
 * @param {CellValue} a
 * @param {CellValue} b
 */
export function sameValue(a, b) {
  return (
    a.status === b.status &&
    a.summoned === b.summoned &&
    cleanText(a.justification) === cleanText(b.justification)
  );
}

/** @param {Mark} mark @returns {Stored} */
function storedOf(mark) {
  return {
    status: mark.status,
    summoned: mark.summoned,
    justification: mark.justification,
    version: mark.version,
  };
}

export class GridState {
  /**
   * @param {Grid} grid
   * @param {{today: string, canEdit: boolean}} options
   */
  constructor(grid, options) {
    this.today = options.today;
    this.canEdit = options.canEdit;
    /** @type {Map<string, Stored>} changes not saved yet, with the version they were made over */
    this.edits = new Map();
    /** @type {Map<string, string>} why the server refused a cell, in pt-BR */
    this.problems = new Map();
    /** @type {Grid} */
    this.grid = grid;
    /** @type {Group[]} */
    this.groups = [];
    /** @type {Session[]} */
    this.columns = [];
    /** @type {Map<string, Stored>} */
    this.server = new Map();
    /** @type {Map<number, Session>} */
    this.sessionById = new Map();
    /** @type {Map<number, Student>} */
    this.studentById = new Map();
    /** @type {Map<number, Activity>} */
    this.activityById = new Map();
    this.load(grid);
  }

  /** @param {Grid} grid */
  load(grid) {
    this.grid = grid;
    this.activityById = new Map(grid.activities.map((a) => [a.id, a]));
    this.sessionById = new Map(grid.sessions.map((s) => [s.id, s]));
    this.studentById = new Map(grid.students.map((s) => [s.studentId, s]));
    this.server = new Map(grid.marks.map((m) => [cellKey(m.sessionId, m.studentId), storedOf(m)]));
    this.groups = groupSessions(grid.activities, grid.sessions);
    this.columns = this.groups.flatMap((group) => group.sessions);
  }

  get students() {
    return this.grid.students;
  }

  /**
   * @param {number} sessionId
   * @param {number} studentId
   * @returns {CellValue}
   */
  value(sessionId, studentId) {
    const key = cellKey(sessionId, studentId);
    return this.edits.get(key) ?? this.server.get(key) ?? EMPTY;
  }

  /**
   * @param {Session} session
   * @param {Student} student
   * @param {CellValue} [value]
   * @returns {CellFacts}
   */
  facts(session, student, value = this.value(session.id, student.studentId)) {
    return {
      isEnrolledOnDate: enrollmentCovers(student, session.date),
      isExtra: session.extra,
      mode: this.activityById.get(session.activityId)?.mode ?? 'mandatory',
      isSummoned: value.summoned,
    };
  }

  /** @param {Session} session */
  isFuture(session) {
    return session.date > this.today;
  }

  /** @param {Session} session */
  isConvocation(session) {
    return this.activityById.get(session.activityId)?.mode === 'convocation';
  }

  /**
   * @param {Session} session
   * @param {Student} student
   */
  isEditable(session, student) {
    if (!this.canEdit) return false;
    if (this.activityById.get(session.activityId)?.isArchived) return false;
    return enrollmentCovers(student, session.date);
  }

  /**
   * @param {Session} session
   * @param {Student} student
   * @param {CellValue} [value]
   */
  allowed(session, student, value) {
    return allowedStatuses(this.facts(session, student, value), this.isFuture(session));
  }

  /**
   * Expected, past or today, and without P, F or J: what the month still lacks.
   * @param {Session} session
   * @param {Student} student
   */
  isPending(session, student) {
    const value = this.value(session.id, student.studentId);
    if (this.isFuture(session) || !isExpected(this.facts(session, student, value))) return false;
    return value.status !== 'P' && value.status !== 'F' && value.status !== 'J';
  }

  /**
   * Changes one cell; returns whether its value changed. Going back to what
   * the server has drops the change.
   * @param {number} sessionId
   * @param {number} studentId
   * @param {Partial<CellValue>} patch
   */
  set(sessionId, studentId, patch) {
    const key = cellKey(sessionId, studentId);
    const current = this.value(sessionId, studentId);
    const next = { ...current, ...patch };
    if (sameValue(next, current) && next.justification === current.justification) return false;

    const base = this.server.get(key);
    const version = this.edits.get(key)?.version ?? base?.version ?? 0;
    const isBack = base
      ? sameValue(next, base) && version === base.version
      : sameValue(next, EMPTY);
    if (isBack) this.edits.delete(key);
    else this.edits.set(key, { ...next, version });
    this.problems.delete(key);
    return true;
  }

  /** @param {string} key */
  isChanged(key) {
    return this.edits.has(key);
  }

  get changeCount() {
    return this.edits.size;
  }

  /**
   * Rule 3 counters of a student in an activity, from what the grid shows now.
   * @param {Student} student
   * @param {Group} group
   * @returns {Counters}
   */
  counters(student, group) {
    const counters = emptyCounters();
    for (const session of group.sessions) {
      const value = this.value(session.id, student.studentId);
      countCell(counters, this.facts(session, student, value), value.status);
    }
    return counters;
  }

  /**
   * The PUT body with only the changed cells, each with the version it was
   * made over, and a copy of what was sent (to tell it apart from later typing).
   * @returns {{body: SaveBody, sent: Map<string, Stored>}}
   */
  saveBody() {
    /** @type {Map<number, object[]>} */
    const bySession = new Map();
    const sent = new Map(this.edits);
    for (const [key, edit] of this.edits) {
      const [sessionId, studentId] = key.split(':').map(Number);
      if (sessionId === undefined || studentId === undefined) continue;
      const marks = bySession.get(sessionId) ?? [];
      marks.push({
        studentId,
        status: edit.status,
        summoned: edit.summoned,
        justification: cleanText(edit.justification),
        version: edit.version,
      });
      bySession.set(sessionId, marks);
    }
    const sessions = [...bySession].flatMap(([sessionId, marks]) => {
      const session = this.sessionById.get(sessionId);
      if (!session) return [];
      return [{ id: session.id, activityId: session.activityId, date: session.date, marks }];
    });
    return { body: { sessions }, sent };
  }

  /**
   * After a 200: the response becomes the server state; changes that were
   * sent are done, changes typed while saving stay, over the new versions.
   * @param {Grid} grid
   * @param {Map<string, Stored>} sent
   */
  applySaved(grid, sent) {
    this.load(grid);
    for (const [key, edit] of this.edits) {
      const wasSent = sent.get(key);
      if (wasSent && sameValue(edit, wasSent)) {
        this.edits.delete(key);
        continue;
      }
      if (wasSent) edit.version = this.server.get(key)?.version ?? 0;
      this.dropIfBack(key, edit);
    }
    this.problems.clear();
  }

  /**
   * After reading the month again (sessions added or removed): changes stay,
   * over the versions they were made on, unless their session is gone.
   * @param {Grid} grid
   */
  reload(grid) {
    this.load(grid);
    for (const [key, edit] of this.edits) {
      const sessionId = Number(key.split(':')[0]);
      if (!this.sessionById.has(sessionId)) this.edits.delete(key);
      else this.dropIfBack(key, edit);
    }
  }

  /**
   * Settles one conflict: `theirs` takes the other person's mark into the
   * grid; `mine` keeps this user's value over their version, to be sent again.
   * @param {Conflict} conflict
   * @param {'mine' | 'theirs'} choice
   */
  resolve(conflict, choice) {
    const key = cellKey(conflict.sessionId, conflict.studentId);
    const current = conflict.current
      ? storedOf(conflict.current)
      : { ...EMPTY, version: conflict.currentVersion };
    this.server.set(key, current);
    const edit = this.edits.get(key);
    if (!edit || choice === 'theirs') {
      this.edits.delete(key);
      return;
    }
    edit.version = conflict.currentVersion;
    this.dropIfBack(key, edit);
  }

  /**
   * @param {string} key
   * @param {Stored} edit
   */
  dropIfBack(key, edit) {
    const base = this.server.get(key);
    const isBack = base
      ? sameValue(edit, base) && edit.version === base.version
      : sameValue(edit, EMPTY);
    if (isBack) this.edits.delete(key);
  }
}

/**
 * Activities in sheet order, each with its sessions by date and slot; an
 * activity without sessions this month has no columns.
 * @param {Activity[]} activities
 * @param {Session[]} sessions
 * @returns {Group[]}
 */
function groupSessions(activities, sessions) {
  const ordered = [...activities].sort((a, b) => a.position - b.position || a.id - b.id);
  return ordered
    .map((activity) => ({
      activity,
      sessions: sessions
        .filter((s) => s.activityId === activity.id)
        .sort((a, b) => a.date.localeCompare(b.date) || a.slot - b.slot),
    }))
    .filter((group) => group.sessions.length > 0);
}
