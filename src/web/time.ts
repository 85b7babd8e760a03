import { monthsBetween } from '../attendance/calendar.ts';
import { dateIn } from '../platform/clock.ts';
import type { Clock } from '../platform/clock.ts';

/** What the pages need to know "today": the services carry both. */
export interface TimeSource {
  readonly clock: Clock;
  /** The institution's IANA time zone (`OMAUM_TZ`). */
  readonly timeZone: string;
}

/** Today as `YYYY-MM-DD` in the institution's time zone. */
export function todayIso(time: TimeSource): string {
  return dateIn(time.clock.now(), time.timeZone);
}

/** This month as `YYYY-MM` in the institution's time zone. */
export function currentMonth(time: TimeSource): string {
  return todayIso(time).slice(0, 7);
}

/** The `count` months that end with `month`, oldest first. */
export function monthsEndingWith(month: string, count: number): string[] {
  const [year = 0, number = 1] = month.split('-').map(Number);
  const index = year * 12 + (number - 1) - (count - 1);
  const first = `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  return monthsBetween(first, month);
}
