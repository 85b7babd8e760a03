import type { Db } from '../../platform/db/database.ts';
import type { MonitorSnapshot } from '../../platform/monitoring/snapshot.ts';
import { combine, formatAge } from './health-report.ts';
import type { Finding, HealthDeps } from './health-report.ts';

/** Snapshots newer than this are "recent"; web processes write one a minute. */
export const RECENT_WINDOW_MS = 15 * 60_000;
const ERROR_RATIO_WARN = 0.05;
const ERROR_RATIO_FAIL = 0.25;
// p95 past the slow-request threshold warns; past this many times it, fails.
const P95_FAIL_FACTOR = 3;
// Slow queries this many times in the window, or one past this factor of the threshold, warn.
const SLOW_QUERY_COUNT_WARN = 10;
const SLOW_QUERY_FACTOR_WARN = 5;

/**
 * Latency percentiles and slow queries as the running web processes recorded
 * them in `monitor_snapshots`; the check itself sends no request. With no
 * snapshot at all it passes and says so; with only old ones it warns.
 */
export async function checkPerformance(deps: HealthDeps): Promise<Finding> {
  if (deps.database === null) {
    return { status: 'warn', reason: 'sem dados: banco indisponível' };
  }
  const now = deps.now();
  const since = new Date(now.getTime() - RECENT_WINDOW_MS).toISOString();
  const recent = await readSnapshots(deps.database.db, since);
  if (recent.length > 0) {
    return performanceFinding(recent, deps.config.monitoring);
  }
  const latest = await deps.database.db
    .selectFrom('monitorSnapshots')
    .select('takenAt')
    .orderBy('takenAt', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!latest) {
    return { status: 'pass', reason: 'nenhum dado registrado ainda', details: { snapshots: 0 } };
  }
  const ageMs = now.getTime() - Date.parse(latest.takenAt);
  return {
    status: 'warn',
    reason: `nenhum registro recente (o último é de ${formatAge(ageMs)} atrás)`,
    details: { snapshots: 0, lastTakenAt: latest.takenAt },
  };
}

async function readSnapshots(db: Db, since: string): Promise<MonitorSnapshot[]> {
  const rows = await db
    .selectFrom('monitorSnapshots')
    .select('payload')
    .where('takenAt', '>=', since)
    .orderBy('takenAt', 'desc')
    .limit(1000)
    .execute();
  return rows.flatMap((row) => {
    try {
      return [JSON.parse(row.payload) as MonitorSnapshot];
    } catch {
      return [];
    }
  });
}

interface Thresholds {
  readonly slowRequestMs: number;
  readonly slowQueryMs: number;
}

/**
 * Figures over every recent snapshot of every instance. Percentiles cannot
 * be merged exactly; the worst instance-minute is what a person must see.
 */
export function performanceFinding(
  snapshots: readonly MonitorSnapshot[],
  thresholds: Thresholds,
): Finding {
  const requests = snapshots.reduce((sum, s) => sum + s.requests.count, 0);
  const errors = snapshots.reduce((sum, s) => sum + s.requests.errors, 0);
  const p95 = maxOf(snapshots.map((s) => s.requests.p95));
  const p99 = maxOf(snapshots.map((s) => s.requests.p99));
  const slowQueries = snapshots.flatMap((s) => s.slowQueries);
  const slowQueryCount = slowQueries.reduce((sum, q) => sum + q.count, 0);
  const slowest = [...slowQueries].sort((a, b) => b.maxMs - a.maxMs).slice(0, 5);
  const details = {
    snapshots: snapshots.length,
    instances: new Set(snapshots.map((s) => s.instance)).size,
    requests,
    errors,
    p95Ms: p95,
    p99Ms: p99,
    slowQueryCount,
    slowestQueries: slowest,
  };

  const items = [
    latencyFinding(requests, p95, p99, thresholds.slowRequestMs),
    errorFinding(requests, errors),
    slowQueryFinding(slowQueryCount, slowest[0]?.maxMs ?? 0, thresholds.slowQueryMs),
  ];
  return combine(items, details);
}

function latencyFinding(
  requests: number,
  p95: number | null,
  p99: number | null,
  slowMs: number,
): Finding {
  if (requests === 0 || p95 === null) {
    return { status: 'pass', reason: 'nenhuma requisição nos últimos 15 min' };
  }
  const reason = `p95 ${Math.round(p95)} ms, p99 ${Math.round(p99 ?? p95)} ms (${requests} req.)`;
  if (p95 > slowMs * P95_FAIL_FACTOR) return { status: 'fail', reason };
  if (p95 > slowMs) return { status: 'warn', reason };
  return { status: 'pass', reason };
}

function errorFinding(requests: number, errors: number): Finding {
  if (requests === 0 || errors === 0) return { status: 'pass', reason: 'sem erros' };
  const ratio = errors / requests;
  const reason = `${errors} erro(s) (${(ratio * 100).toFixed(1)} %)`;
  if (ratio >= ERROR_RATIO_FAIL) return { status: 'fail', reason };
  if (ratio >= ERROR_RATIO_WARN) return { status: 'warn', reason };
  return { status: 'pass', reason };
}

function slowQueryFinding(count: number, slowestMs: number, slowQueryMs: number): Finding {
  if (count === 0) return { status: 'pass', reason: 'nenhuma consulta lenta' };
  const reason = `${count} consulta(s) lenta(s), a pior com ${Math.round(slowestMs)} ms`;
  const isBad = count >= SLOW_QUERY_COUNT_WARN || slowestMs >= slowQueryMs * SLOW_QUERY_FACTOR_WARN;
  return { status: isBad ? 'warn' : 'pass', reason };
}

function maxOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.max(...known);
}
