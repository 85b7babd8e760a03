/**
 * Calendar arithmetic for planning sessions: lesson dates from a cohort's weekday, full-moon
 * dates for the Plenilúnios, and small helpers for `YYYY-MM` months and `YYYY-MM-DD` dates.
 *
 * Everything here is pure: no clock, no database. Dates are plain `YYYY-MM-DD` strings (as
 * stored), months are `YYYY-MM` strings, instants are `Date`s in UTC.
 *
 * Full moons follow Jean Meeus, "Astronomical Algorithms" (2nd ed., 1998), chapter 49
 * ("Phases of the Moon"): the mean phase plus the periodic terms for the full moon and the 14
 * planetary arguments. Meeus gives that method's error as a few seconds (at most about 17 s
 * against the ELP-2000/82 lunar theory); the result is in Dynamical Time (TT), and is turned
 * into UT with ΔT from the Espenak–Meeus polynomials (NASA "Polynomial expressions for Delta
 * T", the same fits as Meeus chapter 10). From 1900 to about 2050 the result is within about
 * a minute of the true instant; against a table for 2024–2027 (see the tests) it is within
 * 20 seconds. Further out ΔT is a forecast or an extrapolation and the error grows to a few
 * minutes by 1800 or 2150, which still gives the right date unless the instant is that close
 * to midnight in the chosen time zone.
 */
import type { Weekday } from '../platform/db/tables.ts';

export type { Weekday };

export const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface YearMonth {
  year: number;
  /** 1-12. */
  month: number;
}

export interface MonthRange {
  first: string;
  last: string;
}

export interface LessonDateQuery extends YearMonth {
  weekday: Weekday;
  /** First date a lesson may take place (e.g. the cohort's first lesson), inclusive. */
  from?: string | undefined;
  /** Last date a lesson may take place (e.g. the cohort's end date), inclusive. */
  to?: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Dates and months
// ---------------------------------------------------------------------------------------------

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_PATTERN = /^(\d{4})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Gregorian rule: every 4th year, except centuries not divisible by 400. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  assertYearMonth(year, month);
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** A real calendar date written `YYYY-MM-DD` (so `2026-02-29` is not). */
export function isValidDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return false;
  const [year, month, day] = match.slice(1).map(Number);
  if (year === undefined || month === undefined || day === undefined) return false;
  if (!isYearMonth(year, month)) return false;
  return day >= 1 && day <= daysInMonth(year, month);
}

export function isValidMonth(text: string): boolean {
  const match = MONTH_PATTERN.exec(text);
  if (match === null) return false;
  return isYearMonth(Number(match[1]), Number(match[2]));
}

/** `'2026-03'` → `{ year: 2026, month: 3 }`; throws RangeError on anything else. */
export function parseMonth(text: string): YearMonth {
  const match = MONTH_PATTERN.exec(text);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  if (match === null || !isYearMonth(year, month)) {
    throw new RangeError(`Invalid month "${text}": expected YYYY-MM`);
  }
  return { year, month };
}

/** `(2026, 3)` → `'2026-03'`. */
export function formatMonth(year: number, month: number): string {
  assertYearMonth(year, month);
  return `${pad(year, 4)}-${pad(month, 2)}`;
}

/** `'2026-03'` → `{ first: '2026-03-01', last: '2026-03-31' }`. */
export function monthRange(month: string): MonthRange {
  const { year, month: m } = parseMonth(month);
  return { first: formatDate(year, m, 1), last: formatDate(year, m, daysInMonth(year, m)) };
}

/** Every month from `from` to `to`, both included; empty when `to` is before `from`. */
export function monthsBetween(from: string, to: string): string[] {
  const start = monthIndex(parseMonth(from));
  const end = monthIndex(parseMonth(to));
  const months: string[] = [];
  for (let index = start; index <= end; index++) {
    months.push(formatMonth(Math.floor(index / 12), (index % 12) + 1));
  }
  return months;
}

function formatDate(year: number, month: number, day: number): string {
  return `${formatMonth(year, month)}-${pad(day, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function monthIndex({ year, month }: YearMonth): number {
  return year * 12 + (month - 1);
}

// Four-digit years only: that is what `YYYY` can hold, and it keeps `Date` away from its
// two-digit-year quirk.
function isYearMonth(year: number, month: number): boolean {
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    year >= 1 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12
  );
}

function assertYearMonth(year: number, month: number): void {
  if (isYearMonth(year, month)) return;
  throw new RangeError(`Invalid year/month ${year}/${month}: year 1-9999, month 1-12`);
}

// `Date.UTC` maps years 0-99 to 1900-1999; setUTCFullYear does not.
function utcMidnight(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

// ---------------------------------------------------------------------------------------------
// Lesson dates
// ---------------------------------------------------------------------------------------------

/** Every date of the month that falls on `weekday`, in order. */
export function weekdayDates(year: number, month: number, weekday: Weekday): string[] {
  const target = WEEKDAYS.indexOf(weekday);
  if (target < 0) throw new RangeError(`Invalid weekday "${weekday}"`);
  const firstWeekday = new Date(utcMidnight(year, month, 1)).getUTCDay();
  const dates: string[] = [];
  const last = daysInMonth(year, month);
  for (let day = 1 + ((target - firstWeekday + 7) % 7); day <= last; day += 7) {
    dates.push(formatDate(year, month, day));
  }
  return dates;
}

/**
 * Lesson dates to offer for a month: the cohort's weekday, kept within the optional
 * `from`..`to` window (both inclusive), e.g. its first lesson date and end date.
 */
export function suggestLessonDates(query: LessonDateQuery): string[] {
  const { year, month, weekday, from, to } = query;
  assertOptionalDate('from', from);
  assertOptionalDate('to', to);
  return weekdayDates(year, month, weekday).filter(
    // YYYY-MM-DD strings sort like the dates they name.
    (date) => (from === undefined || date >= from) && (to === undefined || date <= to),
  );
}

function assertOptionalDate(name: string, value: string | undefined): void {
  if (value === undefined || isValidDate(value)) return;
  throw new RangeError(`Invalid ${name} date "${value}": expected YYYY-MM-DD`);
}

// ---------------------------------------------------------------------------------------------
// Full moons
// ---------------------------------------------------------------------------------------------

/**
 * The calendar dates (`YYYY-MM-DD`) of the full moons whose instant falls in the given month
 * as seen in `timeZone` (an IANA name such as `America/Sao_Paulo`). Usually one date, two in a
 * "blue moon" month, none in some Februaries. Throws RangeError for an unknown time zone.
 */
export function fullMoonDates(year: number, month: number, timeZone: string): string[] {
  assertYearMonth(year, month);
  const toLocalDate = localDateFormatter(timeZone);
  // A civil day starts at most 14 h before and ends at most 12 h after the UTC day, so one
  // day of margin on each side catches every instant that can belong to the local month.
  const from = new Date(utcMidnight(year, month, 1) - MS_PER_DAY);
  const to = new Date(utcMidnight(year, month + 1, 1) + MS_PER_DAY);
  const prefix = `${formatMonth(year, month)}-`;
  return fullMoonInstants(from, to)
    .map(toLocalDate)
    .filter((date) => date.startsWith(prefix));
}

/**
 * The instants (UTC, to the second) of the full moons with `fromUtc <= instant < toUtc`,
 * in order. Accuracy: see the module comment.
 */
export function fullMoonInstants(fromUtc: Date, toUtc: Date): Date[] {
  const from = fromUtc.getTime();
  const to = toUtc.getTime();
  if (Number.isNaN(from) || Number.isNaN(to)) throw new RangeError('Invalid date range');
  const instants: Date[] = [];
  // The true phase is never more than about 0.6 day from the mean one, so starting one
  // lunation before the mean full moon preceding `from` cannot miss an instant.
  for (let k = firstLunationBefore(from) - 1; ; k++) {
    const instant = fullMoonInstant(k + 0.5);
    if (instant.getTime() >= to) return instants;
    if (instant.getTime() >= from) instants.push(instant);
  }
}

/** Builds `instant → YYYY-MM-DD` in a time zone through Intl (formatToParts, so no locale's
 * date pattern is relied upon). */
function localDateFormatter(timeZone: string): (instant: Date) => string {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  return (instant) => {
    const parts = format.formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes): string =>
      parts.find((p) => p.type === type)?.value ?? '';
    return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
  };
}

// --- Meeus chapter 49 -------------------------------------------------------------------------

/** Mean synodic month in days (Meeus 49.1). */
const SYNODIC_MONTH = 29.530588861;
/** JDE of the mean new moon of 2000 January 6, lunation k = 0 (Meeus 49.1). */
const MEAN_NEW_MOON_2000 = 2451550.09766;
/** Julian Day of 1970-01-01T00:00Z, the `Date` epoch. */
const UNIX_EPOCH_JD = 2440587.5;

function julianDay(ms: number): number {
  return ms / MS_PER_DAY + UNIX_EPOCH_JD;
}

function firstLunationBefore(ms: number): number {
  return Math.floor((julianDay(ms) - MEAN_NEW_MOON_2000) / SYNODIC_MONTH);
}

/** The full moon of lunation `k` (an integer + 0.5), converted from TT to UT. */
function fullMoonInstant(k: number): Date {
  const jde = fullMoonJde(k);
  const jdUt = jde - deltaTSeconds(decimalYear(jde)) / 86_400;
  return new Date(Math.round((jdUt - UNIX_EPOCH_JD) * 86_400) * 1000);
}

/** JDE (Dynamical Time) of the true full moon of lunation `k` (Meeus 49.1 and chapter 49). */
function fullMoonJde(k: number): number {
  const t = k / 1236.85;
  const mean =
    MEAN_NEW_MOON_2000 +
    SYNODIC_MONTH * k +
    0.00015437 * t ** 2 -
    0.00000015 * t ** 3 +
    0.00000000073 * t ** 4;
  return mean + fullMoonCorrection(k, t) + planetaryCorrection(k, t);
}

interface LunarArguments {
  /** Eccentricity factor of the Earth's orbit (Meeus 47.6). */
  e: number;
  /** Sun's mean anomaly, radians. */
  m: number;
  /** Moon's mean anomaly, radians. */
  mp: number;
  /** Moon's argument of latitude, radians. */
  f: number;
  /** Longitude of the ascending node of the lunar orbit, radians. */
  omega: number;
}

function lunarArguments(k: number, t: number): LunarArguments {
  return {
    e: 1 - 0.002516 * t - 0.0000074 * t ** 2,
    m: radians(2.5534 + 29.1053567 * k - 0.0000014 * t ** 2 - 0.00000011 * t ** 3),
    mp: radians(
      201.5643 + 385.81693528 * k + 0.0107582 * t ** 2 + 0.00001238 * t ** 3 - 0.000000058 * t ** 4,
    ),
    f: radians(
      160.7108 + 390.67050284 * k - 0.0016118 * t ** 2 - 0.00000227 * t ** 3 + 0.000000011 * t ** 4,
    ),
    omega: radians(124.7746 - 1.56375588 * k + 0.0020672 * t ** 2 + 0.00000215 * t ** 3),
  };
}

/**
 * Periodic terms for the full moon (Meeus chapter 49), in days: coefficient, power of E that
 * multiplies it, and the multiples of M, M′ and F inside the sine.
 */
const FULL_MOON_TERMS: readonly (readonly [number, number, number, number, number])[] = [
  [-0.40614, 0, 0, 1, 0],
  [0.17302, 1, 1, 0, 0],
  [0.01614, 0, 0, 2, 0],
  [0.01043, 0, 0, 0, 2],
  [0.00734, 1, -1, 1, 0],
  [-0.00515, 1, 1, 1, 0],
  [0.00209, 2, 2, 0, 0],
  [-0.00111, 0, 0, 1, -2],
  [-0.00057, 0, 0, 1, 2],
  [0.00056, 1, 1, 2, 0],
  [-0.00042, 0, 0, 3, 0],
  [0.00042, 1, 1, 0, 2],
  [0.00038, 1, 1, 0, -2],
  [-0.00024, 1, -1, 2, 0],
  [-0.00007, 0, 2, 1, 0],
  [0.00004, 0, 0, 2, -2],
  [0.00004, 0, 3, 0, 0],
  [0.00003, 0, 1, 1, -2],
  [0.00003, 0, 0, 2, 2],
  [-0.00003, 0, 1, 1, 2],
  [0.00003, 0, -1, 1, 2],
  [-0.00002, 0, -1, 1, -2],
  [-0.00002, 0, 1, 3, 0],
  [0.00002, 0, 0, 4, 0],
];

function fullMoonCorrection(k: number, t: number): number {
  const { e, m, mp, f, omega } = lunarArguments(k, t);
  const terms = FULL_MOON_TERMS.reduce(
    (sum, [coefficient, ePower, nM, nMp, nF]) =>
      sum + coefficient * e ** ePower * Math.sin(nM * m + nMp * mp + nF * f),
    0,
  );
  // The node term has its own argument, so it sits outside the table.
  return terms - 0.00017 * Math.sin(omega);
}

/** The 14 additional corrections for all phases (Meeus chapter 49): [coefficient, A0, rate]. */
const PLANETARY_TERMS: readonly (readonly [number, number, number])[] = [
  [0.000325, 299.77, 0.107408],
  [0.000165, 251.88, 0.016321],
  [0.000164, 251.83, 26.651886],
  [0.000126, 349.42, 36.412478],
  [0.00011, 84.66, 18.206239],
  [0.000062, 141.74, 53.303771],
  [0.00006, 207.14, 2.453732],
  [0.000056, 154.84, 7.30686],
  [0.000047, 34.52, 27.261239],
  [0.000042, 207.19, 0.121824],
  [0.00004, 291.34, 1.844379],
  [0.000037, 161.72, 24.198154],
  [0.000035, 239.56, 25.513099],
  [0.000023, 331.55, 3.592518],
];

function planetaryCorrection(k: number, t: number): number {
  return PLANETARY_TERMS.reduce((sum, [coefficient, a0, rate], index) => {
    // Only A1 has a T² term.
    const argument = a0 + rate * k - (index === 0 ? 0.009173 * t ** 2 : 0);
    return sum + coefficient * Math.sin(radians(argument));
  }, 0);
}

function radians(degrees: number): number {
  return ((degrees % 360) * Math.PI) / 180;
}

// --- ΔT = TT − UT ----------------------------------------------------------------------------

/** Years since J2000.0; precise enough for ΔT, which changes by about a second a year. */
function decimalYear(jd: number): number {
  return 2000 + (jd - 2451545) / 365.25;
}

/**
 * ΔT in seconds, from the Espenak–Meeus polynomials (NASA Eclipse Web Site, "Polynomial
 * expressions for Delta T", 2006). Between 1900 and 2005 they fit the observed values to about
 * a second; for 2005–2050 the fit runs a few seconds high (about 74 s in 2025 against 69 s
 * observed), irrelevant for a date. Beyond that they extrapolate the long-term parabola of
 * Morrison and Stephenson, good to minutes at best.
 */
export function deltaTSeconds(year: number): number {
  if (year < 1900 || year >= 2150) return longTermDeltaT(year);
  if (year < 1920) {
    const t = year - 1900;
    return -2.79 + 1.494119 * t - 0.0598939 * t ** 2 + 0.0061966 * t ** 3 - 0.000197 * t ** 4;
  }
  if (year < 1941) {
    const t = year - 1920;
    return 21.2 + 0.84493 * t - 0.0761 * t ** 2 + 0.0020936 * t ** 3;
  }
  if (year < 1961) {
    const t = year - 1950;
    return 29.07 + 0.407 * t - t ** 2 / 233 + t ** 3 / 2547;
  }
  if (year < 1986) {
    const t = year - 1975;
    return 45.45 + 1.067 * t - t ** 2 / 260 - t ** 3 / 718;
  }
  if (year < 2005) {
    const t = year - 2000;
    return (
      63.86 +
      0.3345 * t -
      0.060374 * t ** 2 +
      0.0017275 * t ** 3 +
      0.000651814 * t ** 4 +
      0.00002373599 * t ** 5
    );
  }
  if (year < 2050) {
    const t = year - 2000;
    return 62.92 + 0.32217 * t + 0.005589 * t ** 2;
  }
  // 2050-2150: the long-term parabola, bent to meet the 2005-2050 fit at 2050.
  return longTermDeltaT(year) - 0.5628 * (2150 - year);
}

function longTermDeltaT(year: number): number {
  const u = (year - 1820) / 100;
  return -20 + 32 * u ** 2;
}
