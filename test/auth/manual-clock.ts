import type { Clock } from '../../src/platform/clock.ts';

/** A clock that stands still until a test moves it. */
export interface ManualClock extends Clock {
  advance(milliseconds: number): void;
}

export function manualClock(start = '2026-03-02T12:00:00.000Z'): ManualClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    advance(milliseconds) {
      current += milliseconds;
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
