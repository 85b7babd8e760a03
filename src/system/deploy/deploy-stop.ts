/**
 * `omaum deploy stop`: SIGTERM to exactly the processes deploy recorded
 * (checked by id, start time and command line), so that requests and jobs
 * finish or jobs go back to the queue; SIGKILL only for those still running
 * after the timeout. Records are removed afterwards, stale ones included.
 */
import fs from 'node:fs';
import os from 'node:os';

import type { Config } from '../../config/config.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { sleep } from './deploy-common.ts';
import { childrenOf, readProc } from './proc.ts';
import { readRecords, removeRecords, runningProcessOf, webClusterFile } from './process-records.ts';
import type { DeployRecords, ProcessRecord } from './process-records.ts';

export type StopOutcome = 'stopped' | 'killed' | 'not running';

export interface StoppedProcess {
  readonly name: string;
  readonly role: ProcessRecord['role'];
  readonly pid: number;
  readonly outcome: StopOutcome;
}

export interface StopReport {
  readonly processes: readonly StoppedProcess[];
}

export interface StopOptions {
  /** How long processes get after SIGTERM before SIGKILL (default 45 s). */
  readonly timeoutMs?: number;
}

// Longer than a web process (25 s) or a worker (30 s) takes to stop by itself.
const DEFAULT_TIMEOUT_MS = 45_000;
const POLL_MS = 200;

export async function deployStop(config: Config, options: StopOptions = {}): Promise<StopReport> {
  const records = readRecords(config.dataDir);
  if (records === null) return { processes: [] };
  const report = await stopRecorded(config, records, options);
  removeRecords(config.dataDir);
  return report;
}

/** A process found running, with what identifies it: its children included. */
interface Target {
  readonly pid: number;
  readonly startTicks: number;
}

export async function stopRecorded(
  config: Config,
  records: DeployRecords,
  options: StopOptions,
): Promise<StopReport> {
  const running = records.processes.filter((record) => runningProcessOf(record) !== null);
  // Web processes of a cluster: noted now, so that a SIGKILL later reaches them too.
  const children = new Map<number, Target[]>(
    running.map((record) => [record.pid, targetsOf(childrenOf(record.pid))]),
  );
  for (const record of running) signal(record.pid, 'SIGTERM');

  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  while (Date.now() < deadline && running.some(isStillRunning(children))) await sleep(POLL_MS);

  const killed = new Set<number>();
  for (const record of running.filter(isStillRunning(children))) {
    for (const target of [
      { pid: record.pid, startTicks: record.startTicks },
      ...(children.get(record.pid) ?? []),
    ]) {
      if (isSame(target)) signal(target.pid, 'SIGKILL');
    }
    killed.add(record.pid);
  }
  await forgetKilled(config, [
    ...killed,
    ...[...killed].flatMap((pid) => (children.get(pid) ?? []).map((t) => t.pid)),
  ]);
  for (const record of records.processes) {
    if (record.role === 'web')
      fs.rmSync(webClusterFile(config.dataDir, record.pid), { force: true });
  }

  return {
    processes: records.processes.map((record) => ({
      name: record.name,
      role: record.role,
      pid: record.pid,
      outcome: !running.includes(record)
        ? 'not running'
        : killed.has(record.pid)
          ? 'killed'
          : 'stopped',
    })),
  };
}

function targetsOf(pids: readonly number[]): Target[] {
  return pids.flatMap((pid) => {
    const info = readProc(pid);
    return info ? [{ pid, startTicks: info.startTicks }] : [];
  });
}

function isSame(target: Target): boolean {
  return readProc(target.pid)?.startTicks === target.startTicks;
}

function isStillRunning(children: ReadonlyMap<number, readonly Target[]>) {
  return (record: ProcessRecord) =>
    runningProcessOf(record) !== null || (children.get(record.pid) ?? []).some(isSame);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone between the check and the signal: nothing to do.
  }
}

/** Killed workers could not remove their heartbeats: remove them, so none looks alive. */
async function forgetKilled(config: Config, pids: readonly number[]): Promise<void> {
  if (pids.length === 0) return;
  const database = openDatabase(config.database);
  try {
    await database.db
      .deleteFrom('workerHeartbeats')
      .where('host', '=', os.hostname())
      .where('pid', 'in', [...pids])
      .execute();
  } catch {
    // They go stale within half a minute anyway.
  } finally {
    await database.close();
  }
}
