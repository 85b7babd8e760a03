/**
 * Helpers every backend's worker shares: the retry delay, the per-run
 * timeout, and sleeps that a shutdown can cut short.
 */

/** How much the backoff may move either way, so that failed jobs do not retry in lockstep. */
export const BACKOFF_JITTER = 0.2;

/**
 * The wait before the next attempt: `baseMs · 2^(attempt-1)`, ± 20 %.
 * `attempt` is the number of the attempt that just failed (1 for the first).
 */
export function backoffDelay(
  baseMs: number,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1);
  const jitter = 1 + (random() * 2 - 1) * BACKOFF_JITTER;
  return Math.max(0, Math.round(exponential * jitter));
}

/** The failure recorded when a run outlives its timeout. */
export class JobTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super('timeout');
    this.name = 'JobTimeoutError';
  }
}

/** What a run's timeout aborts: an AbortController, or a LazyAbortController. */
export interface Abortable {
  abort(reason?: unknown): void;
}

/**
 * An AbortController whose signal is only created when a handler reads it.
 * Most jobs never look at their signal, and at thousands of jobs a second the
 * controller and its signal are a measurable share of a run's cost. Aborting
 * before the signal exists is remembered: the signal is then born aborted.
 */
export class LazyAbortController implements Abortable {
  private controller: AbortController | null = null;
  private aborted: { reason: unknown } | null = null;

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.aborted.reason);
    }
    return this.controller.signal;
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = { reason };
    this.controller?.abort(reason);
  }
}

/**
 * Settles with the task, or rejects with JobTimeoutError after `timeoutMs`
 * and aborts `controller` so that a handler that checks its signal stops.
 * The task itself cannot be killed; its late outcome is ignored.
 */
export async function runWithTimeout<R>(
  task: Promise<R>,
  timeoutMs: number,
  controller: Abortable,
): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new JobTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([task, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`, or earlier when `signal` aborts; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A message for the job's failedReason, whatever was thrown. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Handler progress is a percentage; keep what is stored within 0–100. */
export function clampProgress(progress: number): number {
  if (!Number.isFinite(progress)) return 0;
  return Math.min(100, Math.max(0, Math.round(progress)));
}
