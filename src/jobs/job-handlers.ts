import path from 'node:path';

import { rebuildCounters } from '../attendance/counters.ts';
import { importHandlers } from '../attendance/import/import.jobs.ts';
import { backupServiceFor } from '../backups/backup.service.ts';
import type { Config } from '../config/config.ts';
import { exportHandlers } from '../exports/exports.jobs.ts';
import type { Database } from '../platform/db/database.ts';
import type { JobHandler, JobHandlers, JobSchedule } from '../platform/jobs/job-queue.ts';
import { UnrecoverableJobError } from '../platform/jobs/job-queue.ts';
import type { Logger } from '../platform/logging/logger.ts';
import { monitorHandlers } from '../platform/monitoring/job-monitoring.ts';
import { createMailer, defaultFromAddress, MailError } from '../platform/mail/mailer.ts';
import type { MailMessage } from '../platform/mail/mailer.ts';
import { reportScheduleHandlers } from '../reports/report-schedules.jobs.ts';
import type { Services } from '../services.ts';
import { cleanUp } from './maintenance.ts';

export interface HandlerDeps {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  readonly services: Services;
}

export interface RebuildJobData {
  readonly cohortId?: number;
  readonly fromMonth?: string;
  readonly toMonth?: string;
}

/** Every job a worker knows how to run, by name. */
export function createJobHandlers(deps: HandlerDeps): JobHandlers {
  return monitorHandlers(everyHandler(deps), deps.services.monitor);
}

function everyHandler(deps: HandlerDeps): JobHandlers {
  return {
    ...exportHandlers({
      services: deps.services,
      exportsDir: path.join(deps.config.dataDir, 'exports'),
    }),
    ...importHandlers({ services: deps.services, db: deps.database.db }),
    'statistics.rebuild': rebuildStatistics(deps),
    'email.send': sendEmail(deps),
    ...reportScheduleHandlers(deps),
    'maintenance.cleanup': (context) => cleanUp(deps.database, deps.services.clock, context),
    'maintenance.backup': ({ signal }) =>
      backupServiceFor(deps.config, deps.logger).runScheduled(signal),
  };
}

function rebuildStatistics(deps: HandlerDeps): JobHandler<RebuildJobData> {
  return async ({ job }) => {
    const at = deps.services.clock.now().toISOString();
    const rebuiltMonths = await rebuildCounters(deps.database.db, job.data, at);
    return { rebuiltMonths };
  };
}

function sendEmail(deps: HandlerDeps): JobHandler<MailMessage> {
  return async ({ job }) => {
    const mailer = createMailer({
      smtpUrl: deps.config.smtpUrl,
      outboxDir: path.join(deps.config.dataDir, 'outbox'),
      from: defaultFromAddress(deps.config.baseUrl),
      logger: deps.logger,
      db: deps.database.db,
    });
    try {
      return await mailer.send(job.data);
    } catch (error) {
      // A refused address or a malformed message will not get better by retrying.
      if (error instanceof MailError && !error.isRetryable) {
        throw new UnrecoverableJobError(error.message, { cause: error });
      }
      throw error;
    } finally {
      mailer.close();
    }
  };
}

/** The schedules every installation has, in the institution's time zone. */
export function defaultSchedules(config: Config): JobSchedule[] {
  return [
    {
      id: 'maintenance-cleanup',
      queue: 'default',
      name: 'maintenance.cleanup',
      data: {},
      cron: '7 * * * *',
      timeZone: config.timeZone,
    },
    {
      id: 'maintenance-backup',
      queue: 'default',
      name: 'maintenance.backup',
      data: {},
      cron: '0 3 * * *',
      timeZone: config.timeZone,
    },
  ];
}
