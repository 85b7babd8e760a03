import { performance } from 'node:perf_hooks';

/** Progress and diagnostics: stderr, so `--json` keeps stdout for the JSON array. */
export function note(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * Lets the event loop turn. better-sqlite3 answers synchronously, so a chain
 * of awaited SQLite queries never leaves the microtask queue, and signals
 * (Ctrl-C) would wait until the run ends.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** One thing to time; `prepare` runs before each timed call and is not counted. */
export interface Task {
  readonly label: string;
  readonly prepare?: () => Promise<void>;
  readonly run: () => Promise<void>;
}

export interface Timing {
  readonly label: string;
  /** Median of the timed runs, in milliseconds. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samples: number[];
}

/**
 * Times the tasks interleaved (A B, B A, A B...) so that a noisy neighbour on
 * the shared cores slows every task alike: `warmup` untimed rounds, then
 * `runs` timed ones, and the median of each task's runs.
 */
export async function measure(
  tasks: readonly Task[],
  rounds: { warmup: number; runs: number },
): Promise<Timing[]> {
  const samples = tasks.map(() => [] as number[]);
  for (let round = 0; round < rounds.warmup + rounds.runs; round++) {
    await yieldToEventLoop();
    const order = tasks.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const index of order) {
      const task = tasks[index];
      if (!task) continue;
      if (task.prepare) await task.prepare();
      const started = performance.now();
      await task.run();
      const elapsed = performance.now() - started;
      if (round >= rounds.warmup) samples[index]?.push(elapsed);
    }
  }
  return tasks.map((task, index) => {
    const own = samples[index] ?? [];
    return {
      label: task.label,
      medianMs: median(own),
      minMs: Math.min(...own),
      maxMs: Math.max(...own),
      samples: own,
    };
  });
}

export function describeTiming(timing: Timing): string {
  return (
    `${timing.label}: median ${timing.medianMs.toFixed(2)} ms ` +
    `(min ${timing.minMs.toFixed(2)}, max ${timing.maxMs.toFixed(2)}, n=${timing.samples.length})`
  );
}

/** Times one async call once, in milliseconds. */
export async function timeOnce<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}
