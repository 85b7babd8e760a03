import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { actorOf } from '../../auth/access.plugin.ts';
import type { Db } from '../../platform/db/database.ts';
import { IdParams, Nullable, StringEnum, Timestamp } from '../../platform/http/schemas.ts';
import { JOB_STATES } from '../../platform/jobs/job-queue.ts';
import type { Services } from '../../services.ts';
import { ATTENDANCE_ROLES } from '../../sessions/sessions.service.ts';
import { AttendanceImportService } from './import.service.ts';

const tags = ['attendance'];
// Instructors only reach the cohorts they teach: the service checks it.
const access = ATTENDANCE_ROLES;

const ImportBody = Type.Object(
  {
    format: StringEnum(['csv', 'json']),
    content: Type.String({
      minLength: 1,
      description:
        'CSV with header `data;atividade;aluno;registro;convocado;justificativa`, ' +
        'or a JSON array of {date, activityId|activity, studentId|initiaticNumber, status, ' +
        'summoned?, justification?}',
    }),
    partial: Type.Optional(
      Type.Boolean({ description: 'Save the good rows even when others are rejected' }),
    ),
  },
  { additionalProperties: false },
);

const ImportReportSchema = Type.Object({
  total: Type.Integer(),
  saved: Type.Integer(),
  rejected: Type.Integer(),
  rows: Type.Array(
    Type.Object({
      row: Type.Integer({ description: '1-based, among the data rows' }),
      status: StringEnum(['ok', 'rejected']),
      reason: Nullable(Type.String()),
      code: Nullable(Type.String()),
    }),
  ),
});

const ImportStatusSchema = Type.Object({
  jobId: Type.String(),
  cohortId: Type.Integer(),
  partial: Type.Boolean(),
  state: StringEnum(JOB_STATES),
  progress: Type.Number(),
  failedReason: Nullable(Type.String()),
  report: Nullable(ImportReportSchema),
  createdAt: Timestamp,
  finishedAt: Nullable(Timestamp),
});

/** Imports of marks from CSV or JSON, run in the background with a per-row report. */
export const importRoutes: FastifyPluginAsyncTypebox<{ services: Services; db: Db }> = async (
  app,
  { services, db },
) => {
  const imports = new AttendanceImportService(db, services.jobs);

  app.post(
    '/cohorts/:id/attendance/import',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Import marks (CSV or JSON); all-or-nothing unless `partial` is true',
        params: IdParams,
        body: ImportBody,
        response: { 202: Type.Object({ jobId: Type.String() }) },
      },
    },
    async (request, reply) => {
      const created = await imports.request(actorOf(request), request.params.id, request.body);
      return reply.code(202).send(created);
    },
  );

  app.get(
    '/attendance-imports/:jobId',
    {
      config: { access },
      schema: {
        tags,
        summary: 'One of your imports: state, progress and, once done, the per-row report',
        params: Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: ImportStatusSchema },
      },
    },
    (request) => imports.status(actorOf(request), request.params.jobId),
  );
};
