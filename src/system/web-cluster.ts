/**
 * `omaum serve --instances N`: N web processes sharing one port. Node 20 has
 * no SO_REUSEPORT option, so a cluster primary forks them and the port is
 * shared through it. The primary serves nothing itself: it restarts a web
 * process that dies, publishes which ones listen (for `omaum deploy`), and
 * on SIGTERM passes the signal on and exits once all of them have finished.
 * It also gathers the metrics of all web processes for whichever of them
 * answers `GET /metrics` (see cluster-metrics.ts).
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';

import type { Logger } from '../platform/logging/logger.ts';
import { answerClusterMetrics, webProcessEnv } from '../platform/metrics/cluster-metrics.ts';
import { webClusterFile } from './deploy/process-records.ts';
import type { WebClusterState } from './deploy/process-records.ts';

export interface WebClusterOptions {
  readonly instances: number;
  readonly dataDir: string;
  readonly logger: Logger;
  /** How long web processes get to finish after SIGTERM before they are killed. */
  readonly shutdownGraceMs: number;
}

// A web process that dies more often than this is not going to get better.
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/** Runs the primary until SIGTERM or SIGINT, or until its web processes cannot start. */
export function runWebCluster(options: WebClusterOptions): void {
  const { logger } = options;
  const file = webClusterFile(options.dataDir, process.pid);
  const listening = new Set<number>();
  const hasListened = new Set<number>();
  const restarts: number[] = [];
  let isStopping = false;
  let exitCode = 0;

  const publish = () => {
    const state: WebClusterState = {
      primaryPid: process.pid,
      webProcesses: liveWorkers()
        .map((worker) => worker.process.pid ?? 0)
        .sort((a, b) => a - b),
      listening: [...listening].sort((a, b) => a - b),
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(state));
    fs.renameSync(`${file}.tmp`, file);
  };

  const stop = (code: number) => {
    if (isStopping) return;
    isStopping = true;
    exitCode = code;
    logger.info({ workers: Object.keys(cluster.workers ?? {}).length }, 'stopping web processes');
    for (const worker of liveWorkers()) worker.process.kill('SIGTERM');
    const forced = setTimeout(() => {
      logger.error('web processes did not stop in time; killing them');
      for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
      finish(1);
    }, options.shutdownGraceMs + 5000);
    forced.unref();
    if (liveWorkers().length === 0) finish(code);
  };

  const finish = (code: number) => {
    fs.rmSync(file, { force: true });
    process.exit(code);
  };

  cluster.on('fork', () => {
    publish();
  });

  cluster.on('listening', (worker) => {
    const pid = worker.process.pid ?? 0;
    listening.add(pid);
    hasListened.add(pid);
    publish();
  });

  cluster.on('exit', (worker, code, signal) => {
    const pid = worker.process.pid ?? 0;
    listening.delete(pid);
    publish();
    if (isStopping) {
      if (code !== 0) exitCode = 1;
      if (liveWorkers().length === 0) finish(exitCode);
      return;
    }
    logger.error({ workerPid: pid, code, signal }, 'web process exited unexpectedly');
    if (!hasListened.has(pid)) {
      // It never served: the others will fail the same way (configuration, migrations).
      stop(1);
      return;
    }
    restartOrGiveUp();
  });

  const restartOrGiveUp = () => {
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      logger.error('web processes keep dying; giving up');
      stop(1);
      return;
    }
    forkWebProcess();
  };

  process.once('SIGTERM', () => {
    stop(0);
  });
  process.once('SIGINT', () => {
    stop(0);
  });
  publish();
  answerClusterMetrics();
  for (let i = 0; i < options.instances; i += 1) forkWebProcess();
  logger.info({ instances: options.instances }, 'web cluster started');
}

function forkWebProcess(): Worker {
  return cluster.fork(webProcessEnv());
}

function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter(
    (worker): worker is Worker => worker !== undefined && !worker.isDead(),
  );
}
