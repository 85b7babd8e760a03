import type { ProgressReporter } from './export-types.ts';

/** Counts written rows and tells the reporter, throttled to about one call per percent. */
export interface Progress {
  /** Reports `(0, total)`. */
  start(): Promise<void>;
  /** One more row is written. */
  row(): Promise<void>;
  /** Reports `(total, total)`, whatever was counted, so a bar always ends full. */
  finish(): Promise<void>;
  readonly done: number;
}

const STEPS = 100;

export function trackProgress(total: number, onProgress?: ProgressReporter): Progress {
  const every = Math.max(1, Math.ceil(total / STEPS));
  let done = 0;
  let reported = -1;

  async function report(count: number, of: number): Promise<void> {
    if (!onProgress || count === reported) return;
    reported = count;
    await onProgress(count, of);
  }

  return {
    start: () => report(0, total),
    row: async () => {
      done += 1;
      if (done % every === 0 && done < total) await report(done, total);
    },
    // A source of unknown length may pass its total as 0 and end beyond it.
    finish: () => report(Math.max(total, done), Math.max(total, done)),
    get done() {
      return done;
    },
  };
}
