/**
 * The processes `omaum deploy start` launched, kept in `<dataDir>/run/deploy.json`
 * with what identifies each beyond its id (start time, command line), so that
 * `stop` and `status` act on those processes and no other.
 */
import fs from 'node:fs';
import path from 'node:path';

import { readProc } from './proc.ts';
import type { ProcInfo } from './proc.ts';

export type ProcessRole = 'web' | 'worker' | 'scheduler';

export interface ProcessRecord {
  readonly role: ProcessRole;
  /** `web`, `worker-1`, `scheduler`: also the name of its log file. */
  readonly name: string;
  readonly pid: number;
  readonly startTicks: number;
  /** The exact command line it was started with. */
  readonly command: readonly string[];
  readonly logFile: string;
  readonly startedAt: string;
  /** Web: how many processes the cluster primary runs. */
  readonly instances?: number;
  /** Worker: the port of its own `/metrics` (OMAUM_WORKER_METRICS_PORT + k - 1), when served. */
  readonly metricsPort?: number;
}

export interface DeployRecords {
  readonly startedAt: string;
  readonly port: number;
  readonly processes: readonly ProcessRecord[];
}

export function runDir(dataDir: string): string {
  return path.join(dataDir, 'run');
}

export function logsDir(dataDir: string): string {
  return path.join(dataDir, 'logs');
}

function recordsFile(dataDir: string): string {
  return path.join(runDir(dataDir), 'deploy.json');
}

export function readRecords(dataDir: string): DeployRecords | null {
  try {
    return JSON.parse(fs.readFileSync(recordsFile(dataDir), 'utf8')) as DeployRecords;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Written whole to a temporary file, then renamed: a reader never sees half of it. */
export function writeRecords(dataDir: string, records: DeployRecords): void {
  const file = recordsFile(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, `${JSON.stringify(records, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(partial, file);
}

export function removeRecords(dataDir: string): void {
  fs.rmSync(recordsFile(dataDir), { force: true });
}

/**
 * The process a record describes, if it still runs: same id, same start
 * time, same command line. Null for a process that ended, or an id now used
 * by another process.
 */
export function runningProcessOf(record: ProcessRecord): ProcInfo | null {
  const info = readProc(record.pid);
  if (info === null || info.startTicks !== record.startTicks) return null;
  return sameCommand(info.command, record.command) ? info : null;
}

function sameCommand(actual: readonly string[], recorded: readonly string[]): boolean {
  return actual.length === recorded.length && actual.every((arg, i) => arg === recorded[i]);
}

/** What the primary of a web cluster publishes: the web processes it forked, and which listen. */
export interface WebClusterState {
  readonly primaryPid: number;
  /** Its web processes alive now (its other children, such as tsx's esbuild, are not). */
  readonly webProcesses: readonly number[];
  readonly listening: readonly number[];
}

export function webClusterFile(dataDir: string, primaryPid: number): string {
  return path.join(runDir(dataDir), `web-${primaryPid}.json`);
}

export function readWebCluster(dataDir: string, primaryPid: number): WebClusterState | null {
  try {
    const text = fs.readFileSync(webClusterFile(dataDir, primaryPid), 'utf8');
    return JSON.parse(text) as WebClusterState;
  } catch {
    return null;
  }
}
