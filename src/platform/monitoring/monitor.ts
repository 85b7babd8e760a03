import os from 'node:os';

import type { MonitoringSettings } from '../../config/config.ts';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { LineLogger, QueryObserver, QueryTally, WorkUnit } from './query-context.ts';
import type { MonitorSnapshot, NPlusOneReport, RouteLatency, SlowQuery } from './snapshot.ts';

/** The window the recent figures (percentiles, counts) cover. */
export const RECENT_WINDOW_MS = 15 * 60_000;
// Durations kept per route inside the window: the latest 2,000 to 4,000; older ones drop first.
const SAMPLES_PER_ROUTE = 2000;
const LIST_LIMIT = 20;

export interface FinishedRequest {
  readonly method: string;
  /** Route template (`/api/v1/cohorts/:id`); null when no route matched. */
  readonly route: string | null;
  /** The path without its query string, logged when no route matched. */
  readonly path: string;
  readonly statusCode: number;
  readonly durationMs: number;
  readonly tally: QueryTally;
  readonly userId: number | null;
  readonly requestId: string;
  /** The request's own logger: warnings (slow request, N+1). */
  readonly logger: LineLogger;
  /**
   * Where the one line per request goes. Its fields are numbers and route
   * templates set here, never request data, so it may skip redaction, which
   * costs more than the rest of the line put together.
   */
  readonly accessLogger: LineLogger;
}

export interface FinishedJob {
  readonly queue: string;
  readonly name: string;
  readonly outcome: 'completed' | 'failed';
  readonly durationMs: number;
  readonly tally: QueryTally;
  readonly logger: LineLogger;
}

interface Sample {
  readonly at: number;
  readonly ms: number;
}

/**
 * What this process has seen: Prometheus metrics, slow requests and queries
 * logged at warn, N+1 detection, and recent per-route latencies for the
 * Sistema page and `omaum health` (through `snapshot()`).
 */
export class Monitor implements QueryObserver {
  readonly instance = `${os.hostname()}:${process.pid}`;
  private readonly samples = new Map<string, Sample[]>();
  private readonly slowQueries = new Map<string, SlowQuery>();
  private readonly nPlusOneReports: NPlusOneReport[] = [];
  private readonly outcomes: { at: number; isError: boolean; isSlow: boolean }[] = [];
  private readonly clock: Clock;

  constructor(
    readonly settings: MonitoringSettings,
    readonly metrics: Metrics,
    clock: Clock = systemClock,
  ) {
    this.clock = clock;
  }

  onQuery(shape: string, durationMs: number, unit: WorkUnit): void {
    if (durationMs < this.settings.slowQueryMs) return;
    const { origin } = unit;
    this.metrics.slowQueries.inc({ origin });
    const at = this.clock.now().toISOString();
    const key = `${origin}\n${shape}`;
    const known = this.slowQueries.get(key);
    this.slowQueries.set(key, {
      shape,
      origin,
      count: (known?.count ?? 0) + 1,
      maxMs: Math.max(known?.maxMs ?? 0, round(durationMs)),
      lastAt: at,
    });
    if (this.slowQueries.size > LIST_LIMIT * 5) this.dropFastestSlowQuery();
    unit.logger.warn({ origin, durationMs: round(durationMs), sql: shape }, 'slow query');
  }

  /** Records one answered request and writes its log line. */
  finishRequest(request: FinishedRequest): void {
    const { durationMs, tally } = request;
    // Unmatched URLs are not templates: one label keeps the set small and free of user input.
    const route = request.route ?? '(unmatched)';
    const routeKey = `${request.method} ${route}`;
    const status = String(request.statusCode);
    const isSlow = durationMs >= this.settings.slowRequestMs;
    this.metrics.httpRequestDuration.observe(
      { method: request.method, route, status },
      durationMs / 1000,
    );
    this.metrics.queriesPerRequest.observe({ route }, tally.count);
    this.remember(routeKey, durationMs, request.statusCode >= 500, isSlow);
    const nPlusOne = this.detectNPlusOne(routeKey, tally, request.logger);

    const line = {
      userId: request.userId ?? undefined,
      method: request.method,
      route: request.route ?? request.path,
      statusCode: request.statusCode,
      durationMs: round(durationMs),
      queries: tally.count,
      queryMs: round(tally.totalMs),
      ...(nPlusOne ? { nPlusOne: nPlusOne.count } : {}),
    };
    if (isSlow) {
      this.metrics.slowRequests.inc({ route });
      request.logger.warn(line, 'slow request');
    } else {
      request.accessLogger.info({ reqId: request.requestId, ...line }, 'request completed');
    }
  }

  /** Records one job run and writes its log line. */
  finishJob(job: FinishedJob): void {
    const origin = `job ${job.name}`;
    this.metrics.jobOutcomes.inc({ queue: job.queue, name: job.name, outcome: job.outcome });
    this.metrics.jobDuration.observe({ queue: job.queue, name: job.name }, job.durationMs / 1000);
    this.detectNPlusOne(origin, job.tally, job.logger);
    job.logger.info(
      {
        queue: job.queue,
        job: job.name,
        outcome: job.outcome,
        durationMs: round(job.durationMs),
        queries: job.tally.count,
        queryMs: round(job.tally.totalMs),
      },
      'job run finished',
    );
  }

  /** The recent figures of this process. */
  snapshot(): MonitorSnapshot {
    const now = this.clock.now().getTime();
    const since = now - RECENT_WINDOW_MS;
    const recent = this.outcomes.filter((outcome) => outcome.at >= since);
    const all: number[] = [];
    const routes: RouteLatency[] = [];
    for (const [route, samples] of this.samples) {
      const durations = samples.filter((sample) => sample.at >= since).map((s) => s.ms);
      if (durations.length === 0) continue;
      durations.sort((a, b) => a - b);
      all.push(...durations);
      routes.push({
        route,
        count: durations.length,
        p50: percentile(durations, 0.5),
        p95: percentile(durations, 0.95),
        p99: percentile(durations, 0.99),
        max: durations[durations.length - 1] ?? 0,
      });
    }
    all.sort((a, b) => a - b);
    return {
      instance: this.instance,
      takenAt: new Date(now).toISOString(),
      windowMs: RECENT_WINDOW_MS,
      requests: {
        count: recent.length,
        errors: recent.filter((outcome) => outcome.isError).length,
        slow: recent.filter((outcome) => outcome.isSlow).length,
        p50: all.length > 0 ? percentile(all, 0.5) : null,
        p95: all.length > 0 ? percentile(all, 0.95) : null,
        p99: all.length > 0 ? percentile(all, 0.99) : null,
      },
      routes: routes.sort((a, b) => b.count - a.count).slice(0, LIST_LIMIT),
      slowQueries: [...this.slowQueries.values()]
        .sort((a, b) => b.maxMs - a.maxMs)
        .slice(0, LIST_LIMIT),
      nPlusOne: [...this.nPlusOneReports].reverse().slice(0, LIST_LIMIT),
    };
  }

  private remember(routeKey: string, durationMs: number, isError: boolean, isSlow: boolean): void {
    const at = this.clock.now().getTime();
    let samples = this.samples.get(routeKey);
    if (!samples) {
      samples = [];
      this.samples.set(routeKey, samples);
    }
    samples.push({ at, ms: round(durationMs) });
    // Trimmed in batches, as below: a splice per request would move the whole list each time.
    if (samples.length >= 2 * SAMPLES_PER_ROUTE) samples.splice(0, SAMPLES_PER_ROUTE);
    this.outcomes.push({ at, isError, isSlow });
    // Trim in batches: the list stays bounded without a splice per request.
    if (this.outcomes.length > 20_000) {
      const since = at - RECENT_WINDOW_MS;
      const keep = this.outcomes.filter((outcome) => outcome.at >= since).slice(-10_000);
      this.outcomes.splice(0, this.outcomes.length, ...keep);
    }
  }

  private detectNPlusOne(
    origin: string,
    tally: QueryTally,
    logger: LineLogger,
  ): NPlusOneReport | null {
    let worst: NPlusOneReport | null = null;
    for (const [shape, count] of tally.shapes) {
      if (count < this.settings.nPlusOneThreshold) continue;
      if (worst === null || count > worst.count) {
        worst = { origin, shape, count, at: this.clock.now().toISOString() };
      }
    }
    if (worst === null) return null;
    this.metrics.nPlusOne.inc({ origin });
    this.nPlusOneReports.push(worst);
    if (this.nPlusOneReports.length > LIST_LIMIT) this.nPlusOneReports.shift();
    logger.warn({ origin, sql: worst.shape, times: worst.count }, 'N+1 queries');
    return worst;
  }

  private dropFastestSlowQuery(): void {
    let fastest: [string, SlowQuery] | null = null;
    for (const entry of this.slowQueries) {
      if (fastest === null || entry[1].maxMs < fastest[1].maxMs) fastest = entry;
    }
    if (fastest) this.slowQueries.delete(fastest[0]);
  }
}

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? 0;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
