/**
 * The shape every health check answers with, and the runner that times the
 * checks and turns a thrown error or a check that never answers into a fail.
 * Used by `omaum health`, `omaum deploy setup|health` and the admin API.
 */
import type { Config } from '../../config/config.ts';
import type { Database } from '../../platform/db/database.ts';
import type { JobQueue } from '../../platform/jobs/job-queue.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export const CHECK_NAMES = [
  'database',
  'cache',
  'queue',
  'performance',
  'security',
  'system',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** What one check found: a status, a reason a person reads, and figures for scripts. */
export interface Finding {
  readonly status: CheckStatus;
  readonly reason: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface CheckResult extends Finding {
  readonly name: CheckName;
  readonly durationMs: number;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface HealthReport {
  /** The worst status of the checks. */
  readonly status: CheckStatus;
  readonly checkedAt: string;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
}

/** The part of the cache port a check needs. */
export interface CachePing {
  ping(): Promise<number>;
}

/** The part of the backup service a check needs: newest first, with checksum status. */
export interface BackupLister {
  newestVerified(): Promise<{ readonly file: string; readonly createdAt: string } | null>;
}

/** Everything the checks read. Nothing here creates load: only probes and recorded figures. */
export interface HealthDeps {
  readonly config: Config;
  /** Null when the database could not be opened; `databaseError` then says why. */
  readonly database: Database | null;
  readonly databaseError?: unknown;
  readonly queueKind: 'embedded' | 'bullmq';
  /** Null when the backend could not be created; `queueError` then says why. */
  readonly queue: JobQueue | null;
  readonly queueError?: unknown;
  /** Null when this process has no cache to probe. */
  readonly cache: CachePing | null;
  readonly cacheError?: unknown;
  readonly backups: BackupLister;
  readonly now: () => Date;
  /** How long one probe (a query, a Redis round trip) may take (default 2000 ms). */
  readonly probeTimeoutMs?: number;
}

export type HealthCheck = (deps: HealthDeps) => Promise<Finding>;

const RANK: Readonly<Record<CheckStatus, number>> = { pass: 0, warn: 1, fail: 2 };

export function worstOf(statuses: readonly CheckStatus[]): CheckStatus {
  return statuses.reduce<CheckStatus>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'pass');
}

/**
 * One finding from several sub-findings: the worst status, and as reason the
 * sub-reasons that are not a pass (or all of them when everything passed).
 */
export function combine(
  items: readonly Finding[],
  details: Readonly<Record<string, unknown>> = {},
): Finding {
  const status = worstOf(items.map((item) => item.status));
  const shown = status === 'pass' ? items : items.filter((item) => item.status !== 'pass');
  return { status, reason: shown.map((item) => item.reason).join('; '), details };
}

/**
 * 0 when nothing fails, 1 when something fails; with `isStrict` a warning
 * also gives 1.
 */
export function exitStatusOf(report: Pick<HealthReport, 'status'>, isStrict: boolean): 0 | 1 {
  if (report.status === 'fail') return 1;
  return isStrict && report.status === 'warn' ? 1 : 0;
}

/** A check that takes longer than this fails: a health command must always answer. */
const CHECK_TIMEOUT_MS = 15_000;

/** Runs the named checks one after the other (no load of their own), timing each. */
export async function runHealthChecks(
  deps: HealthDeps,
  checks: ReadonlyMap<CheckName, HealthCheck>,
  names: readonly CheckName[] = CHECK_NAMES,
): Promise<HealthReport> {
  const startedAt = performance.now();
  const checkedAt = deps.now().toISOString();
  const results: CheckResult[] = [];
  for (const name of names) {
    const check = checks.get(name);
    if (check) results.push(await runOne(name, check, deps));
  }
  return {
    status: worstOf(results.map((result) => result.status)),
    checkedAt,
    durationMs: roundMs(performance.now() - startedAt),
    checks: results,
  };
}

async function runOne(name: CheckName, check: HealthCheck, deps: HealthDeps): Promise<CheckResult> {
  const startedAt = performance.now();
  let finding: Finding;
  try {
    finding = await withTimeout(check(deps), CHECK_TIMEOUT_MS);
  } catch (error) {
    finding = { status: 'fail', reason: `a verificação falhou: ${messageOf(error)}` };
  }
  return {
    name,
    status: finding.status,
    reason: finding.reason,
    durationMs: roundMs(performance.now() - startedAt),
    details: finding.details ?? {},
  };
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`sem resposta em ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** "3 min", "2 h", "4 dias": how long ago, for reasons a person reads. */
export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} dias`;
}
