/**
 * `omaum deploy start`: the web processes (one cluster primary sharing the
 * port), the workers and the scheduler, detached, each logging to
 * `<dataDir>/logs/<name>.log` and recorded in `<dataDir>/run/deploy.json`.
 * It returns once `/readyz` answers 200, every web process listens and every
 * worker and the scheduler sent a heartbeat; otherwise it prints the tail of
 * the failing log, stops what it started and fails.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import type { Config } from '../../config/config.ts';
import { openDatabase } from '../../platform/db/database.ts';
import type { Database } from '../../platform/db/database.ts';
import { hasPendingMigrations } from '../../platform/db/migrate.ts';
import { liveHeartbeats } from '../heartbeats.ts';
import { DeployError, localBaseUrl, readinessOf, sleep, tailOf } from './deploy-common.ts';
import { stopRecorded } from './deploy-stop.ts';
import { isProcSupported, readProc } from './proc.ts';
import {
  logsDir,
  readRecords,
  readWebCluster,
  removeRecords,
  runningProcessOf,
  writeRecords,
} from './process-records.ts';
import type { DeployRecords, ProcessRecord, ProcessRole } from './process-records.ts';

export interface StartOptions {
  readonly web: number;
  readonly workers: number;
  /** How long to wait for everything to be ready (default 60 s). */
  readonly timeoutMs?: number;
}

const BIN = path.resolve(import.meta.dirname, '..', '..', '..', 'bin', 'omaum.js');
const POLL_MS = 250;
const TAIL_LINES = 30;

export async function deployStart(config: Config, options: StartOptions): Promise<DeployRecords> {
  if (!isProcSupported()) throw new DeployError('deploy needs Linux (/proc); use systemd units');
  refuseIfRunning(config.dataDir);
  await requirePortFree(config.host, config.port, 'OMAUM_PORT');
  const metricsPorts = workerMetricsPorts(config, options.workers);
  for (const port of metricsPorts) {
    await requirePortFree(config.host, port, 'OMAUM_WORKER_METRICS_PORT');
  }
  const database = openDatabase(config.database);
  try {
    if (await hasPendingMigrations(database)) {
      throw new DeployError('the database has pending migrations: run `omaum deploy setup` first');
    }
    return await launchAndWait(config, database, options, metricsPorts);
  } finally {
    await database.close();
  }
}

async function launchAndWait(
  config: Config,
  database: Database,
  options: StartOptions,
  metricsPorts: readonly number[],
): Promise<DeployRecords> {
  fs.mkdirSync(logsDir(config.dataDir), { recursive: true });
  let records: DeployRecords = {
    startedAt: new Date().toISOString(),
    port: config.port,
    processes: [],
  };
  const add = (role: ProcessRole, name: string, args: string[], extra: RecordExtra = {}) => {
    const record = launch(config, role, name, args, extra);
    // Recorded at once: if this command dies half-way, `deploy stop` still finds them.
    records = { ...records, processes: [...records.processes, record] };
    writeRecords(config.dataDir, records);
  };

  const webArgs = options.web > 1 ? ['serve', '--instances', String(options.web)] : ['serve'];
  add('web', 'web', webArgs, { instances: options.web });
  for (let i = 1; i <= options.workers; i += 1) {
    const metricsPort = metricsPorts[i - 1];
    if (metricsPort === undefined) {
      add('worker', `worker-${i}`, ['worker']);
    } else {
      // Explicit on the command line: each worker needs its own port, not the shared setting.
      add('worker', `worker-${i}`, ['worker', '--metrics-port', String(metricsPort)], {
        metricsPort,
      });
    }
  }
  add('scheduler', 'scheduler', ['scheduler']);

  const problem = await waitUntilReady(config, database, records, options.timeoutMs ?? 60_000);
  if (problem === null) return records;

  await stopRecorded(config, records, { timeoutMs: 30_000 });
  removeRecords(config.dataDir);
  const tail = problem.record ? tailOf(problem.record.logFile, TAIL_LINES) : '';
  throw new DeployError(problem.message, tail);
}

/** What a record holds beyond the process itself. */
type RecordExtra = Pick<ProcessRecord, 'instances' | 'metricsPort'>;

/**
 * The `/metrics` port of each worker, 1-based k getting OMAUM_WORKER_METRICS_PORT + k - 1;
 * none when the setting is off.
 */
function workerMetricsPorts(config: Config, workers: number): number[] {
  const first = config.workerMetricsPort;
  if (first === null) return [];
  const ports = Array.from({ length: workers }, (_, k) => first + k);
  const last = ports[ports.length - 1] ?? first;
  if (last > 65535) {
    throw new DeployError(
      `OMAUM_WORKER_METRICS_PORT=${first} leaves no port for worker-${workers} (${last})`,
    );
  }
  if (ports.includes(config.port)) {
    throw new DeployError(
      `the worker metrics ports ${first}-${last} include OMAUM_PORT (${config.port}); ` +
        'set OMAUM_WORKER_METRICS_PORT elsewhere',
    );
  }
  return ports;
}

function launch(
  config: Config,
  role: ProcessRole,
  name: string,
  args: string[],
  extra: RecordExtra,
): ProcessRecord {
  const logFile = path.join(logsDir(config.dataDir), `${name}.log`);
  const log = fs.openSync(logFile, 'a');
  const command = [process.execPath, BIN, ...args];
  try {
    const child = spawn(command[0] ?? process.execPath, command.slice(1), {
      cwd: process.cwd(),
      // The children must find the same data folder whatever their own working folder.
      env: { ...process.env, OMAUM_DATA_DIR: config.dataDir },
      // Its own session: a Ctrl-C meant for this command does not reach it.
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    const pid = child.pid;
    const info = pid === undefined ? null : readProc(pid);
    if (pid === undefined || info === null) {
      throw new DeployError(`${name} did not start`, tailOf(logFile, TAIL_LINES));
    }
    return {
      role,
      name,
      pid,
      startTicks: info.startTicks,
      command,
      logFile,
      startedAt: new Date().toISOString(),
      ...extra,
    };
  } finally {
    fs.closeSync(log);
  }
}

interface StartProblem {
  readonly message: string;
  readonly record: ProcessRecord | null;
}

async function waitUntilReady(
  config: Config,
  database: Database,
  records: DeployRecords,
  timeoutMs: number,
): Promise<StartProblem | null> {
  const deadline = Date.now() + timeoutMs;
  const web = records.processes.find((record) => record.role === 'web') ?? null;
  let waitingFor = 'readiness';
  while (Date.now() < deadline) {
    const dead = records.processes.find((record) => runningProcessOf(record) === null);
    if (dead)
      return { message: `${dead.name} (pid ${dead.pid}) exited while starting`, record: dead };

    const pending = await whatIsPending(config, database, records);
    if (pending === null) return null;
    waitingFor = pending;
    await sleep(POLL_MS);
  }
  return { message: `not ready within ${timeoutMs} ms: waiting for ${waitingFor}`, record: web };
}

/** What is not ready yet, or null once everything is. */
async function whatIsPending(
  config: Config,
  database: Database,
  records: DeployRecords,
): Promise<string | null> {
  const readiness = await readinessOf(localBaseUrl(config));
  if (!readiness.isReady) return `/readyz (${readiness.message})`;

  for (const record of records.processes) {
    if (record.role !== 'web' || (record.instances ?? 1) <= 1) continue;
    const listening = readWebCluster(config.dataDir, record.pid)?.listening.length ?? 0;
    if (listening < (record.instances ?? 1)) {
      return `web processes (${listening} of ${record.instances} listening)`;
    }
  }

  const beats = await liveHeartbeats(database.db, new Date()).catch(() => []);
  const beating = new Set(beats.map((beat) => beat.pid));
  const silent = records.processes.filter(
    (record) => record.role !== 'web' && !beating.has(record.pid),
  );
  return silent.length === 0 ? null : `heartbeats of ${silent.map((r) => r.name).join(', ')}`;
}

/** Refuses to start twice; forgets records of processes that are gone. */
function refuseIfRunning(dataDir: string): void {
  const records = readRecords(dataDir);
  if (records === null) return;
  const running = records.processes.filter((record) => runningProcessOf(record) !== null);
  if (running.length > 0) {
    const list = running.map((record) => `${record.name} (pid ${record.pid})`).join(', ');
    throw new DeployError(`OMAUM is already running: ${list}; run \`omaum deploy stop\` first`);
  }
  removeRecords(dataDir);
}

async function requirePortFree(host: string, port: number, setting: string): Promise<void> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    throw new DeployError(
      `cannot listen on ${host}:${port}: ${(error as Error).message}; ` +
        `another program uses it (set ${setting})`,
    );
  }
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}
