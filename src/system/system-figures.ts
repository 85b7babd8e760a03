import type { Counter } from 'prom-client';

import type { Actor } from '../auth/actor.ts';
import { requireRole } from '../auth/actor.ts';
import type { MonitoringSettings } from '../config/config.ts';
import type { Db } from '../platform/db/database.ts';
import type { SecurityEventKind } from '../platform/db/tables.ts';
import { QUEUE_NAMES } from '../platform/jobs/job-queue.ts';
import type { JobState, QueueName } from '../platform/jobs/job-queue.ts';
import { recentSnapshots } from '../platform/monitoring/snapshot-writer.ts';
import type {
  MonitorSnapshot,
  NPlusOneReport,
  RouteLatency,
  SlowQuery,
} from '../platform/monitoring/snapshot.ts';
import type { Services } from '../services.ts';

/** Snapshots older than this belong to processes that have stopped writing them. */
const INSTANCE_WINDOW_MS = 10 * 60_000;
const FAILED_JOBS_SHOWN = 10;
const EVENTS_SHOWN = 30;

/** A block as the rate limiter reports it; ISO instants. */
export interface BlockView {
  readonly address: string;
  readonly blockedAt: string;
  readonly until: string;
  readonly rule: string;
}

export interface SecurityEventRowView {
  readonly id: number;
  readonly occurredAt: string;
  readonly kind: SecurityEventKind;
  readonly address: string | null;
  readonly userId: number | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Reads the security events (the security feature's service). */
export interface SecurityEventSource {
  list(
    actor: Actor,
    filter: { kind?: SecurityEventKind },
    page: { limit: number; offset: number },
  ): Promise<{ items: readonly SecurityEventRowView[]; total: number }>;
}

/** Lists and lifts address blocks (the security feature's service). */
export interface AddressBlockSource {
  list(actor: Actor): Promise<readonly BlockView[]>;
  lift(actor: Actor, address: string): Promise<void>;
}

/**
 * What the Sistema page shows about security. Either part may be missing in
 * a process built without rate limiting; the page then says so.
 */
export interface SystemSecurity {
  readonly events?: SecurityEventSource | null;
  readonly blocks?: AddressBlockSource | null;
}

export interface InstanceRow {
  readonly instance: string;
  readonly isThisProcess: boolean;
  readonly requests: number;
  readonly errors: number;
  readonly p95: number | null;
  readonly takenAt: string;
}

export interface CacheRow {
  readonly namespace: string;
  readonly hits: number;
  readonly misses: number;
  /** Hits over reads, 0–100; null before the first read. */
  readonly hitPct: number | null;
}

export interface QueueRow {
  readonly queue: QueueName;
  readonly counts: Readonly<Record<JobState, number>>;
}

export interface FailedJobRow {
  readonly id: string;
  readonly queue: string;
  readonly name: string;
  readonly reason: string;
  readonly finishedAt: string | null;
}

export interface SystemFigures {
  readonly takenAt: string;
  readonly windowMs: number;
  /** This process's recent requests, routes, slow queries and N+1 reports. */
  readonly current: MonitorSnapshot;
  /** What this process counts as a slow request, a slow query and an N+1. */
  readonly thresholds: MonitoringSettings;
  readonly routes: readonly RouteLatency[];
  readonly slowQueries: readonly SlowQuery[];
  readonly nPlusOne: readonly NPlusOneReport[];
  /** Every web process that wrote a snapshot lately, this one with live figures. */
  readonly instances: readonly InstanceRow[];
  /** Since this process started. */
  readonly cache: readonly CacheRow[];
  /** Null when this process has no job queue. */
  readonly queues: readonly QueueRow[] | null;
  readonly failedJobs: readonly FailedJobRow[];
  readonly failedJobsTotal: number;
  /** Refusals by rule since this process started. */
  readonly rateLimits: readonly { rule: string; count: number }[];
  readonly blockedRequests: number;
  /** Null when no block source is wired. */
  readonly blocks: readonly BlockView[] | null;
  /** Null when no event source is wired. */
  readonly events: { items: readonly SecurityEventRowView[]; total: number } | null;
}

export interface FiguresRequest {
  readonly actor: Actor;
  readonly eventKind?: SecurityEventKind | undefined;
}

/**
 * Gathers everything the Sistema page shows, for admins only: this
 * process's monitor and metrics, every web process's latest snapshot, the
 * job queue, and the security sources that are wired.
 */
export async function systemFigures(
  services: Services,
  db: Db,
  security: SystemSecurity,
  request: FiguresRequest,
): Promise<SystemFigures> {
  const { actor } = request;
  requireRole(actor, ['admin'], 'see the system figures');

  const current = services.monitor.snapshot();
  const since = new Date(Date.parse(current.takenAt) - INSTANCE_WINDOW_MS).toISOString();
  const [stored, cache, queues, failed, rateLimits, blocked, blocks, events] = await Promise.all([
    recentSnapshots(db, since),
    cacheRows(services),
    queueRows(services, actor),
    failedJobs(services, actor),
    counterValues(services.metrics.rateLimitRejections, 'rule'),
    counterValues(services.metrics.blockedRequests, null),
    security.blocks ? security.blocks.list(actor) : null,
    security.events
      ? security.events.list(actor, request.eventKind ? { kind: request.eventKind } : {}, {
          limit: EVENTS_SHOWN,
          offset: 0,
        })
      : null,
  ]);

  return {
    takenAt: current.takenAt,
    windowMs: current.windowMs,
    current,
    thresholds: services.monitor.settings,
    routes: current.routes,
    slowQueries: current.slowQueries,
    nPlusOne: current.nPlusOne,
    instances: instanceRows(current, stored),
    cache,
    queues,
    failedJobs: failed.items,
    failedJobsTotal: failed.total,
    rateLimits: rateLimits.map(({ label, value }) => ({ rule: label, count: value })),
    blockedRequests: blocked.reduce((sum, entry) => sum + entry.value, 0),
    blocks,
    events,
  };
}

/** The stored snapshots, with this process's replaced by its live one and listed first. */
function instanceRows(current: MonitorSnapshot, stored: readonly MonitorSnapshot[]): InstanceRow[] {
  const others = stored.filter((snapshot) => snapshot.instance !== current.instance);
  return [current, ...others].map((snapshot) => ({
    instance: snapshot.instance,
    isThisProcess: snapshot.instance === current.instance,
    requests: snapshot.requests.count,
    errors: snapshot.requests.errors,
    p95: snapshot.requests.p95,
    takenAt: snapshot.takenAt,
  }));
}

/** A counter's values by one label (or, with null, its unlabelled total). */
async function counterValues(
  counter: Counter,
  labelName: string | null,
): Promise<{ label: string; value: number }[]> {
  const { values } = await counter.get();
  return values
    .map((entry) => ({
      label: labelName === null ? '' : String(entry.labels[labelName] ?? ''),
      value: entry.value,
    }))
    .filter((entry) => entry.value > 0);
}

async function cacheRows(services: Services): Promise<CacheRow[]> {
  const [hits, misses] = await Promise.all([
    counterValues(services.metrics.cacheHits, 'namespace'),
    counterValues(services.metrics.cacheMisses, 'namespace'),
  ]);
  const namespaces = [...new Set([...hits, ...misses].map((entry) => entry.label))].sort();
  return namespaces.map((namespace) => {
    const hitCount = hits.find((entry) => entry.label === namespace)?.value ?? 0;
    const missCount = misses.find((entry) => entry.label === namespace)?.value ?? 0;
    const reads = hitCount + missCount;
    return {
      namespace,
      hits: hitCount,
      misses: missCount,
      hitPct: reads > 0 ? (hitCount / reads) * 100 : null,
    };
  });
}

async function queueRows(services: Services, actor: Actor): Promise<QueueRow[] | null> {
  if (!services.jobs) return null;
  return Promise.all(
    QUEUE_NAMES.map(async (queue) => ({
      queue,
      counts: await services.jobAdmin.counts(actor, queue),
    })),
  );
}

async function failedJobs(
  services: Services,
  actor: Actor,
): Promise<{ items: FailedJobRow[]; total: number }> {
  if (!services.jobs) return { items: [], total: 0 };
  const page = await services.jobAdmin.list(actor, {
    state: 'failed',
    limit: FAILED_JOBS_SHOWN,
  });
  const items = page.items.map((job) => ({
    id: job.id,
    queue: job.queue,
    name: job.name,
    reason: job.failedReason ?? '',
    finishedAt: job.finishedAt,
  }));
  return { items, total: page.total };
}
