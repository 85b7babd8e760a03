import fs from 'node:fs/promises';
import os from 'node:os';

import { combine, formatAge, messageOf } from './health-report.ts';
import type { Finding, HealthDeps } from './health-report.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** Available memory of the host below these shares warns, then fails. */
const MEMORY_WARN_SHARE = 0.1;
const MEMORY_FAIL_SHARE = 0.03;
/** Free disk in the data folder below these warns, then fails. */
const DISK_WARN_BYTES = 2 * GIB;
const DISK_FAIL_BYTES = 256 * MIB;
const DISK_WARN_SHARE = 0.1;
/** The daily backup runs at 03:00; a day and a bit without one warns, a week fails. */
const BACKUP_WARN_MS = 26 * 60 * 60_000;
const BACKUP_FAIL_MS = 7 * 24 * 60 * 60_000;

/** Memory of the host, free disk where the data lives, age of the last good backup. */
export async function checkSystem(deps: HealthDeps): Promise<Finding> {
  const memory = memoryFinding(os.freemem(), os.totalmem());
  const disk = await diskFinding(deps.config.dataDir);
  const backup = await backupFinding(deps);
  return combine([memory, disk, backup], {
    ...memory.details,
    ...disk.details,
    ...backup.details,
  });
}

export function memoryFinding(freeBytes: number, totalBytes: number): Finding {
  const share = totalBytes > 0 ? freeBytes / totalBytes : 0;
  const details = { memoryFreeBytes: freeBytes, memoryTotalBytes: totalBytes };
  const reason = `memória livre ${formatBytes(freeBytes)} de ${formatBytes(totalBytes)}`;
  if (share < MEMORY_FAIL_SHARE) return { status: 'fail', reason, details };
  if (share < MEMORY_WARN_SHARE) return { status: 'warn', reason, details };
  return { status: 'pass', reason, details };
}

async function diskFinding(dataDir: string): Promise<Finding> {
  let stats: { bavail: number; bsize: number; blocks: number };
  try {
    stats = await fs.statfs(dataDir);
  } catch (error) {
    return { status: 'warn', reason: `pasta de dados ilegível: ${messageOf(error)}` };
  }
  return diskFindingFrom(stats.bavail * stats.bsize, stats.blocks * stats.bsize);
}

export function diskFindingFrom(freeBytes: number, totalBytes: number): Finding {
  const details = { diskFreeBytes: freeBytes, diskTotalBytes: totalBytes };
  const reason = `disco livre ${formatBytes(freeBytes)} na pasta de dados`;
  if (freeBytes < DISK_FAIL_BYTES) return { status: 'fail', reason, details };
  const isLow = freeBytes < DISK_WARN_BYTES || freeBytes < totalBytes * DISK_WARN_SHARE;
  return { status: isLow ? 'warn' : 'pass', reason, details };
}

async function backupFinding(deps: HealthDeps): Promise<Finding> {
  let newest: { file: string; createdAt: string } | null;
  try {
    newest = await deps.backups.newestVerified();
  } catch (error) {
    return { status: 'warn', reason: `cópias de segurança ilegíveis: ${messageOf(error)}` };
  }
  return backupFindingFrom(newest, deps.now());
}

export function backupFindingFrom(
  newest: { file: string; createdAt: string } | null,
  now: Date,
): Finding {
  if (newest === null) {
    return {
      status: 'warn',
      reason: 'nenhuma cópia de segurança verificada',
      details: { lastBackup: null },
    };
  }
  const ageMs = Math.max(0, now.getTime() - Date.parse(newest.createdAt));
  const details = {
    lastBackup: newest.file,
    lastBackupAt: newest.createdAt,
    lastBackupAgeMs: ageMs,
  };
  const reason = `última cópia verificada há ${formatAge(ageMs)}`;
  if (ageMs >= BACKUP_FAIL_MS) return { status: 'fail', reason, details };
  if (ageMs >= BACKUP_WARN_MS) return { status: 'warn', reason, details };
  return { status: 'pass', reason, details };
}

export function formatBytes(bytes: number): string {
  if (bytes >= GIB) return `${(bytes / GIB).toFixed(1)} GiB`;
  return `${Math.round(bytes / MIB)} MiB`;
}
