// @ts-check
/**
 * The attendance rules the grid needs while the user types, mirroring
 * src/attendance/statistics.ts (rules 1–6). The server stays the judge: it
 * checks every mark again on save. test/web/attendance.pages.test.ts runs
 * these functions against statistics.ts on random inputs so the two agree.
 */

/** @typedef {'P' | 'F' | 'J' | 'V1' | 'V2'} Status */
/** @typedef {'mandatory' | 'convocation'} Mode */

/**
 * What rule 1 needs to know about one student at one session.
 * @typedef {object} CellFacts
 * @property {boolean} isEnrolledOnDate
 * @property {boolean} isExtra
 * @property {string} mode
 * @property {boolean} isSummoned
 */

/**
 * The rule 3 counters of one student in one activity.
 * @typedef {object} Counters
 * @property {number} expected
 * @property {number} present
 * @property {number} absent
 * @property {number} excused
 * @property {number} volunteerExtra
 * @property {number} volunteerSimple
 * @property {number} pending
 */

/** @type {readonly Status[]} */
export const ATTENDANCE_STATUSES = Object.freeze(['P', 'F', 'J']);
/** @type {readonly Status[]} */
export const VOLUNTARY_STATUSES = Object.freeze(['V1', 'V2']);
/** @type {readonly Status[]} */
const NONE = Object.freeze([]);

/**
 * Both ends inclusive; `endedOn` null is open-ended. Dates are `YYYY-MM-DD`.
 * @param {{enrolledOn: string, endedOn: string | null}} enrollment
 * @param {string} date
 */
export function enrollmentCovers(enrollment, date) {
  if (date < enrollment.enrolledOn) return false;
  return enrollment.endedOn === null || date <= enrollment.endedOn;
}

/**
 * Rule 1: enrolled on the date, not extra, and mandatory or summoned.
 * @param {CellFacts} facts
 */
export function isExpected(facts) {
  if (!facts.isEnrolledOnDate || facts.isExtra) return false;
  return facts.mode !== 'convocation' || facts.isSummoned;
}

/**
 * Rule 2: P, F or J on an expected session, V1 or V2 on any other. Nothing
 * outside the enrollment. The server also refuses P, F and J before the
 * session date, so a future expected session takes nothing yet.
 * @param {CellFacts} facts
 * @param {boolean} [isFuture]
 * @returns {readonly Status[]}
 */
export function allowedStatuses(facts, isFuture = false) {
  if (!facts.isEnrolledOnDate) return NONE;
  if (!isExpected(facts)) return VOLUNTARY_STATUSES;
  return isFuture ? NONE : ATTENDANCE_STATUSES;
}

/**
 * The status a click gives: empty → first allowed → … → last allowed → empty.
 * A status the rules no longer allow (left by a later change) goes to the first.
 * @param {Status | null} current
 * @param {readonly Status[]} allowed
 * @returns {Status | null}
 */
export function nextStatus(current, allowed) {
  if (allowed.length === 0) return null;
  const index = current === null ? -1 : allowed.indexOf(current);
  if (current !== null && index === -1) return allowed[0] ?? null;
  return allowed[index + 1] ?? null;
}

/** @returns {Counters} */
export function emptyCounters() {
  return {
    expected: 0,
    present: 0,
    absent: 0,
    excused: 0,
    volunteerExtra: 0,
    volunteerSimple: 0,
    pending: 0,
  };
}

/**
 * Rule 3: adds one cell to the counters, in place. A V1 or V2 on an expected
 * session answers nothing, so it stays pending; a P, F or J on a session that
 * is not expected counts for nothing (as statistics.ts does).
 * @param {Counters} counters
 * @param {CellFacts} facts
 * @param {Status | null} status
 */
export function countCell(counters, facts, status) {
  if (isExpected(facts)) {
    if (status === 'P' || status === 'F' || status === 'J') counters.expected += 1;
    if (status === 'P') counters.present += 1;
    else if (status === 'F') counters.absent += 1;
    else if (status === 'J') counters.excused += 1;
    else counters.pending += 1;
    return;
  }
  if (status === 'V1') counters.volunteerExtra += 1;
  if (status === 'V2') counters.volunteerSimple += 1;
}

/**
 * Rule 4 as the sheet shows it: a whole number, rounded half up from the
 * counters; null when nothing is expected.
 * @param {number} present
 * @param {number} expected
 * @returns {number | null}
 */
export function displayPct(present, expected) {
  if (expected === 0) return null;
  return Math.round((present * 100) / expected);
}

/**
 * Rule 5, compared on integers (hundredths of a percent) as statistics.ts does.
 * @param {{expected: number, present: number}} counters
 * @param {number} minAttendancePct
 */
export function isShortfall(counters, minAttendancePct) {
  if (counters.expected === 0) return false;
  const minHundredths = Math.round(minAttendancePct * 100);
  return counters.present * 10_000 < minHundredths * counters.expected;
}
