/**
 * What Linux says about a process, from /proc. Deploy records a process's
 * start time (in clock ticks since boot) next to its id: an id the kernel
 * has given to another process since then has another start time, so it is
 * never taken for ours.
 */
import fs from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  /** Field 22 of /proc/<pid>/stat: start time in clock ticks after boot. */
  readonly startTicks: number;
  readonly state: string;
  readonly command: readonly string[];
  readonly rssBytes: number | null;
}

// USER_HZ: the unit of /proc/<pid>/stat times; 100 on every Linux architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** The process with this id, or null when there is none (or it is a zombie). */
export function readProc(pid: number): ProcInfo | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0] ?? '?';
  if (state === 'Z' || state === 'X') return null;
  return {
    pid,
    ppid: Number(fields[1]),
    startTicks: Number(fields[19]),
    state,
    command: (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').filter((arg) => arg !== ''),
    rssBytes: rssOf(pid),
  };
}

function rssOf(pid: number): number | null {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readText(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) * 1024 : null;
}

/** When a process started, from its start ticks and the boot time. */
export function startDateOf(startTicks: number): Date {
  const match = /^btime (\d+)/m.exec(readText('/proc/stat') ?? '');
  const bootSeconds = match ? Number(match[1]) : 0;
  return new Date((bootSeconds + startTicks / TICKS_PER_SECOND) * 1000);
}

/** Ids of the live children of a process (web processes of a cluster primary). */
export function childrenOf(pid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((child) => readProc(child)?.ppid === pid);
}

export function isProcSupported(): boolean {
  return fs.existsSync('/proc/self/stat');
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
