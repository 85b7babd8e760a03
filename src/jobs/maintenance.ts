import { rm } from 'node:fs/promises';

import { ExportsRepo } from '../exports/exports.repo.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { JobContext } from '../platform/jobs/job-queue.ts';

const DAY_MS = 86_400_000;

/** How long finished records are kept before the hourly clean-up removes them. */
export const RETENTION_DAYS = {
  completedJobs: 7,
  failedJobs: 30,
  sentEmails: 365,
} as const;

export interface CleanupReport {
  readonly expiredTokens: number;
  readonly completedJobs: number;
  readonly failedJobs: number;
  readonly sentEmails: number;
  /** Expired exports whose file was deleted by this run. */
  readonly expiredExports: number;
}

/**
 * `maintenance.cleanup`: removes expired API tokens, old finished jobs of the
 * embedded queue, old idempotency keys of sent e-mails and the files of
 * expired exports. Each step is idempotent, so a retry after a failure simply
 * does the rest.
 */
export async function cleanUp(
  database: Database,
  clock: Clock,
  context: Pick<JobContext, 'updateProgress'>,
): Promise<CleanupReport> {
  const now = clock.now().getTime();
  const before = (days: number) => new Date(now - days * DAY_MS).toISOString();
  const { db } = database;

  const tokens = await db
    .deleteFrom('apiTokens')
    .where('expiresAt', '<', new Date(now).toISOString())
    .executeTakeFirst();
  await context.updateProgress(25);
  const completed = await db
    .deleteFrom('jobs')
    .where('state', '=', 'completed')
    .where('finishedAt', '<', before(RETENTION_DAYS.completedJobs))
    .executeTakeFirst();
  const failed = await db
    .deleteFrom('jobs')
    .where('state', '=', 'failed')
    .where('finishedAt', '<', before(RETENTION_DAYS.failedJobs))
    .executeTakeFirst();
  await context.updateProgress(75);
  const emails = await db
    .deleteFrom('sentEmails')
    .where('sentAt', '<', before(RETENTION_DAYS.sentEmails))
    .executeTakeFirst();
  await context.updateProgress(90);
  const exportFiles = await deleteExpiredExportFiles(database, new Date(now).toISOString());
  await context.updateProgress(100);

  return {
    expiredTokens: Number(tokens.numDeletedRows),
    completedJobs: Number(completed.numDeletedRows),
    failedJobs: Number(failed.numDeletedRows),
    sentEmails: Number(emails.numDeletedRows),
    expiredExports: exportFiles,
  };
}

/**
 * Deletes the file of each ready export past its `expires_at`, then clears
 * its `file_path`; the row stays, so the list still shows the export and a
 * download still answers 410. The file goes first: a run interrupted between
 * the two steps leaves a path to a missing file, which the next run clears,
 * rather than a file nothing points to. Returns how many were deleted.
 */
async function deleteExpiredExportFiles(database: Database, nowIso: string): Promise<number> {
  const repo = new ExportsRepo(database.db);
  const expired = await repo.listExpiredFiles(nowIso);
  for (const { id, filePath } of expired) {
    await rm(filePath, { force: true });
    await repo.forgetFile(id, filePath, nowIso);
  }
  return expired.length;
}
