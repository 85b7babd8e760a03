/**
 * The attendance rules of product.md ("The attendance rules", rules 1–8) as pure functions.
 *
 * Every number a sheet, an export, a report or a forecast shows comes from here; nothing else
 * re-derives these rules. No I/O, no clock, no database: callers turn sessions, marks and
 * enrollments into `SessionFact`s and policies, and read plain objects back.
 *
 * Arithmetic on percentages is done on integers (the minimum is handled in hundredths of a
 * percent) so that a student exactly at the minimum is never pushed into a shortfall by
 * floating-point error (`29 / 50 * 100` is 57.99999999999999 in IEEE 754).
 */

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

/** Mark statuses: present, absent, excused absence, voluntary extra, voluntary simple. */
export const MARK_STATUSES = ['P', 'F', 'J', 'V1', 'V2'] as const;
export type MarkStatus = (typeof MARK_STATUSES)[number];

/** Statuses for a session expected of the student (rule 2). */
export const ATTENDANCE_STATUSES: readonly MarkStatus[] = Object.freeze(['P', 'F', 'J']);
/** Statuses for a session not expected of the student (rule 2). */
export const VOLUNTARY_STATUSES: readonly MarkStatus[] = Object.freeze(['V1', 'V2']);

export type ActivityMode = 'mandatory' | 'convocation';

export type StudentSituation = 'active' | 'on_leave' | 'disconnected' | 'deceased' | 'excluded';

/** What rule 1 needs to know about one session, for one student. */
export interface ExpectationFacts {
  /** The session is `extra`: it counts for nobody, attendance there is voluntary. */
  readonly isExtra: boolean;
  readonly mode: ActivityMode;
  /** The student's enrollment covers the session date; compute it with `enrollmentCovers`. */
  readonly isEnrolledOnDate: boolean;
  /** The student's mark there has `summoned = true`; only read for convocation activities. */
  readonly isSummoned: boolean;
}

/** One student at one session: the input of every counter. */
export interface SessionFact extends ExpectationFacts {
  /** Session date, `YYYY-MM-DD`; the rules ignore it, `countByMonth` buckets by it. */
  readonly date: string;
  /** The mark's status; null when there is no mark, or a summoned student is not marked yet. */
  readonly status: MarkStatus | null;
}

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

function assertCalendarDate(value: string, name: string): void {
  if (!CALENDAR_DATE.test(value)) {
    throw new RangeError(`${name} must be a YYYY-MM-DD date, got "${value}"`);
  }
}

/** True when `value` is one of the five mark statuses (case-sensitive). */
export function isMarkStatus(value: string): value is MarkStatus {
  return (MARK_STATUSES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------
// Rule 1: expected sessions
// ---------------------------------------------------------------------------------------------

/**
 * Whether an enrollment covers a date. Both ends are inclusive: a student is enrolled on the
 * day the enrollment starts and on the day it ends. `endedOn = null` is open-ended. Only the
 * dates matter (a cancelled or finished enrollment carries its `endedOn`).
 *
 * @param enrollment `enrolledOn` and `endedOn` as `YYYY-MM-DD`
 * @param date the session date, `YYYY-MM-DD`
 * @throws RangeError when a date is not `YYYY-MM-DD`
 */
export function enrollmentCovers(
  enrollment: { readonly enrolledOn: string; readonly endedOn: string | null },
  date: string,
): boolean {
  assertCalendarDate(date, 'date');
  assertCalendarDate(enrollment.enrolledOn, 'enrolledOn');
  if (enrollment.endedOn !== null) assertCalendarDate(enrollment.endedOn, 'endedOn');

  // YYYY-MM-DD strings sort like the dates they name.
  if (date < enrollment.enrolledOn) return false;
  return enrollment.endedOn === null || date <= enrollment.endedOn;
}

/** Why a session is not expected of a student, in the order rule 1 is checked. */
export type NotExpectedReason = 'not_enrolled' | 'extra_session' | 'not_summoned';

/**
 * Why the session is not expected of the student (rule 1), or null when it is expected.
 * When several reasons hold, the first of enrollment, extra, summons is given.
 */
export function notExpectedReason(facts: ExpectationFacts): NotExpectedReason | null {
  if (!facts.isEnrolledOnDate) return 'not_enrolled';
  if (facts.isExtra) return 'extra_session';
  if (facts.mode === 'convocation' && !facts.isSummoned) return 'not_summoned';
  return null;
}

/**
 * Rule 1: the session is expected of the student when the enrollment covers its date, it is
 * not extra, and the activity is mandatory or the student was summoned.
 */
export function isExpected(facts: ExpectationFacts): boolean {
  return notExpectedReason(facts) === null;
}

// ---------------------------------------------------------------------------------------------
// Rule 2: which statuses a mark may have
// ---------------------------------------------------------------------------------------------

/** Rule 2: P, F or J on an expected session; V1 or V2 on any other. */
export function allowedStatuses(facts: ExpectationFacts): readonly MarkStatus[] {
  return isExpected(facts) ? ATTENDANCE_STATUSES : VOLUNTARY_STATUSES;
}

export type MarkRejectionCode =
  'unknown_status' | 'attendance_status_required' | 'voluntary_status_required';

/** Why a status cannot be recorded; `message` says what to use instead (English, for logs). */
export interface MarkRejection {
  readonly code: MarkRejectionCode;
  readonly status: string;
  readonly allowed: readonly MarkStatus[];
  /** Set when the session is not expected of the student, null when it is. */
  readonly notExpectedReason: NotExpectedReason | null;
  readonly message: string;
}

const NOT_EXPECTED_EXPLANATIONS: Readonly<Record<NotExpectedReason, string>> = {
  not_enrolled: "the student's enrollment does not cover the session date",
  extra_session: 'the session is extra',
  not_summoned: 'the student was not summoned',
};

function rejectionMessage(
  code: MarkRejectionCode,
  status: string,
  reason: NotExpectedReason | null,
): string {
  if (code === 'unknown_status') {
    return `unknown mark status "${status}": use one of ${MARK_STATUSES.join(', ')}`;
  }
  if (code === 'attendance_status_required') {
    return `status ${status} is only for sessions not expected of the student: use P, F or J`;
  }
  const why = reason === null ? 'it is not expected' : NOT_EXPECTED_EXPLANATIONS[reason];
  return `status ${status} needs a session expected of the student, but ${why}: use V1 or V2`;
}

/**
 * Rule 2: checks a status about to be recorded against the session and the student.
 * Recording no status at all (a summons made in advance) is always allowed and needs no check.
 *
 * @param facts the session and the student, with the summons as it will be saved
 * @param status the proposed status, as received (unknown strings are rejected too)
 * @returns null when the status is allowed, otherwise why it is not
 */
export function validateMark(facts: ExpectationFacts, status: string): MarkRejection | null {
  const reason = notExpectedReason(facts);
  const allowed = reason === null ? ATTENDANCE_STATUSES : VOLUNTARY_STATUSES;
  if (isMarkStatus(status) && allowed.includes(status)) return null;

  let code: MarkRejectionCode = 'unknown_status';
  if (isMarkStatus(status)) {
    code = reason === null ? 'attendance_status_required' : 'voluntary_status_required';
  }
  const message = rejectionMessage(code, status, reason);
  return { code, status, allowed, notExpectedReason: reason, message };
}

/**
 * The rule 2 problem of a recorded fact, if any: for grids and imports that must show marks
 * left inconsistent by a later change (an enrollment moved, a summons withdrawn).
 */
export function markProblem(fact: SessionFact): MarkRejection | null {
  return fact.status === null ? null : validateMark(fact, fact.status);
}

// ---------------------------------------------------------------------------------------------
// Rule 3: counters
// ---------------------------------------------------------------------------------------------

/**
 * Rule 3 counters of one student in one activity over a period. Every field is a count of
 * sessions, so counters of disjoint periods add up (`mergeCounters`).
 */
export interface ActivityCounters {
  /** Expected sessions with a P, F or J mark; the denominator of `pct`. */
  readonly expected: number;
  readonly present: number;
  readonly absent: number;
  readonly excused: number;
  /** V1 marks on sessions not expected of the student. */
  readonly volunteerExtra: number;
  /** V2 marks on sessions not expected of the student. */
  readonly volunteerSimple: number;
  /** Expected sessions without a P, F or J mark yet. */
  readonly pending: number;
}

type CounterName = keyof ActivityCounters;
type MutableCounters = { -readonly [K in CounterName]: number };

const COUNTER_NAMES: readonly CounterName[] = Object.freeze([
  'expected',
  'present',
  'absent',
  'excused',
  'volunteerExtra',
  'volunteerSimple',
  'pending',
]);

/** Counters with every field 0: the neutral element of `mergeCounters`. */
export function emptyCounters(): ActivityCounters {
  return zeroCounters();
}

function zeroCounters(): MutableCounters {
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
 * Which counters one fact increments. Marks that break rule 2 (left behind when an enrollment
 * or a summons changed after marking) are counted so the numbers stay honest: on an expected
 * session a V1 or V2 is no answer to "did the student attend?", so the session stays pending
 * until someone fixes it; on a session that is not expected a P, F or J counts for nothing,
 * since the session is nobody's obligation and the mark is not voluntary either.
 */
function countersOf(fact: SessionFact): readonly CounterName[] {
  if (isExpected(fact)) {
    if (fact.status === 'P') return ['expected', 'present'];
    if (fact.status === 'F') return ['expected', 'absent'];
    if (fact.status === 'J') return ['expected', 'excused'];
    return ['pending'];
  }
  if (fact.status === 'V1') return ['volunteerExtra'];
  if (fact.status === 'V2') return ['volunteerSimple'];
  return [];
}

/** Rule 3: the counters with one more session fact counted. Does not change its arguments. */
export function addFact(counters: ActivityCounters, fact: SessionFact): ActivityCounters {
  const next: MutableCounters = { ...counters };
  for (const name of countersOf(fact)) next[name] += 1;
  return next;
}

/** Rule 3: counts the facts of one student in one activity (any order, any period). */
export function countFacts(facts: Iterable<SessionFact>): ActivityCounters {
  let counters = emptyCounters();
  for (const fact of facts) counters = addFact(counters, fact);
  return counters;
}

/**
 * Adds the counters of two disjoint sets of facts (two months, say): the result equals
 * counting both sets at once, which is what lets monthly counters be summed over a range.
 */
export function mergeCounters(a: ActivityCounters, b: ActivityCounters): ActivityCounters {
  const sum = zeroCounters();
  for (const name of COUNTER_NAMES) sum[name] = a[name] + b[name];
  return sum;
}

/** `mergeCounters` over any number of counters; empty counters for none. */
export function sumCounters(list: Iterable<ActivityCounters>): ActivityCounters {
  let total = emptyCounters();
  for (const counters of list) total = mergeCounters(total, counters);
  return total;
}

/**
 * Counts facts per calendar month of their date, as the monthly counters are stored.
 *
 * @returns a map from `YYYY-MM` to that month's counters, months without facts absent
 * @throws RangeError when a fact's date is not `YYYY-MM-DD`
 */
export function countByMonth(facts: Iterable<SessionFact>): Map<string, ActivityCounters> {
  const byMonth = new Map<string, ActivityCounters>();
  for (const fact of facts) {
    assertCalendarDate(fact.date, 'date');
    const month = fact.date.slice(0, 7);
    byMonth.set(month, addFact(byMonth.get(month) ?? emptyCounters(), fact));
  }
  return byMonth;
}

// ---------------------------------------------------------------------------------------------
// Rules 4–6: percentage, shortfall, missing to minimum
// ---------------------------------------------------------------------------------------------

/** A cohort's thresholds. */
export interface AttendancePolicy {
  /** Minimum attendance, a percentage from 0 to 100 with at most two decimals. */
  readonly minAttendancePct: number;
  /** Most shortfalls a student may have and still be cleared, an integer ≥ 0. */
  readonly maxShortfallsToClear: number;
}

/** The cohort defaults of product.md: 70 % minimum, at most 1 shortfall to be cleared. */
export const DEFAULT_POLICY: AttendancePolicy = Object.freeze({
  minAttendancePct: 70,
  maxShortfallsToClear: 1,
});

/** Hundredths of a percent in a whole: percentages are compared as integers of this unit. */
const HUNDREDTHS_IN_WHOLE = 10_000;

/**
 * The minimum in hundredths of a percent (70 → 7000), so comparisons stay on integers.
 * Refuses minimums with more than two decimals instead of silently rounding them, since a
 * rounded minimum could turn a strict comparison the wrong way.
 */
function minHundredths(policy: Pick<AttendancePolicy, 'minAttendancePct'>): number {
  const min = policy.minAttendancePct;
  const hundredths = Math.round(min * 100);
  const isValid =
    Number.isFinite(min) && min >= 0 && min <= 100 && Math.abs(min * 100 - hundredths) < 1e-6;
  if (!isValid) {
    throw new RangeError(
      `minAttendancePct must be between 0 and 100 with at most two decimals, got ${min}`,
    );
  }
  return hundredths;
}

/** ⌈a / b⌉ for integers a ≥ 0, b > 0, without going through a fractional quotient. */
function ceilDiv(a: number, b: number): number {
  const remainder = a % b;
  return (a - remainder) / b + (remainder > 0 ? 1 : 0);
}

/** Fewest presences out of `expected` sessions that keep an activity out of shortfall. */
function minimumPresences(expected: number, minPctHundredths: number): number {
  return ceilDiv(minPctHundredths * expected, HUNDREDTHS_IN_WHOLE);
}

/** `api`: two decimals, for APIs and exports; `display`: whole numbers, as the sheet shows. */
export type PctPrecision = 'api' | 'display';

/**
 * Rule 4: `present / expected × 100`, rounded half up; null when `expected` is 0.
 *
 * Always round from the counters, never from an already rounded pct: 51 of 101 is 50.495…,
 * which is 50 on the sheet, while rounding its two-decimal 50.50 again would give 51.
 *
 * @param precision `'api'` (default, two decimals) or `'display'` (whole number)
 */
export function roundPct(
  present: number,
  expected: number,
  precision: PctPrecision = 'api',
): number | null {
  if (expected === 0) return null;

  const scale = precision === 'api' ? 100 : 1;
  // For integer counts an exact .5 quotient is representable, so Math.round sees it as is.
  return Math.round((present * 100 * scale) / expected) / scale;
}

/**
 * Rule 5: the activity is a shortfall when expected > 0 and pct is strictly below the
 * minimum. Compared exactly on integers, never on a rounded pct.
 *
 * @throws RangeError when the minimum is not 0–100 with at most two decimals
 */
export function isShortfall(
  counters: Pick<ActivityCounters, 'expected' | 'present'>,
  policy: Pick<AttendancePolicy, 'minAttendancePct'>,
): boolean {
  const min = minHundredths(policy);
  if (counters.expected === 0) return false;
  return counters.present * HUNDREDTHS_IN_WHOLE < min * counters.expected;
}

/**
 * Rule 6: `max(0, ⌈minAttendancePct × expected / 100⌉ − present)`, on integers: how many of
 * the period's absences would have had to be presences to reach the minimum. It is 0 exactly
 * when the activity is not a shortfall.
 *
 * @throws RangeError when the minimum is not 0–100 with at most two decimals
 */
export function missingToMinimum(
  counters: Pick<ActivityCounters, 'expected' | 'present'>,
  policy: Pick<AttendancePolicy, 'minAttendancePct'>,
): number {
  const needed = minimumPresences(counters.expected, minHundredths(policy));
  return Math.max(0, needed - counters.present);
}

/** One activity's cell group on the sheet: the counters and what rules 4–6 make of them. */
export interface ActivityResult extends ActivityCounters {
  /** Percentage with two decimals; null when nothing is expected. */
  readonly pct: number | null;
  readonly shortfall: boolean;
  readonly missingToMinimum: number;
}

/**
 * Rules 4–6 for one student and one activity over a period.
 *
 * @throws RangeError when the minimum is not 0–100 with at most two decimals
 */
export function activityResult(
  counters: ActivityCounters,
  policy: Pick<AttendancePolicy, 'minAttendancePct'>,
): ActivityResult {
  return {
    ...counters,
    pct: roundPct(counters.present, counters.expected, 'api'),
    shortfall: isShortfall(counters, policy),
    missingToMinimum: missingToMinimum(counters, policy),
  };
}

// ---------------------------------------------------------------------------------------------
// Rule 7: per student
// ---------------------------------------------------------------------------------------------

/** One student's totals over the activities of a sheet. */
export interface StudentResult {
  /** Σ (V1 + V2) over the activities. */
  readonly volunteer: number;
  /** Number of activities in shortfall. */
  readonly shortfalls: number;
  /** shortfalls ≤ the cohort's `maxShortfallsToClear`. */
  readonly cleared: boolean;
}

function assertMaxShortfalls(policy: Pick<AttendancePolicy, 'maxShortfallsToClear'>): void {
  const max = policy.maxShortfallsToClear;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new RangeError(`maxShortfallsToClear must be an integer ≥ 0, got ${max}`);
  }
}

/**
 * Rule 7: volunteer total, shortfall count and cleared for one student.
 *
 * @param activities the student's results, one per activity of the sheet
 * @throws RangeError when `maxShortfallsToClear` is not an integer ≥ 0
 */
export function studentResult(
  activities: Iterable<Pick<ActivityResult, 'shortfall' | 'volunteerExtra' | 'volunteerSimple'>>,
  policy: Pick<AttendancePolicy, 'maxShortfallsToClear'>,
): StudentResult {
  assertMaxShortfalls(policy);

  let volunteer = 0;
  let shortfalls = 0;
  for (const activity of activities) {
    volunteer += activity.volunteerExtra + activity.volunteerSimple;
    if (activity.shortfall) shortfalls += 1;
  }
  return { volunteer, shortfalls, cleared: shortfalls <= policy.maxShortfallsToClear };
}

// ---------------------------------------------------------------------------------------------
// Rule 8: sheet summary
// ---------------------------------------------------------------------------------------------

export const SHORTFALL_BUCKETS = ['0', '1', '2', '3', '4', '5+'] as const;
export type ShortfallBucket = (typeof SHORTFALL_BUCKETS)[number];

/** The summary block under the sheet. */
export interface SheetSummary {
  /** Students counted in the summary by number of shortfalls. */
  readonly byShortfalls: Readonly<Record<ShortfallBucket, number>>;
  readonly cleared: number;
  readonly notCleared: number;
  readonly active: number;
  readonly onLeave: number;
  readonly disconnected: number;
}

/** One sheet row as the summary needs it. */
export interface SummaryRow {
  readonly situation: StudentSituation;
  readonly shortfalls: number;
  readonly cleared: boolean;
}

/**
 * The summary column a number of shortfalls falls in: '0' to '4', then '5+'.
 *
 * @throws RangeError when `shortfalls` is not an integer ≥ 0
 */
export function shortfallBucket(shortfalls: number): ShortfallBucket {
  if (!Number.isSafeInteger(shortfalls) || shortfalls < 0) {
    throw new RangeError(`shortfalls must be an integer ≥ 0, got ${shortfalls}`);
  }
  return SHORTFALL_BUCKETS[shortfalls] ?? '5+';
}

/**
 * Whether a row enters the shortfall and cleared counts. Rule 8 leaves disconnected students
 * out; deceased and excluded students (which product.md does not mention there) are left out
 * the same way, for the same reason: the school no longer follows them, and counting them as
 * "not cleared" would open follow-ups for people who cannot attend. Hence, always:
 * Σ byShortfalls = cleared + notCleared = active + onLeave.
 */
function isCountedInSummary(situation: StudentSituation): boolean {
  return situation === 'active' || situation === 'on_leave';
}

/**
 * Rule 8: the summary block. Disconnected students only add to `disconnected`; deceased and
 * excluded students add to nothing (they are in no head-count: neither active, on leave nor
 * disconnected). Active and on-leave students are counted by shortfalls and by cleared.
 *
 * @throws RangeError when a counted row's `shortfalls` is not an integer ≥ 0
 */
export function sheetSummary(rows: Iterable<SummaryRow>): SheetSummary {
  const byShortfalls: Record<ShortfallBucket, number> = {
    '0': 0,
    '1': 0,
    '2': 0,
    '3': 0,
    '4': 0,
    '5+': 0,
  };
  let cleared = 0;
  let active = 0;
  let onLeave = 0;
  let disconnected = 0;
  for (const row of rows) {
    if (row.situation === 'disconnected') disconnected += 1;
    if (!isCountedInSummary(row.situation)) continue;

    if (row.situation === 'active') active += 1;
    else onLeave += 1;
    byShortfalls[shortfallBucket(row.shortfalls)] += 1;
    if (row.cleared) cleared += 1;
  }
  const notCleared = active + onLeave - cleared;
  return { byShortfalls, cleared, notCleared, active, onLeave, disconnected };
}

// ---------------------------------------------------------------------------------------------
// Forecast (beyond the workbook)
// ---------------------------------------------------------------------------------------------

/** What is still possible for one activity before the period ends. */
export interface Forecast {
  /** Expected sessions once every undecided one is marked: expected + pending + remaining. */
  readonly finalExpected: number;
  /** Sessions still to be decided: pending ones plus the remaining ones. */
  readonly undecided: number;
  /** Of the undecided sessions, how many the student must attend to reach the minimum. */
  readonly presencesNeeded: number;
  /** Absences (F or J) the student can still afford; 0 when the minimum is out of reach. */
  readonly affordableAbsences: number;
  /** False when even attending every undecided session ends the period in shortfall. */
  readonly canReachMinimum: boolean;
}

/**
 * How many more absences a student can afford in an activity before it ends the period as a
 * shortfall, for alerts. Excused absences are absences here too (rule 4).
 *
 * Pending sessions are expected and still unmarked, so they are treated as undecided, like
 * the remaining ones: `remainingExpectedSessions` must therefore only count expected sessions
 * the counters do not already hold (e.g. months not created yet), or they count twice.
 *
 * @param counters the activity's counters so far
 * @param remainingExpectedSessions expected sessions still to come, not in `counters`, ≥ 0
 * @throws RangeError on a negative or fractional `remainingExpectedSessions`, or a bad minimum
 */
export function forecast(
  counters: ActivityCounters,
  remainingExpectedSessions: number,
  policy: Pick<AttendancePolicy, 'minAttendancePct'>,
): Forecast {
  if (!Number.isSafeInteger(remainingExpectedSessions) || remainingExpectedSessions < 0) {
    throw new RangeError(
      `remainingExpectedSessions must be an integer ≥ 0, got ${remainingExpectedSessions}`,
    );
  }
  const min = minHundredths(policy);

  const undecided = counters.pending + remainingExpectedSessions;
  const finalExpected = counters.expected + undecided;
  const presencesNeeded = Math.max(0, minimumPresences(finalExpected, min) - counters.present);
  const canReachMinimum = presencesNeeded <= undecided;
  const affordableAbsences = canReachMinimum ? undecided - presencesNeeded : 0;
  return { finalExpected, undecided, presencesNeeded, affordableAbsences, canReachMinimum };
}
