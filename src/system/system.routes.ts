import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import type { Config } from '../config/config.ts';
import type { Database } from '../platform/db/database.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';
import { StringEnum } from '../platform/http/schemas.ts';
import type { Logger } from '../platform/logging/logger.ts';
import { backupListerFor, buildHealthReport } from './health/health.ts';
import { CHECK_NAMES } from './health/health-report.ts';
import type { CachePing, HealthDeps } from './health/health-report.ts';

export interface SystemRoutesOptions {
  readonly config: Config;
  readonly database: Database;
  readonly jobs: JobQueue | null;
  readonly cache: CachePing | null;
  readonly logger: Logger;
}

const Status = StringEnum(['pass', 'warn', 'fail'] as const);

const HealthReportSchema = Type.Object({
  status: Status,
  checkedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Number(),
  checks: Type.Array(
    Type.Object({
      name: StringEnum(CHECK_NAMES),
      status: Status,
      reason: Type.String(),
      durationMs: Type.Number(),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});

/**
 * `/api/v1/system/health`: the report `omaum health --format json` prints,
 * as this web process sees the installation. Administrators only: it names
 * settings and accounts. It answers 200 whatever the status; `status` says it.
 */
export const systemRoutes: FastifyPluginAsyncTypebox<SystemRoutesOptions> = async (
  app,
  options,
) => {
  const deps: HealthDeps = {
    config: options.config,
    database: options.database,
    queueKind: options.config.queueBackend,
    queue: options.jobs,
    queueError: options.jobs === null ? new Error('este processo não tem fila') : undefined,
    cache: options.cache,
    backups: backupListerFor(options.config, options.logger),
    now: () => new Date(),
  };

  app.get(
    '/system/health',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['system'],
        summary: 'Health report: database, cache, queue, performance, security, system',
        response: { 200: HealthReportSchema },
      },
    },
    async () => {
      const report = await buildHealthReport(deps);
      return { ...report, checks: [...report.checks] };
    },
  );
};
