/** Timings of the embedded backend; tests shorten them, production keeps the defaults. */
export interface EmbeddedJobOptions {
  /** Wait between polls when the last one found nothing (default 200 ms). */
  readonly pollIntervalMs?: number;
  /** Wait between polls while work keeps coming (default 10 ms). */
  readonly busyPollIntervalMs?: number;
  /** How long a claim holds a job without a heartbeat (default 30 s). */
  readonly leaseMs?: number;
  /** How often running jobs renew their lease (default leaseMs / 3). */
  readonly heartbeatMs?: number;
  /** Least time between two sweeps of expired leases by one worker (default 1 s). */
  readonly sweepIntervalMs?: number;
  /** How often the scheduler looks for due schedules (default 1 s). */
  readonly schedulerIntervalMs?: number;
  /** stop() without an argument waits this long for running jobs (default 10 s). */
  readonly stopGraceMs?: number;
  /** The source of "now" (tests only). */
  readonly now?: () => Date;
  /** The source of backoff jitter (tests only). */
  readonly random?: () => number;
}

export type ResolvedJobOptions = Required<EmbeddedJobOptions>;

export function resolveJobOptions(options: EmbeddedJobOptions = {}): ResolvedJobOptions {
  const leaseMs = options.leaseMs ?? 30_000;
  return {
    pollIntervalMs: options.pollIntervalMs ?? 200,
    busyPollIntervalMs: options.busyPollIntervalMs ?? 10,
    leaseMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3)),
    sweepIntervalMs: options.sweepIntervalMs ?? 1000,
    schedulerIntervalMs: options.schedulerIntervalMs ?? 1000,
    stopGraceMs: options.stopGraceMs ?? 10_000,
    now: options.now ?? (() => new Date()),
    random: options.random ?? Math.random,
  };
}
