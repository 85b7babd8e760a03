import { QUEUE_NAMES } from '../../platform/jobs/job-queue.ts';
import type { JobQueue, QueueName } from '../../platform/jobs/job-queue.ts';
import { liveHeartbeats } from '../heartbeats.ts';
import type { LiveHeartbeat } from '../heartbeats.ts';
import { combine, formatAge, messageOf, withTimeout } from './health-report.ts';
import type { Finding, HealthDeps } from './health-report.ts';

/** A job waiting longer than this is a warning, and a failure past `FAIL`. */
export const OLDEST_WAITING_WARN_MS = 5 * 60_000;
export const OLDEST_WAITING_FAIL_MS = 30 * 60_000;
const HOUR_MS = 60 * 60_000;
// Failed jobs are read newest first, at most this many.
const FAILED_SCAN_LIMIT = 500;

/**
 * The backend answers; every queue has a live worker (from the heartbeats);
 * the oldest waiting job is not too old; how many jobs failed in the last
 * hour. An unreachable backend fails; the rest warn, except a job waiting
 * for more than half an hour.
 */
export async function checkQueue(deps: HealthDeps): Promise<Finding> {
  const { queue } = deps;
  const backend = deps.queueKind;
  if (queue === null) {
    return { status: 'fail', reason: `${backend}: indisponível: ${messageOf(deps.queueError)}` };
  }
  const timeoutMs = deps.probeTimeoutMs ?? 2000;
  const now = deps.now();

  let waitingByQueue: Map<QueueName, number>;
  try {
    waitingByQueue = await withTimeout(waitingCounts(queue), timeoutMs * 2);
  } catch (error) {
    return { status: 'fail', reason: `${backend} inacessível: ${messageOf(error)}` };
  }
  const workers = await workersFinding(deps, now);
  const oldest = await withTimeout(oldestWaiting(queue, waitingByQueue, now), timeoutMs * 2);
  const failures = await withTimeout(recentFailures(queue, now), timeoutMs * 2);
  return combine([workers, oldest, failures], {
    backend,
    waiting: Object.fromEntries(waitingByQueue),
    ...workers.details,
    ...oldest.details,
    ...failures.details,
  });
}

async function waitingCounts(queue: JobQueue): Promise<Map<QueueName, number>> {
  const counts = await Promise.all(QUEUE_NAMES.map((name) => queue.counts(name)));
  return new Map(QUEUE_NAMES.map((name, index) => [name, counts[index]?.waiting ?? 0]));
}

/** Which queues no live worker serves, and (embedded only) whether a scheduler runs. */
export function workersFindingFrom(
  live: readonly LiveHeartbeat[],
  backend: 'embedded' | 'bullmq',
): Finding {
  const workers = live.filter((beat) => beat.role === 'worker');
  const served = new Set(workers.flatMap((beat) => beat.queues));
  const unserved = QUEUE_NAMES.filter((name) => !served.has(name));
  const hasScheduler = live.some((beat) => beat.role === 'scheduler');
  const details = {
    liveWorkers: workers.length,
    unservedQueues: unserved,
    hasLiveScheduler: hasScheduler,
  };

  const items: Finding[] = [];
  if (workers.length === 0) {
    items.push({ status: 'warn', reason: 'nenhum worker ativo' });
  } else if (unserved.length > 0) {
    items.push({ status: 'warn', reason: `filas sem worker ativo: ${unserved.join(', ')}` });
  } else {
    items.push({ status: 'pass', reason: `${workers.length} worker(s) ativo(s)` });
  }
  // BullMQ advances its schedules from the workers; the embedded backend needs a scheduler.
  if (backend === 'embedded' && !hasScheduler) {
    items.push({ status: 'warn', reason: 'nenhum agendador ativo' });
  }
  return { ...combine(items), details };
}

async function workersFinding(deps: HealthDeps, now: Date): Promise<Finding> {
  if (deps.database === null) {
    return { status: 'warn', reason: 'workers desconhecidos (banco indisponível)' };
  }
  try {
    return workersFindingFrom(await liveHeartbeats(deps.database.db, now), deps.queueKind);
  } catch (error) {
    return { status: 'warn', reason: `workers desconhecidos: ${messageOf(error)}` };
  }
}

async function oldestWaiting(
  queue: JobQueue,
  waitingByQueue: ReadonlyMap<QueueName, number>,
  now: Date,
): Promise<Finding> {
  let oldestAt: string | null = null;
  for (const [name, waiting] of waitingByQueue) {
    if (waiting === 0) continue;
    // Lists are newest first: the last one is the oldest.
    const page = await queue.list({ queue: name, state: 'waiting', limit: 1, offset: waiting - 1 });
    const createdAt = page.items[0]?.createdAt;
    if (createdAt && (oldestAt === null || createdAt < oldestAt)) oldestAt = createdAt;
  }
  return oldestWaitingFinding(oldestAt, now);
}

export function oldestWaitingFinding(oldestAt: string | null, now: Date): Finding {
  if (oldestAt === null) {
    return { status: 'pass', reason: 'nenhum job esperando', details: { oldestWaitingMs: null } };
  }
  const ageMs = Math.max(0, now.getTime() - Date.parse(oldestAt));
  const details = { oldestWaitingMs: ageMs };
  const reason = `job mais antigo esperando há ${formatAge(ageMs)}`;
  if (ageMs >= OLDEST_WAITING_FAIL_MS) return { status: 'fail', reason, details };
  if (ageMs >= OLDEST_WAITING_WARN_MS) return { status: 'warn', reason, details };
  return { status: 'pass', reason, details };
}

async function recentFailures(queue: JobQueue, now: Date): Promise<Finding> {
  const page = await queue.list({ state: 'failed', limit: FAILED_SCAN_LIMIT });
  const since = now.getTime() - HOUR_MS;
  const count = page.items.filter(
    (job) => Date.parse(job.finishedAt ?? job.createdAt) >= since,
  ).length;
  return failuresFinding(count, count === FAILED_SCAN_LIMIT);
}

export function failuresFinding(count: number, isAtLeast: boolean): Finding {
  const details = { failedLastHour: count };
  if (count === 0) return { status: 'pass', reason: 'nenhuma falha na última hora', details };
  const shown = isAtLeast ? `${count}+` : String(count);
  return { status: 'warn', reason: `${shown} job(s) falharam na última hora`, details };
}
