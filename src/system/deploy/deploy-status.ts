/**
 * `omaum deploy status`: each recorded process (and each web process of the
 * cluster) with its role, id, uptime, memory and whether it is alive, the
 * queue depths and the readiness of the web processes.
 */
import os from 'node:os';

import type { Config } from '../../config/config.ts';
import { openDatabase } from '../../platform/db/database.ts';
import type { Database } from '../../platform/db/database.ts';
import { QUEUE_NAMES } from '../../platform/jobs/job-queue.ts';
import type { JobBackend, JobState, QueueName } from '../../platform/jobs/job-queue.ts';
import { createJobBackend } from '../../platform/jobs/jobs.ts';
import type { Logger } from '../../platform/logging/logger.ts';
import { withTimeout } from '../health/health-report.ts';
import { liveHeartbeats } from '../heartbeats.ts';
import { localBaseUrl, readinessOf } from './deploy-common.ts';
import type { Readiness } from './deploy-common.ts';
import { childrenOf, readProc, startDateOf } from './proc.ts';
import type { ProcInfo } from './proc.ts';
import { readRecords, readWebCluster, runningProcessOf } from './process-records.ts';
import type { ProcessRecord, ProcessRole } from './process-records.ts';

export interface ProcessStatus {
  readonly role: ProcessRole;
  readonly name: string;
  readonly pid: number;
  /** The cluster primary a web process belongs to; null for recorded processes. */
  readonly parentPid: number | null;
  readonly isRunning: boolean;
  /**
   * Web: the primary runs and all its web processes listen (or, for one web
   * process, `/readyz` answers). Worker and scheduler: a fresh heartbeat.
   */
  readonly isLive: boolean;
  readonly uptimeMs: number | null;
  readonly memoryBytes: number | null;
  readonly logFile: string | null;
  /** Worker: the port of its own `/metrics` (OMAUM_WORKER_METRICS_PORT); null when none. */
  readonly metricsPort: number | null;
}

export interface DeployStatus {
  readonly isDeployed: boolean;
  readonly startedAt: string | null;
  readonly processes: readonly ProcessStatus[];
  readonly readiness: Readiness;
  /** Jobs per state for each queue; null when the backend did not answer. */
  readonly queues: Readonly<Record<QueueName, Record<JobState, number>>> | null;
  readonly queueError: string | null;
  /** True when every recorded process runs and is live, and `/readyz` is green. */
  readonly isHealthy: boolean;
}

const QUEUE_TIMEOUT_MS = 5000;

export async function deployStatus(config: Config, logger: Logger): Promise<DeployStatus> {
  const records = readRecords(config.dataDir);
  const readiness = await readinessOf(localBaseUrl(config));
  let database: Database | null = null;
  try {
    database = openDatabase(config.database);
  } catch {
    // Heartbeats and queue depths then read as unknown.
  }
  try {
    const beating = await beatingPids(database);
    const processes = (records?.processes ?? []).flatMap((record) =>
      statusesOf(config, record, beating, readiness),
    );
    const queues = await queueDepths(config, database, logger);
    return {
      isDeployed: records !== null,
      startedAt: records?.startedAt ?? null,
      processes,
      readiness,
      queues: queues.value,
      queueError: queues.error,
      isHealthy:
        records !== null && readiness.isReady && processes.every((p) => p.isRunning && p.isLive),
    };
  } finally {
    await database?.close();
  }
}

async function beatingPids(database: Database | null): Promise<Set<number>> {
  if (database === null) return new Set();
  const beats = await liveHeartbeats(database.db, new Date()).catch(() => []);
  return new Set(beats.filter((beat) => beat.host === os.hostname()).map((beat) => beat.pid));
}

function statusesOf(
  config: Config,
  record: ProcessRecord,
  beating: ReadonlySet<number>,
  readiness: Readiness,
): ProcessStatus[] {
  const info = runningProcessOf(record);
  if (record.role !== 'web') {
    const isLive = info !== null && beating.has(record.pid);
    const status = statusOf(
      record.role,
      record.name,
      record.pid,
      null,
      info,
      isLive,
      record.logFile,
    );
    return [{ ...status, metricsPort: record.metricsPort ?? null }];
  }
  const cluster = readWebCluster(config.dataDir, record.pid);
  const forked = new Set(cluster?.webProcesses ?? []);
  const children = info === null ? [] : childrenOf(record.pid).filter((pid) => forked.has(pid));
  const listening = new Set(cluster?.listening ?? []);
  const isClustered = (record.instances ?? 1) > 1;
  const isPrimaryLive =
    info !== null &&
    readiness.isReady &&
    (!isClustered || listening.size >= (record.instances ?? 1));
  const primary = statusOf(
    'web',
    record.name,
    record.pid,
    null,
    info,
    isPrimaryLive,
    record.logFile,
  );
  const webs = children.map((pid, index) =>
    statusOf(
      'web',
      `${record.name}-${index + 1}`,
      pid,
      record.pid,
      readProc(pid),
      listening.has(pid),
      null,
    ),
  );
  return [primary, ...webs];
}

function statusOf(
  role: ProcessRole,
  name: string,
  pid: number,
  parentPid: number | null,
  info: ProcInfo | null,
  isLive: boolean,
  logFile: string | null,
): ProcessStatus {
  return {
    role,
    name,
    pid,
    parentPid,
    isRunning: info !== null,
    isLive,
    uptimeMs:
      info === null ? null : Math.max(0, Date.now() - startDateOf(info.startTicks).getTime()),
    memoryBytes: info?.rssBytes ?? null,
    logFile,
    metricsPort: null,
  };
}

async function queueDepths(
  config: Config,
  database: Database | null,
  logger: Logger,
): Promise<{ value: DeployStatus['queues']; error: string | null }> {
  if (database === null && config.queueBackend === 'embedded') {
    return { value: null, error: 'the database does not open' };
  }
  let backend: JobBackend | null = null;
  try {
    // The BullMQ backend reads only the configuration; the embedded one needs the database.
    backend = await createJobBackend({ config, database: database as Database, logger });
    const { queue } = backend;
    const counts = await withTimeout(
      Promise.all(QUEUE_NAMES.map((name) => queue.counts(name))),
      QUEUE_TIMEOUT_MS,
    );
    const value = Object.fromEntries(QUEUE_NAMES.map((name, i) => [name, counts[i]]));
    return { value: value as Record<QueueName, Record<JobState, number>>, error: null };
  } catch (error) {
    return { value: null, error: (error as Error).message };
  } finally {
    await withTimeout(backend?.close() ?? Promise.resolve(), 3000).catch(() => undefined);
  }
}
