/**
 * Which backups to keep. The rule, applied after every scheduled backup:
 *
 * - the newest `keepLast` backups (default 14: two weeks of daily backups);
 * - plus, for each of the last `keepMonths` calendar months (default 12,
 *   the current month included), the first backup taken in that month.
 *
 * Everything else is deleted. Months and days are read in UTC, like the file
 * names. The first backup of a month is chosen rather than the last so that
 * the choice never changes once the month has begun: a monthly backup, once
 * kept, stays for a year.
 */
import { newestFirst } from './backup-files.ts';
import type { BackupName } from './backup-files.ts';

export interface RetentionRule {
  readonly keepLast: number;
  readonly keepMonths: number;
}

export const DEFAULT_RETENTION: RetentionRule = { keepLast: 14, keepMonths: 12 };

/** The names of the backups the rule keeps. */
export function backupsToKeep(
  backups: readonly BackupName[],
  now: Date,
  rule: RetentionRule = DEFAULT_RETENTION,
): Set<string> {
  const sorted = [...backups].sort(newestFirst);
  const keep = new Set(sorted.slice(0, Math.max(1, rule.keepLast)).map((b) => b.file));

  const firstMonth = monthIndex(now) - (rule.keepMonths - 1);
  const firstOfMonth = new Map<number, BackupName>();
  for (const backup of sorted) {
    const month = monthIndex(backup.createdAt);
    // Walking newest to oldest, the last one seen in a month is its first.
    if (month >= firstMonth) firstOfMonth.set(month, backup);
  }
  for (const backup of firstOfMonth.values()) keep.add(backup.file);
  return keep;
}

function monthIndex(date: Date): number {
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
}
