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
}

/**
 * TODO(#5): also delete expired export files and rows (docs/known-issues.md).
 *
 * `maintenance.cleanup`: removes expired API tokens, old finished jobs of the
 * embedded queue and old idempotency keys of sent e-mails. Each step is one
 * statement, so a retry after a failure simply does the rest.
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
  await context.updateProgress(100);

  return {
    expiredTokens: Number(tokens.numDeletedRows),
    completedJobs: Number(completed.numDeletedRows),
    failedJobs: Number(failed.numDeletedRows),
    sentEmails: Number(emails.numDeletedRows),
  };
}
