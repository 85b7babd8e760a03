import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { actorOf } from '../auth/access.plugin.ts';
import { JOB_STATES, QUEUE_NAMES } from '../platform/jobs/job-queue.ts';
import { Nullable, Pagination, StringEnum, Timestamp } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';

const tags = ['jobs'];
const ADMIN = ['admin'] as const;

const JobSchema = Type.Object({
  id: Type.String(),
  queue: StringEnum(QUEUE_NAMES),
  name: Type.String(),
  state: StringEnum(JOB_STATES),
  progress: Type.Number(),
  attemptsMade: Type.Integer(),
  maxAttempts: Type.Integer(),
  result: Type.Unknown(),
  failedReason: Nullable(Type.String()),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  finishedAt: Nullable(Timestamp),
});

const JobParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/** `/api/v1/jobs`: background jobs for administrators. */
export const jobRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { jobAdmin } = services;

  app.get(
    '/jobs',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'List background jobs, newest first',
        querystring: Type.Object(
          {
            ...Pagination,
            queue: Type.Optional(StringEnum(QUEUE_NAMES)),
            state: Type.Optional(StringEnum(JOB_STATES)),
            name: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(JobSchema), total: Type.Integer() }) },
      },
    },
    (request) => jobAdmin.list(actorOf(request), request.query),
  );

  app.get(
    '/jobs/:id',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'A job: state, progress, attempts, failure reason',
        params: JobParams,
        response: { 200: JobSchema },
      },
    },
    (request) => jobAdmin.get(actorOf(request), request.params.id),
  );

  app.post(
    '/jobs/:id/retry',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Run a failed job again',
        params: JobParams,
        response: { 200: JobSchema },
      },
    },
    (request) => jobAdmin.retry(actorOf(request), request.params.id),
  );
};
