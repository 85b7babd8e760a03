import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  daysInMonth,
  deltaTSeconds,
  formatMonth,
  fullMoonDates,
  fullMoonInstants,
  isLeapYear,
  isValidDate,
  isValidMonth,
  monthRange,
  monthsBetween,
  parseMonth,
  suggestLessonDates,
  WEEKDAYS,
  weekdayDates,
} from '../../src/attendance/calendar.ts';

/**
 * Reference instants of full moon, UTC, to the second, 2024-2027. Source: the table
 * data/full-moons.csv published in
 * https://github.com/cjwinchester/full-moons-solstices-equinoxes-eclipses
 * (computed with Skyfield from the JPL DE440 ephemeris, so independent of Meeus).
 */
const REFERENCE_UTC = [
  '2024-01-25T17:54:00Z',
  '2024-02-24T12:30:25Z',
  '2024-03-25T07:00:19Z',
  '2024-04-23T23:48:58Z',
  '2024-05-23T13:53:08Z',
  '2024-06-22T01:07:52Z',
  '2024-07-21T10:17:09Z',
  '2024-08-19T18:25:48Z',
  '2024-09-18T02:34:28Z',
  '2024-10-17T11:26:24Z',
  '2024-11-15T21:28:30Z',
  '2024-12-15T09:01:41Z',
  '2025-01-13T22:26:54Z',
  '2025-02-12T13:53:23Z',
  '2025-03-14T06:54:39Z',
  '2025-04-13T00:22:15Z',
  '2025-05-12T16:55:56Z',
  '2025-06-11T07:43:50Z',
  '2025-07-10T20:36:47Z',
  '2025-08-09T07:55:04Z',
  '2025-09-07T18:08:53Z',
  '2025-10-07T03:47:36Z',
  '2025-11-05T13:19:18Z',
  '2025-12-04T23:14:04Z',
  '2026-01-03T10:02:54Z',
  '2026-02-01T22:09:14Z',
  '2026-03-03T11:37:53Z',
  '2026-04-02T02:11:57Z',
  '2026-05-01T17:23:10Z',
  '2026-05-31T08:45:12Z',
  '2026-06-29T23:56:41Z',
  '2026-07-29T14:35:43Z',
  '2026-08-28T04:18:32Z',
  '2026-09-26T16:49:02Z',
  '2026-10-26T04:11:48Z',
  '2026-11-24T14:53:33Z',
  '2026-12-24T01:28:14Z',
  '2027-01-22T12:17:23Z',
  '2027-02-20T23:23:39Z',
  '2027-03-22T10:43:47Z',
  '2027-04-20T22:27:09Z',
  '2027-05-20T10:59:01Z',
  '2027-06-19T00:44:21Z',
  '2027-07-18T15:44:55Z',
  '2027-08-17T07:28:41Z',
  '2027-09-15T23:03:31Z',
  '2027-10-15T13:47:00Z',
  '2027-11-14T03:25:55Z',
  '2027-12-13T16:08:48Z',
];

/**
 * A second, independently published list for 2025 and 2026, to the minute, in US Eastern time
 * (EST −05:00 / EDT −04:00, as the 2026 page states), written here with its offset. Sources:
 * https://fucircle.com/Index/item/id/234568.html (2025) and
 * https://www.crbcnews.com/articles/697115bbb466a6a0b782209e (2026).
 */
const REFERENCE_EASTERN = [
  '2025-01-13T17:27-05:00',
  '2025-02-12T08:53-05:00',
  '2025-03-14T02:55-04:00',
  '2025-04-12T20:22-04:00',
  '2025-05-12T12:56-04:00',
  '2025-06-11T03:44-04:00',
  '2025-07-10T16:37-04:00',
  '2025-08-09T03:55-04:00',
  '2025-09-07T14:09-04:00',
  '2025-10-06T23:48-04:00',
  '2025-11-05T08:19-05:00',
  '2025-12-04T18:14-05:00',
  '2026-01-03T05:03-05:00',
  '2026-02-01T17:09-05:00',
  '2026-03-03T06:38-05:00',
  '2026-04-01T22:12-04:00',
  '2026-05-01T13:23-04:00',
  '2026-05-31T04:45-04:00',
  '2026-06-29T19:57-04:00',
  '2026-07-29T10:36-04:00',
  '2026-08-28T00:19-04:00',
  '2026-09-26T12:49-04:00',
  '2026-10-26T00:12-04:00',
  '2026-11-24T09:54-05:00',
  '2026-12-23T20:28-05:00',
];

const FIVE_MINUTES = 5 * 60_000;
const SAO_PAULO = 'America/Sao_Paulo';

function instantsIn(fromIso: string, toIso: string): Date[] {
  return fullMoonInstants(new Date(fromIso), new Date(toIso));
}

/** Largest |computed − reference| in ms, after checking the two lists pair up one to one. */
function maxErrorMs(computed: Date[], reference: string[]): number {
  assert.equal(computed.length, reference.length, 'one computed full moon per reference row');
  return Math.max(
    ...reference.map((iso, index) =>
      Math.abs((computed[index]?.getTime() ?? NaN) - Date.parse(iso)),
    ),
  );
}

function referenceDatesIn(year: number, month: number, shiftHours: number): string[] {
  const prefix = formatMonth(year, month);
  return REFERENCE_UTC.map((iso) =>
    new Date(Date.parse(iso) + shiftHours * 3_600_000).toISOString().slice(0, 10),
  ).filter((date) => date.startsWith(prefix));
}

describe('full moon instants', () => {
  it('match the reference table for 2024-2027 within 5 minutes (in fact within a minute)', () => {
    const error = maxErrorMs(instantsIn('2024-01-01T00:00Z', '2028-01-01T00:00Z'), REFERENCE_UTC);
    assert.ok(error <= FIVE_MINUTES, `max error ${error / 1000} s`);
    assert.ok(error <= 60_000, `max error ${error / 1000} s`);
  });

  it('match the published US Eastern list for 2025 and 2026 within 5 minutes', () => {
    const error = maxErrorMs(
      instantsIn('2025-01-01T00:00Z', '2027-01-01T00:00Z'),
      REFERENCE_EASTERN,
    );
    assert.ok(error <= FIVE_MINUTES, `max error ${error / 1000} s`);
  });

  it('include the start of the window and exclude its end', () => {
    const [instant] = instantsIn('2026-03-01T00:00Z', '2026-03-31T00:00Z');
    assert.ok(instant !== undefined);
    assert.deepEqual(fullMoonInstants(instant, new Date(instant.getTime() + 1)), [instant]);
    assert.deepEqual(fullMoonInstants(new Date(instant.getTime() - 1), instant), []);
  });

  it('are empty for an empty or reversed window', () => {
    assert.deepEqual(instantsIn('2026-03-04T00:00Z', '2026-03-30T00:00Z'), []);
    assert.deepEqual(instantsIn('2027-01-01T00:00Z', '2026-01-01T00:00Z'), []);
  });

  it('refuse an invalid date', () => {
    assert.throws(() => fullMoonInstants(new Date('nope'), new Date()), RangeError);
  });

  it('use a ΔT that is continuous where its polynomials meet', () => {
    for (const year of [1920, 1941, 1961, 1986, 2005, 2050, 2150]) {
      const jump = Math.abs(deltaTSeconds(year) - deltaTSeconds(year - 1e-9));
      assert.ok(jump < 1, `ΔT jumps ${jump} s at ${year}`);
    }
    // Observed values: 63.8 s in 2000, 69.2 s in 2025 (IERS).
    assert.ok(Math.abs(deltaTSeconds(2000) - 63.8) < 1);
    assert.ok(Math.abs(deltaTSeconds(2025) - 69.2) < 6);
  });
});

describe('full moon dates', () => {
  it('give the UTC date of every full moon of the reference table, month by month', () => {
    for (const month of monthsBetween('2024-01', '2027-12')) {
      const { year, month: m } = parseMonth(month);
      assert.deepEqual(fullMoonDates(year, m, 'UTC'), referenceDatesIn(year, m, 0), month);
    }
  });

  it('give the São Paulo date (UTC−3 all year since 2019) of every reference full moon', () => {
    for (const month of monthsBetween('2024-01', '2027-12')) {
      const { year, month: m } = parseMonth(month);
      assert.deepEqual(fullMoonDates(year, m, SAO_PAULO), referenceDatesIn(year, m, -3), month);
    }
  });

  it('move a full moon before 03:00 UTC to the previous day in São Paulo', () => {
    const cases: [string, number, number, string, string][] = [
      ['2024-06-22T01:07:52Z', 2024, 6, '2024-06-22', '2024-06-21'],
      ['2024-09-18T02:34:28Z', 2024, 9, '2024-09-18', '2024-09-17'],
      ['2025-04-13T00:22:15Z', 2025, 4, '2025-04-13', '2025-04-12'],
      ['2026-04-02T02:11:57Z', 2026, 4, '2026-04-02', '2026-04-01'],
      ['2026-12-24T01:28:14Z', 2026, 12, '2026-12-24', '2026-12-23'],
      ['2027-06-19T00:44:21Z', 2027, 6, '2027-06-19', '2027-06-18'],
    ];
    for (const [instant, year, month, utcDate, saoPauloDate] of cases) {
      assert.deepEqual(fullMoonDates(year, month, 'UTC'), [utcDate], instant);
      assert.deepEqual(fullMoonDates(year, month, SAO_PAULO), [saoPauloDate], instant);
    }
  });

  it('keep the date when the full moon is just after 03:00 UTC', () => {
    // 2025-10-07T03:47:36Z and 2027-11-14T03:25:55Z: 00:47 and 00:25 in São Paulo.
    assert.deepEqual(fullMoonDates(2025, 10, SAO_PAULO), ['2025-10-07']);
    assert.deepEqual(fullMoonDates(2027, 11, SAO_PAULO), ['2027-11-14']);
  });

  it('follow daylight saving time where the zone has it (US Eastern list)', () => {
    for (const iso of REFERENCE_EASTERN) {
      const date = iso.slice(0, 10);
      const { year, month } = parseMonth(date.slice(0, 7));
      assert.ok(fullMoonDates(year, month, 'America/New_York').includes(date), iso);
    }
  });

  it('list both full moons of a blue-moon month', () => {
    assert.deepEqual(fullMoonDates(2026, 5, SAO_PAULO), ['2026-05-01', '2026-05-31']);
  });

  it('list none in a February without a full moon', () => {
    // Reference (same source): 2037-01-31T14:04:12Z, 2037-03-02T00:28:12Z (still March 1st
    // in São Paulo) and 2037-03-31T09:53:35Z.
    assert.deepEqual(fullMoonDates(2037, 2, 'UTC'), []);
    assert.deepEqual(fullMoonDates(2037, 2, SAO_PAULO), []);
    assert.deepEqual(fullMoonDates(2037, 3, SAO_PAULO), ['2037-03-01', '2037-03-31']);
  });

  it('move a full moon across a month boundary when the zone says so', () => {
    // Reference (same source): 2028-12-02T01:40:14Z, 2028-12-31T16:48:31Z,
    // 2029-01-30T06:03:37Z; 2031-08-03T01:45:38Z, 2031-09-01T09:20:32Z, 2031-09-30T18:57:53Z.
    assert.deepEqual(fullMoonDates(2028, 12, 'UTC'), ['2028-12-02', '2028-12-31']);
    assert.deepEqual(fullMoonDates(2028, 12, 'Asia/Tokyo'), ['2028-12-02']);
    assert.deepEqual(fullMoonDates(2029, 1, 'Asia/Tokyo'), ['2029-01-01', '2029-01-30']);
    assert.deepEqual(fullMoonDates(2031, 8, 'Pacific/Honolulu'), ['2031-08-02', '2031-08-31']);
    assert.deepEqual(fullMoonDates(2031, 9, 'Pacific/Honolulu'), ['2031-09-30']);
  });

  it('refuse an unknown time zone or month', () => {
    assert.throws(() => fullMoonDates(2026, 3, 'Mars/Olympus_Mons'), RangeError);
    assert.throws(() => fullMoonDates(2026, 13, SAO_PAULO), RangeError);
  });
});

describe('lesson dates', () => {
  it('list every date of the weekday in the month', () => {
    assert.deepEqual(weekdayDates(2026, 3, 'tue'), [
      '2026-03-03',
      '2026-03-10',
      '2026-03-17',
      '2026-03-24',
      '2026-03-31',
    ]);
    assert.deepEqual(weekdayDates(2026, 2, 'sun'), [
      '2026-02-01',
      '2026-02-08',
      '2026-02-15',
      '2026-02-22',
    ]);
  });

  it('include the 29th of February in a leap year', () => {
    assert.deepEqual(weekdayDates(2024, 2, 'thu'), [
      '2024-02-01',
      '2024-02-08',
      '2024-02-15',
      '2024-02-22',
      '2024-02-29',
    ]);
    assert.deepEqual(weekdayDates(2026, 2, 'thu'), [
      '2026-02-05',
      '2026-02-12',
      '2026-02-19',
      '2026-02-26',
    ]);
  });

  it('cover each day of a month exactly once over the seven weekdays', () => {
    for (const [year, month] of [
      [2024, 2],
      [2026, 2],
      [2026, 12],
      [2000, 2],
      [1900, 2],
    ] as const) {
      const all = WEEKDAYS.flatMap((weekday) => weekdayDates(year, month, weekday)).sort();
      const { first, last } = monthRange(formatMonth(year, month));
      assert.equal(all.length, daysInMonth(year, month));
      assert.equal(new Set(all).size, all.length);
      assert.equal(all[0], first);
      assert.equal(all.at(-1), last);
    }
  });

  it('agree with the JavaScript calendar on the weekday of each date', () => {
    for (const weekday of WEEKDAYS) {
      for (const date of weekdayDates(2027, 7, weekday)) {
        assert.equal(WEEKDAYS[new Date(`${date}T12:00Z`).getUTCDay()], weekday, date);
      }
    }
  });

  it('suggest the whole month when no window is given', () => {
    assert.deepEqual(
      suggestLessonDates({ year: 2026, month: 3, weekday: 'tue' }),
      weekdayDates(2026, 3, 'tue'),
    );
  });

  it('clip suggestions to the window, both ends included', () => {
    const query = { year: 2026, month: 3, weekday: 'tue' } as const;
    assert.deepEqual(suggestLessonDates({ ...query, from: '2026-03-10', to: '2026-03-24' }), [
      '2026-03-10',
      '2026-03-17',
      '2026-03-24',
    ]);
    assert.deepEqual(suggestLessonDates({ ...query, from: '2026-03-11' }), [
      '2026-03-17',
      '2026-03-24',
      '2026-03-31',
    ]);
    assert.deepEqual(suggestLessonDates({ ...query, to: '2026-03-09' }), ['2026-03-03']);
    assert.deepEqual(suggestLessonDates({ ...query, from: '2025-06-01', to: '2026-12-31' }), [
      '2026-03-03',
      '2026-03-10',
      '2026-03-17',
      '2026-03-24',
      '2026-03-31',
    ]);
  });

  it('suggest nothing when the window misses the month or is reversed', () => {
    const query = { year: 2026, month: 3, weekday: 'tue' } as const;
    assert.deepEqual(suggestLessonDates({ ...query, from: '2026-04-01' }), []);
    assert.deepEqual(suggestLessonDates({ ...query, to: '2026-02-28' }), []);
    assert.deepEqual(suggestLessonDates({ ...query, from: '2026-03-20', to: '2026-03-10' }), []);
  });

  it('refuse an invalid window date, month or weekday', () => {
    const query = { year: 2026, month: 3, weekday: 'tue' } as const;
    assert.throws(() => suggestLessonDates({ ...query, from: '2026-02-30' }), RangeError);
    assert.throws(() => suggestLessonDates({ ...query, to: '10/03/2026' }), RangeError);
    assert.throws(() => suggestLessonDates({ ...query, month: 0 }), RangeError);
    assert.throws(() => weekdayDates(2026, 3, 'xyz' as 'mon'), RangeError);
  });
});

describe('month and date helpers', () => {
  it('give the first and last day of a month', () => {
    assert.deepEqual(monthRange('2026-03'), { first: '2026-03-01', last: '2026-03-31' });
    assert.deepEqual(monthRange('2026-04'), { first: '2026-04-01', last: '2026-04-30' });
    assert.deepEqual(monthRange('2026-12'), { first: '2026-12-01', last: '2026-12-31' });
  });

  it('give February 29 days in leap years only', () => {
    assert.equal(monthRange('2024-02').last, '2024-02-29');
    assert.equal(monthRange('2026-02').last, '2026-02-28');
    assert.equal(monthRange('2000-02').last, '2000-02-29');
    assert.equal(monthRange('1900-02').last, '1900-02-28');
    assert.deepEqual([1900, 2000, 2024, 2025, 2100].map(isLeapYear), [
      false,
      true,
      true,
      false,
      false,
    ]);
  });

  it('parse and format YYYY-MM', () => {
    assert.deepEqual(parseMonth('2026-03'), { year: 2026, month: 3 });
    assert.equal(formatMonth(2026, 3), '2026-03');
    assert.equal(formatMonth(999, 12), '0999-12');
    for (const month of ['2026-01', '2026-12', '0001-01', '9999-12']) {
      const { year, month: m } = parseMonth(month);
      assert.equal(formatMonth(year, m), month);
      assert.ok(isValidMonth(month));
    }
  });

  it('refuse a malformed month', () => {
    for (const text of ['2026-13', '2026-00', '2026-3', '26-03', '2026/03', '2026-03-01', '']) {
      assert.throws(() => parseMonth(text), RangeError, text);
      assert.equal(isValidMonth(text), false, text);
    }
    assert.throws(() => formatMonth(2026, 13), RangeError);
    assert.throws(() => formatMonth(2026.5, 1), RangeError);
    assert.throws(() => monthRange('março'), RangeError);
  });

  it('list the months between two months, both included', () => {
    assert.deepEqual(monthsBetween('2026-01', '2026-12'), [
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
      '2026-12',
    ]);
    assert.deepEqual(monthsBetween('2025-11', '2026-02'), [
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
    ]);
    assert.deepEqual(monthsBetween('2026-05', '2026-05'), ['2026-05']);
    assert.deepEqual(monthsBetween('2026-05', '2026-04'), []);
  });

  it('accept only real YYYY-MM-DD dates', () => {
    for (const date of ['2026-03-01', '2024-02-29', '2000-02-29', '2026-12-31']) {
      assert.equal(isValidDate(date), true, date);
    }
    for (const date of [
      '2026-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '2026-1-01',
      '01/03/2026',
      '2026-03-01T00:00',
      '',
    ]) {
      assert.equal(isValidDate(date), false, date);
    }
  });
});
