/**
 * What a web process has seen lately, as written every minute to
 * `monitor_snapshots` (JSON in `payload`) and read back by the Sistema page
 * and by `omaum health` from any process. Durations are milliseconds.
 */
export interface MonitorSnapshot {
  /** `<host>:<pid>` of the process that wrote it. */
  readonly instance: string;
  readonly takenAt: string;
  /** Length of the window the figures cover, ending at `takenAt`. */
  readonly windowMs: number;
  readonly requests: {
    readonly count: number;
    readonly errors: number;
    readonly slow: number;
    readonly p50: number | null;
    readonly p95: number | null;
    readonly p99: number | null;
  };
  /** Busiest routes first, at most 20. */
  readonly routes: readonly RouteLatency[];
  /** Slowest first, at most 20. */
  readonly slowQueries: readonly SlowQuery[];
  /** Newest first, at most 20. */
  readonly nPlusOne: readonly NPlusOneReport[];
}

export interface RouteLatency {
  /** `GET /api/v1/cohorts/:id/sheet`. */
  readonly route: string;
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface SlowQuery {
  /** The SQL with placeholders and lists folded; never the parameters. */
  readonly shape: string;
  /** Route or job the query ran in. */
  readonly origin: string;
  readonly count: number;
  readonly maxMs: number;
  readonly lastAt: string;
}

export interface NPlusOneReport {
  readonly origin: string;
  readonly shape: string;
  /** How many times the shape ran in that one request or job. */
  readonly count: number;
  readonly at: string;
}
