import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import type {
  ActivityMode as TableActivityMode,
  MarkStatus as TableMarkStatus,
  StudentSituation as TableStudentSituation,
} from '../../src/platform/db/tables.ts';
import {
  DEFAULT_POLICY,
  MARK_STATUSES,
  activityResult,
  addFact,
  allowedStatuses,
  countByMonth,
  countFacts,
  emptyCounters,
  enrollmentCovers,
  forecast,
  isExpected,
  isShortfall,
  markProblem,
  mergeCounters,
  missingToMinimum,
  notExpectedReason,
  roundPct,
  sheetSummary,
  shortfallBucket,
  studentResult,
  sumCounters,
  validateMark,
} from '../../src/attendance/statistics.ts';
import type {
  ActivityCounters,
  ActivityMode,
  ActivityResult,
  AttendancePolicy,
  ExpectationFacts,
  MarkStatus,
  SessionFact,
  StudentSituation,
  SummaryRow,
} from '../../src/attendance/statistics.ts';

// The rules module keeps its own vocabulary so it depends on no database code; these fail to
// compile if it ever drifts from the table types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _vocabularyMatchesTables: [
  Same<MarkStatus, TableMarkStatus>,
  Same<ActivityMode, TableActivityMode>,
  Same<StudentSituation, TableStudentSituation>,
] = [true, true, true];

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

const MANDATORY: ExpectationFacts = {
  isExtra: false,
  mode: 'mandatory',
  isEnrolledOnDate: true,
  isSummoned: false,
};

function fact(status: MarkStatus | null, overrides: Partial<SessionFact> = {}): SessionFact {
  return { ...MANDATORY, date: '2025-03-10', status, ...overrides };
}

function repeat(status: MarkStatus, times: number): MarkStatus[] {
  return Array.from({ length: times }, () => status);
}

function dayOf(index: number): string {
  return `2025-03-${String(index + 1).padStart(2, '0')}`;
}

/** Facts of a mandatory activity, one session per status, on consecutive days. */
function mandatorySessions(statuses: (MarkStatus | null)[]): SessionFact[] {
  return statuses.map((status, index) => fact(status, { date: dayOf(index) }));
}

/** Facts of a convocation activity: sessions the student was summoned to, then the others. */
function convocationSessions(
  summoned: (MarkStatus | null)[],
  notSummoned: (MarkStatus | null)[],
): SessionFact[] {
  const marks = [
    ...summoned.map((status) => ({ status, isSummoned: true })),
    ...notSummoned.map((status) => ({ status, isSummoned: false })),
  ];
  return marks.map(({ status, isSummoned }, index) =>
    fact(status, { mode: 'convocation', isSummoned, date: dayOf(index) }),
  );
}

function counters(values: Partial<ActivityCounters>): ActivityCounters {
  return { ...emptyCounters(), ...values };
}

function withAttendance(present: number, absent: number, excused = 0): ActivityCounters {
  return counters({ expected: present + absent + excused, present, absent, excused });
}

// ---------------------------------------------------------------------------------------------
// The worked example of product.md
// ---------------------------------------------------------------------------------------------

describe('the worked example of product.md', () => {
  const policy: AttendancePolicy = { minAttendancePct: 70, maxShortfallsToClear: 1 };
  const students = {
    A: {
      aulas: mandatorySessions([...repeat('P', 7), ...repeat('F', 2), 'J']),
      plenilunios: mandatorySessions(repeat('P', 4)),
      limpezas: convocationSessions(repeat('P', 3), ['V2', null, null]),
    },
    B: {
      aulas: mandatorySessions([...repeat('P', 6), ...repeat('F', 4)]),
      plenilunios: mandatorySessions([...repeat('P', 2), ...repeat('F', 2)]),
      limpezas: convocationSessions(['P', 'P', 'F', 'F'], [null, null]),
    },
    C: {
      aulas: mandatorySessions([...repeat('P', 9), 'F']),
      plenilunios: mandatorySessions([...repeat('P', 2), ...repeat('F', 2)]),
      limpezas: convocationSessions(['P', 'P'], ['V1', 'V1', null, null]),
    },
  } satisfies Record<string, Record<string, SessionFact[]>>;

  function resultsOf(name: keyof typeof students): ActivityResult[] {
    const { aulas, plenilunios, limpezas } = students[name];
    return [aulas, plenilunios, limpezas].map((facts) => activityResult(countFacts(facts), policy));
  }

  it('has the session counts of the example: 10 lessons, 4 full moons, 6 cleanings', () => {
    for (const student of Object.values(students)) {
      assert.equal(student.aulas.length, 10);
      assert.equal(student.plenilunios.length, 4);
      assert.equal(student.limpezas.length, 6);
    }
  });

  it('gives the per-activity percentages of the table', () => {
    assert.deepEqual(
      resultsOf('A').map((r) => r.pct),
      [70, 100, 100],
    );
    assert.deepEqual(
      resultsOf('B').map((r) => r.pct),
      [60, 50, 50],
    );
    assert.deepEqual(
      resultsOf('C').map((r) => r.pct),
      [90, 50, 100],
    );
  });

  it('counts only the summoned cleanings as expected', () => {
    assert.deepEqual(
      resultsOf('A').map((r) => r.expected),
      [10, 4, 3],
    );
    assert.deepEqual(
      resultsOf('B').map((r) => r.expected),
      [10, 4, 4],
    );
    assert.deepEqual(
      resultsOf('C').map((r) => r.expected),
      [10, 4, 2],
    );
  });

  it('counts the excused absence of A as an absence, leaving A exactly at the minimum', () => {
    const [aulas] = resultsOf('A');
    assert.equal(aulas?.excused, 1);
    assert.equal(aulas?.absent, 2);
    assert.equal(aulas?.shortfall, false);
    assert.equal(aulas?.missingToMinimum, 0);
  });

  it('gives the missingToMinimum values of the example', () => {
    assert.deepEqual(
      resultsOf('A').map((r) => r.missingToMinimum),
      [0, 0, 0],
    );
    assert.deepEqual(
      resultsOf('B').map((r) => r.missingToMinimum),
      [1, 1, 1],
    );
    assert.deepEqual(
      resultsOf('C').map((r) => r.missingToMinimum),
      [0, 1, 0],
    );
  });

  it('gives the shortfalls, cleared and volunteer totals of the table', () => {
    assert.deepEqual(studentResult(resultsOf('A'), policy), {
      volunteer: 1,
      shortfalls: 0,
      cleared: true,
    });
    assert.deepEqual(studentResult(resultsOf('B'), policy), {
      volunteer: 0,
      shortfalls: 3,
      cleared: false,
    });
    assert.deepEqual(studentResult(resultsOf('C'), policy), {
      volunteer: 2,
      shortfalls: 1,
      cleared: true,
    });
  });

  it('gives the summary of the example', () => {
    const rows = (['A', 'B', 'C'] as const).map((name) => ({
      situation: 'active' as const,
      ...studentResult(resultsOf(name), policy),
    }));
    assert.deepEqual(sheetSummary(rows), {
      byShortfalls: { '0': 1, '1': 1, '2': 0, '3': 1, '4': 0, '5+': 0 },
      cleared: 2,
      notCleared: 1,
      active: 3,
      onLeave: 0,
      disconnected: 0,
    });
  });

  it('uses the cohort defaults of the example as the default policy', () => {
    assert.deepEqual(DEFAULT_POLICY, policy);
  });
});

// ---------------------------------------------------------------------------------------------
// Rule 1
// ---------------------------------------------------------------------------------------------

describe('rule 1: expected sessions', () => {
  it('expects a non-extra session of a mandatory activity within the enrollment', () => {
    assert.equal(isExpected(MANDATORY), true);
    assert.equal(notExpectedReason(MANDATORY), null);
  });

  it('never expects an extra session, even a mandatory one the student was summoned to', () => {
    const extra = { ...MANDATORY, isExtra: true, isSummoned: true };
    assert.equal(isExpected(extra), false);
    assert.equal(notExpectedReason(extra), 'extra_session');
    assert.equal(notExpectedReason({ ...extra, mode: 'convocation' }), 'extra_session');
  });

  it('expects a convocation session only when the student was summoned', () => {
    const convocation: ExpectationFacts = { ...MANDATORY, mode: 'convocation' };
    assert.equal(isExpected(convocation), false);
    assert.equal(notExpectedReason(convocation), 'not_summoned');
    assert.equal(isExpected({ ...convocation, isSummoned: true }), true);
  });

  it('ignores the summons on a mandatory activity', () => {
    assert.equal(isExpected({ ...MANDATORY, isSummoned: true }), true);
  });

  it('never expects a session outside the enrollment, summoned or not', () => {
    const outside = { ...MANDATORY, isEnrolledOnDate: false, isSummoned: true };
    assert.equal(isExpected(outside), false);
    assert.equal(notExpectedReason(outside), 'not_enrolled');
    assert.equal(isExpected({ ...outside, mode: 'convocation' }), false);
  });

  it('covers dates from the enrollment start to its end, both included', () => {
    const enrollment = { enrolledOn: '2025-03-05', endedOn: '2025-06-30' };
    assert.equal(enrollmentCovers(enrollment, '2025-03-04'), false);
    assert.equal(enrollmentCovers(enrollment, '2025-03-05'), true);
    assert.equal(enrollmentCovers(enrollment, '2025-06-30'), true);
    assert.equal(enrollmentCovers(enrollment, '2025-07-01'), false);
    assert.equal(enrollmentCovers({ ...enrollment, endedOn: null }, '2031-01-01'), true);
  });

  it('refuses dates that are not YYYY-MM-DD', () => {
    const enrollment = { enrolledOn: '2025-03-05', endedOn: null };
    assert.throws(() => enrollmentCovers(enrollment, '05/03/2025'), RangeError);
    assert.throws(() => enrollmentCovers({ ...enrollment, enrolledOn: '2025-3-5' }, '2025-03-05'));
  });
});

// ---------------------------------------------------------------------------------------------
// Rule 2
// ---------------------------------------------------------------------------------------------

describe('rule 2: allowed statuses', () => {
  const notSummoned: ExpectationFacts = { ...MANDATORY, mode: 'convocation' };

  it('allows P, F and J on an expected session and V1, V2 elsewhere', () => {
    assert.deepEqual(allowedStatuses(MANDATORY), ['P', 'F', 'J']);
    assert.deepEqual(allowedStatuses(notSummoned), ['V1', 'V2']);
    assert.deepEqual(allowedStatuses({ ...MANDATORY, isExtra: true }), ['V1', 'V2']);
  });

  it('accepts every allowed status', () => {
    for (const status of ['P', 'F', 'J']) assert.equal(validateMark(MANDATORY, status), null);
    for (const status of ['V1', 'V2']) assert.equal(validateMark(notSummoned, status), null);
  });

  it('refuses a voluntary status on an expected session, saying what to use', () => {
    const rejection = validateMark(MANDATORY, 'V1');
    assert.equal(rejection?.code, 'attendance_status_required');
    assert.deepEqual(rejection?.allowed, ['P', 'F', 'J']);
    assert.equal(rejection?.notExpectedReason, null);
    assert.match(rejection?.message ?? '', /use P, F or J/);
  });

  it('refuses an attendance status on a session that is not expected, saying why', () => {
    const cases: [ExpectationFacts, string][] = [
      [notSummoned, 'not summoned'],
      [{ ...MANDATORY, isExtra: true }, 'extra'],
      [{ ...MANDATORY, isEnrolledOnDate: false }, 'enrollment does not cover'],
    ];
    for (const [facts, why] of cases) {
      const rejection = validateMark(facts, 'J');
      assert.equal(rejection?.code, 'voluntary_status_required');
      assert.deepEqual(rejection?.allowed, ['V1', 'V2']);
      assert.equal(rejection?.notExpectedReason, notExpectedReason(facts));
      assert.match(rejection?.message ?? '', new RegExp(why));
      assert.match(rejection?.message ?? '', /use V1 or V2/);
    }
  });

  it('refuses unknown statuses, lower-case ones included', () => {
    for (const status of ['X', 'p', '', 'V3']) {
      assert.equal(validateMark(MANDATORY, status)?.code, 'unknown_status');
    }
  });

  it('reports marks left inconsistent by a later change, and no problem for no mark', () => {
    assert.equal(
      markProblem(fact('P', { isEnrolledOnDate: false }))?.code,
      'voluntary_status_required',
    );
    assert.equal(markProblem(fact(null)), null);
    assert.equal(markProblem(fact('F')), null);
  });
});

// ---------------------------------------------------------------------------------------------
// Rule 3
// ---------------------------------------------------------------------------------------------

describe('rule 3: counters', () => {
  it('counts each status in its counter', () => {
    const facts = [
      fact('P'),
      fact('P'),
      fact('F'),
      fact('J'),
      fact('V1', { isExtra: true }),
      fact('V2', { mode: 'convocation' }),
      fact(null),
    ];
    assert.deepEqual(countFacts(facts), {
      expected: 4,
      present: 2,
      absent: 1,
      excused: 1,
      volunteerExtra: 1,
      volunteerSimple: 1,
      pending: 1,
    });
  });

  it('counts an expected session without a mark as pending, not as expected', () => {
    assert.deepEqual(countFacts([fact(null)]), counters({ pending: 1 }));
  });

  it('counts a summoned student not marked yet as pending', () => {
    const summoned = fact(null, { mode: 'convocation', isSummoned: true });
    assert.deepEqual(countFacts([summoned]), counters({ pending: 1 }));
  });

  it('counts nothing for a convocation session the student was not summoned to', () => {
    assert.deepEqual(countFacts([fact(null, { mode: 'convocation' })]), emptyCounters());
  });

  it('never counts an extra session as expected, whatever its mark', () => {
    const extra = MARK_STATUSES.map((status) => fact(status, { isExtra: true }));
    const result = countFacts([...extra, fact(null, { isExtra: true })]);
    assert.equal(result.expected, 0);
    assert.equal(result.pending, 0);
  });

  it('counts nothing for sessions outside the enrollment but voluntary marks', () => {
    const outside = { isEnrolledOnDate: false };
    const result = countFacts([fact('P', outside), fact(null, outside), fact('V2', outside)]);
    assert.deepEqual(result, counters({ volunteerSimple: 1 }));
  });

  it('keeps an expected session with a voluntary mark pending until it is fixed', () => {
    assert.deepEqual(countFacts([fact('V1')]), counters({ pending: 1 }));
  });

  it('does not change the counters it adds to', () => {
    const before = emptyCounters();
    addFact(before, fact('P'));
    assert.deepEqual(before, emptyCounters());
  });

  it('buckets facts by month', () => {
    const byMonth = countByMonth([
      fact('P', { date: '2025-03-31' }),
      fact('F', { date: '2025-04-01' }),
      fact('P', { date: '2025-04-08' }),
    ]);
    assert.deepEqual([...byMonth.keys()], ['2025-03', '2025-04']);
    assert.deepEqual(byMonth.get('2025-04'), withAttendance(1, 1));
    assert.throws(() => countByMonth([fact('P', { date: '2025-04' })]), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Rules 4–6
// ---------------------------------------------------------------------------------------------

describe('rules 4 to 6: percentage, shortfall and missing to minimum', () => {
  const policy = { minAttendancePct: 70 };

  it('has no percentage and no shortfall when nothing is expected', () => {
    const result = activityResult(counters({ volunteerExtra: 3, pending: 2 }), policy);
    assert.equal(result.pct, null);
    assert.equal(result.shortfall, false);
    assert.equal(result.missingToMinimum, 0);
  });

  it('is not a shortfall exactly at the minimum, and is one just below', () => {
    assert.equal(isShortfall(withAttendance(7, 3), policy), false);
    assert.equal(isShortfall(withAttendance(69, 31), policy), true);
    assert.equal(isShortfall(withAttendance(0, 0), { minAttendancePct: 100 }), false);
    assert.equal(isShortfall(withAttendance(0, 5), { minAttendancePct: 0 }), false);
  });

  it('compares at the minimum exactly, without floating-point error', () => {
    // 29 / 50 * 100 is 57.99999999999999 in floating point.
    assert.equal(isShortfall(withAttendance(29, 21), { minAttendancePct: 58 }), false);
    assert.equal(isShortfall(withAttendance(57, 43), { minAttendancePct: 57 }), false);
    assert.equal(missingToMinimum(withAttendance(29, 21), { minAttendancePct: 58 }), 0);
  });

  it('compares with the exact ratio, not the rounded percentage', () => {
    // 2 of 3 shows as 66.67 but is 66.666…, below a 66.67 minimum.
    const result = activityResult(withAttendance(2, 1), { minAttendancePct: 66.67 });
    assert.equal(result.pct, 66.67);
    assert.equal(result.shortfall, true);
    assert.equal(result.missingToMinimum, 1);
  });

  it('counts excused absences as absences', () => {
    const excused = activityResult(withAttendance(6, 0, 4), policy);
    const absent = activityResult(withAttendance(6, 4, 0), policy);
    assert.equal(excused.pct, 60);
    assert.equal(excused.shortfall, true);
    assert.deepEqual({ ...excused, excused: 0, absent: 4 }, { ...absent, excused: 0, absent: 4 });
  });

  it('leaves voluntary marks out of the percentage', () => {
    const plain = countFacts(mandatorySessions(['P', 'F']));
    const withVolunteering = countFacts([
      ...mandatorySessions(['P', 'F']),
      fact('V1', { isExtra: true }),
      fact('V2', { mode: 'convocation' }),
    ]);
    assert.equal(activityResult(withVolunteering, policy).pct, activityResult(plain, policy).pct);
  });

  it('rounds to two decimals for APIs and whole numbers for the sheet, half up', () => {
    assert.equal(roundPct(1, 3), 33.33);
    assert.equal(roundPct(2, 3), 66.67);
    assert.equal(roundPct(2, 3, 'display'), 67);
    assert.equal(roundPct(1, 32), 3.13);
    assert.equal(roundPct(1, 8, 'display'), 13);
    assert.equal(roundPct(3, 3, 'display'), 100);
    assert.equal(roundPct(0, 0), null);
    assert.equal(roundPct(0, 0, 'display'), null);
  });

  it('rounds the sheet percentage from the counters, not from the rounded API value', () => {
    // 51 / 101 = 50.495…: 50 on the sheet, although its two-decimal value is 50.5.
    assert.equal(roundPct(51, 101), 50.5);
    assert.equal(roundPct(51, 101, 'display'), 50);
  });

  it('computes missingToMinimum with the ceiling of the minimum presences', () => {
    assert.equal(missingToMinimum(withAttendance(2, 2), policy), 1);
    assert.equal(missingToMinimum(withAttendance(0, 3), policy), 3);
    assert.equal(missingToMinimum(withAttendance(10, 0), policy), 0);
  });

  it('refuses minimums outside 0–100 or with more than two decimals', () => {
    for (const minAttendancePct of [-1, 100.01, 70.001, Number.NaN, Infinity]) {
      assert.throws(() => activityResult(withAttendance(1, 1), { minAttendancePct }), RangeError);
    }
    assert.equal(activityResult(withAttendance(1, 1), { minAttendancePct: 70.1 }).shortfall, true);
  });
});

// ---------------------------------------------------------------------------------------------
// Rule 7
// ---------------------------------------------------------------------------------------------

describe('rule 7: per student', () => {
  const result = (shortfall: boolean, volunteerExtra = 0, volunteerSimple = 0) => ({
    shortfall,
    volunteerExtra,
    volunteerSimple,
  });

  it('clears a student with shortfalls up to the cohort limit, not beyond', () => {
    const two = [result(true), result(true), result(false)];
    assert.equal(studentResult(two, { maxShortfallsToClear: 2 }).cleared, true);
    assert.equal(studentResult(two, { maxShortfallsToClear: 1 }).cleared, false);
    assert.equal(studentResult([], { maxShortfallsToClear: 0 }).cleared, true);
  });

  it('adds V1 and V2 over all activities', () => {
    const totals = studentResult([result(false, 2, 1), result(true, 0, 3)], DEFAULT_POLICY);
    assert.deepEqual(totals, { volunteer: 6, shortfalls: 1, cleared: true });
  });

  it('refuses a limit that is not an integer ≥ 0', () => {
    for (const maxShortfallsToClear of [-1, 1.5, Number.NaN]) {
      assert.throws(() => studentResult([], { maxShortfallsToClear }), RangeError);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Rule 8
// ---------------------------------------------------------------------------------------------

describe('rule 8: sheet summary', () => {
  const row = (situation: StudentSituation, shortfalls: number, cleared: boolean) => ({
    situation,
    shortfalls,
    cleared,
  });

  it('buckets 5 or more shortfalls together', () => {
    assert.deepEqual([0, 1, 4, 5, 12].map(shortfallBucket), ['0', '1', '4', '5+', '5+']);
    assert.throws(() => shortfallBucket(-1), RangeError);
  });

  it('counts on-leave students like active ones, in their own head-count', () => {
    const summary = sheetSummary([row('active', 0, true), row('on_leave', 6, false)]);
    assert.deepEqual(summary, {
      byShortfalls: { '0': 1, '1': 0, '2': 0, '3': 0, '4': 0, '5+': 1 },
      cleared: 1,
      notCleared: 1,
      active: 1,
      onLeave: 1,
      disconnected: 0,
    });
  });

  it('leaves disconnected students out of every count but their own', () => {
    const summary = sheetSummary([row('active', 1, true), row('disconnected', 3, false)]);
    assert.deepEqual(summary, {
      byShortfalls: { '0': 0, '1': 1, '2': 0, '3': 0, '4': 0, '5+': 0 },
      cleared: 1,
      notCleared: 0,
      active: 1,
      onLeave: 0,
      disconnected: 1,
    });
  });

  it('leaves deceased and excluded students out of every count', () => {
    const summary = sheetSummary([row('deceased', 2, false), row('excluded', 0, true)]);
    assert.deepEqual(summary, {
      byShortfalls: { '0': 0, '1': 0, '2': 0, '3': 0, '4': 0, '5+': 0 },
      cleared: 0,
      notCleared: 0,
      active: 0,
      onLeave: 0,
      disconnected: 0,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Forecast
// ---------------------------------------------------------------------------------------------

describe('forecast', () => {
  const policy = { minAttendancePct: 70 };

  it('tells how many more absences fit before the end of the period', () => {
    // 6 of 7 so far, 3 to come: 10 in all, 7 needed, so 1 more presence and 2 absences.
    assert.deepEqual(forecast(withAttendance(6, 1), 3, policy), {
      finalExpected: 10,
      undecided: 3,
      presencesNeeded: 1,
      affordableAbsences: 2,
      canReachMinimum: true,
    });
  });

  it('treats pending sessions as still to be decided', () => {
    const withPending = counters({ ...withAttendance(6, 1), pending: 2 });
    assert.deepEqual(forecast(withPending, 1, policy), forecast(withAttendance(6, 1), 3, policy));
  });

  it('says when the minimum can no longer be reached', () => {
    const result = forecast(withAttendance(2, 6), 2, policy);
    assert.equal(result.canReachMinimum, false);
    assert.equal(result.affordableAbsences, 0);
    assert.equal(result.presencesNeeded, 5);
  });

  it('allows every remaining absence when the minimum is already secured', () => {
    const result = forecast(withAttendance(10, 0), 2, policy);
    assert.equal(result.presencesNeeded, 0);
    assert.equal(result.affordableAbsences, 2);
  });

  it('has nothing to forecast when nothing is or will be expected', () => {
    assert.deepEqual(forecast(emptyCounters(), 0, policy), {
      finalExpected: 0,
      undecided: 0,
      presencesNeeded: 0,
      affordableAbsences: 0,
      canReachMinimum: true,
    });
  });

  it('refuses a negative or fractional number of remaining sessions', () => {
    assert.throws(() => forecast(emptyCounters(), -1, policy), RangeError);
    assert.throws(() => forecast(emptyCounters(), 1.5, policy), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const statusArb = fc.option(fc.constantFrom(...MARK_STATUSES), { nil: null });
const dateArb = fc
  .tuple(fc.integer({ min: 2024, max: 2025 }), fc.integer({ min: 1, max: 12 }))
  .chain(([year, month]) =>
    fc.integer({ min: 1, max: 28 }).map((day) => {
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${year}-${pad(month)}-${pad(day)}`;
    }),
  );
const factArb: fc.Arbitrary<SessionFact> = fc.record({
  date: dateArb,
  isExtra: fc.boolean(),
  mode: fc.constantFrom<ActivityMode>('mandatory', 'convocation'),
  isEnrolledOnDate: fc.boolean(),
  isSummoned: fc.boolean(),
  status: statusArb,
});
const factsArb = fc.array(factArb, { maxLength: 80 });
/** Minimums with up to two decimals, as cohorts may set them. */
const minArb = fc.integer({ min: 0, max: 10_000 }).map((hundredths) => hundredths / 100);
const minPolicyArb = minArb.map((minAttendancePct) => ({ minAttendancePct }));
const expectedFactArb = (status: MarkStatus) =>
  fc.record({ date: dateArb, status: fc.constant(status) }).map((f) => fact(f.status, f));
const attendanceArb = fc
  .tuple(fc.nat(60), fc.nat(60), fc.nat(60), fc.nat(20))
  .map(([present, absent, excused, pending]) =>
    counters({ ...withAttendance(present, absent, excused), pending }),
  );

describe('properties of the rules', () => {
  it('keeps present + absent + excused equal to expected', () => {
    fc.assert(
      fc.property(factsArb, (facts) => {
        const c = countFacts(facts);
        assert.equal(c.present + c.absent + c.excused, c.expected);
      }),
    );
  });

  it('keeps pct between 0 and 100, within rounding of the exact ratio', () => {
    fc.assert(
      fc.property(factsArb, minPolicyArb, (facts, policy) => {
        const result = activityResult(countFacts(facts), policy);
        if (result.expected === 0) {
          assert.equal(result.pct, null);
          return;
        }
        assert.ok(result.pct !== null && result.pct >= 0 && result.pct <= 100);
        const exact = (result.present / result.expected) * 100;
        assert.ok(Math.abs(result.pct - exact) <= 0.005 + 1e-9);
      }),
    );
  });

  it('never adds a shortfall by adding a present mark', () => {
    fc.assert(
      fc.property(factsArb, expectedFactArb('P'), minPolicyArb, (facts, present, policy) => {
        const before = isShortfall(countFacts(facts), policy);
        const after = isShortfall(countFacts([...facts, present]), policy);
        assert.ok(before || !after);
      }),
    );
  });

  it('never removes a shortfall by adding an absence, excused or not', () => {
    const absenceArb = fc.constantFrom<MarkStatus>('F', 'J').chain(expectedFactArb);
    fc.assert(
      fc.property(factsArb, absenceArb, minPolicyArb, (facts, absence, policy) => {
        const before = isShortfall(countFacts(facts), policy);
        const after = isShortfall(countFacts([...facts, absence]), policy);
        assert.ok(!before || after);
      }),
    );
  });

  it('never changes pct or shortfall by adding voluntary marks', () => {
    const voluntaryArb = fc
      .tuple(factArb, fc.constantFrom<MarkStatus>('V1', 'V2'))
      .map(([f, status]) => ({ ...f, isExtra: true, status }));
    fc.assert(
      fc.property(factsArb, fc.array(voluntaryArb), minPolicyArb, (facts, extra, policy) => {
        const before = activityResult(countFacts(facts), policy);
        const after = activityResult(countFacts([...facts, ...extra]), policy);
        assert.equal(after.pct, before.pct);
        assert.equal(after.shortfall, before.shortfall);
        assert.equal(
          after.volunteerExtra + after.volunteerSimple,
          before.volunteerExtra + before.volunteerSimple + extra.length,
        );
      }),
    );
  });

  it('sums monthly counters to the counters of the whole range', () => {
    fc.assert(
      fc.property(factsArb, (facts) => {
        assert.deepEqual(sumCounters(countByMonth(facts).values()), countFacts(facts));
      }),
    );
  });

  it('merges the counters of any split as if counted at once, in any order', () => {
    fc.assert(
      fc.property(factsArb, factsArb, (a, b) => {
        const merged = mergeCounters(countFacts(a), countFacts(b));
        assert.deepEqual(merged, countFacts([...a, ...b]));
        assert.deepEqual(merged, mergeCounters(countFacts(b), countFacts(a)));
        assert.deepEqual(mergeCounters(merged, emptyCounters()), merged);
      }),
    );
  });

  it('has missingToMinimum 0 exactly when there is no shortfall', () => {
    fc.assert(
      fc.property(attendanceArb, minPolicyArb, (c, policy) => {
        const result = activityResult(c, policy);
        if (result.expected === 0) return;
        assert.equal(result.missingToMinimum === 0, !result.shortfall);
      }),
    );
  });

  it('has missingToMinimum as the fewest absences that, as presences, clear the shortfall', () => {
    fc.assert(
      fc.property(attendanceArb, minPolicyArb, (c, policy) => {
        const missing = missingToMinimum(c, policy);
        const absences = c.absent + c.excused;
        const turned = (n: number) => withAttendance(c.present + n, absences - n);
        assert.ok(missing <= absences);
        assert.equal(isShortfall(turned(missing), policy), false);
        if (missing > 0) assert.equal(isShortfall(turned(missing - 1), policy), true);
      }),
    );
  });

  it('keeps out of shortfall with exactly the affordable absences, not one more', () => {
    fc.assert(
      fc.property(attendanceArb, fc.nat(30), minPolicyArb, (c, remaining, policy) => {
        const f = forecast(c, remaining, policy);
        const absences = c.absent + c.excused;
        const ending = (missed: number) =>
          withAttendance(c.present + f.undecided - missed, absences + missed);

        assert.equal(ending(0).expected, f.finalExpected);
        if (!f.canReachMinimum) {
          assert.equal(f.affordableAbsences, 0);
          assert.equal(isShortfall(ending(0), policy), true);
          return;
        }
        assert.equal(isShortfall(ending(f.affordableAbsences), policy), false);
        if (f.affordableAbsences < f.undecided) {
          assert.equal(isShortfall(ending(f.affordableAbsences + 1), policy), true);
        }
      }),
    );
  });

  it('counts each summarised student once in buckets, in cleared and in head-counts', () => {
    const situationArb = fc.constantFrom<StudentSituation>(
      'active',
      'on_leave',
      'disconnected',
      'deceased',
      'excluded',
    );
    const rowArb: fc.Arbitrary<SummaryRow> = fc.record({
      situation: situationArb,
      shortfalls: fc.nat(8),
      cleared: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(rowArb), (rows) => {
        const s = sheetSummary(rows);
        const inBuckets = Object.values(s.byShortfalls).reduce((a, b) => a + b, 0);
        assert.equal(inBuckets, s.cleared + s.notCleared);
        assert.equal(inBuckets, s.active + s.onLeave);
        assert.equal(s.disconnected, rows.filter((r) => r.situation === 'disconnected').length);
      }),
    );
  });

  it('clears a student exactly when the shortfalls are within the limit', () => {
    const resultArb = fc.record({
      shortfall: fc.boolean(),
      volunteerExtra: fc.nat(5),
      volunteerSimple: fc.nat(5),
    });
    fc.assert(
      fc.property(fc.array(resultArb), fc.nat(6), (results, maxShortfallsToClear) => {
        const s = studentResult(results, { maxShortfallsToClear });
        assert.equal(s.shortfalls, results.filter((r) => r.shortfall).length);
        assert.equal(s.cleared, s.shortfalls <= maxShortfallsToClear);
      }),
    );
  });
});
