import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { actorOf } from '../auth/access.plugin.ts';
import { STAFF_ROLES } from '../auth/actor.ts';
import type { Db } from '../platform/db/database.ts';
import { IdParams, pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  CreateReportScheduleBody,
  ReportScheduleList,
  ReportScheduleListQuery,
  ReportScheduleSchema,
  UpdateReportScheduleBody,
} from './report-schedules.schemas.ts';
import { ReportSchedulesService } from './report-schedules.service.ts';

const tags = ['report-schedules'];

const RunAccepted = Type.Object({ jobId: Type.String() }, { additionalProperties: false });
const access = STAFF_ROLES;

/** `/api/v1/report-schedules`: sheets e-mailed on a cron schedule. */
export const reportScheduleRoutes: FastifyPluginAsyncTypebox<{
  services: Services;
  db: Db;
}> = async (app, { services, db }) => {
  const schedules = new ReportSchedulesService({
    db,
    clock: services.clock,
    jobs: services.jobs,
    timeZone: services.timeZone,
  });

  app.get(
    '/report-schedules',
    {
      config: { access },
      schema: {
        tags,
        summary: 'List report schedules, optionally of one cohort',
        querystring: ReportScheduleListQuery,
        response: { 200: ReportScheduleList },
      },
    },
    (request) =>
      schedules.list(actorOf(request), request.query.cohortId, pageRequest(request.query)),
  );

  app.post(
    '/report-schedules',
    {
      config: { access },
      schema: {
        tags,
        summary: "Schedule a cohort's sheet to be e-mailed to recipients",
        body: CreateReportScheduleBody,
        response: { 201: ReportScheduleSchema },
      },
    },
    async (request, reply) => {
      const created = await schedules.create(actorOf(request), request.body);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/report-schedules/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'One report schedule',
        params: IdParams,
        response: { 200: ReportScheduleSchema },
      },
    },
    (request) => schedules.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/report-schedules/:id',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Change a report schedule (isActive false stops it)',
        params: IdParams,
        body: UpdateReportScheduleBody,
        response: { 200: ReportScheduleSchema },
      },
    },
    (request) => schedules.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/report-schedules/:id',
    {
      config: { access },
      schema: { tags, summary: 'Delete a report schedule', params: IdParams },
    },
    async (request, reply) => {
      await schedules.remove(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/report-schedules/:id/run',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Send the report now, even if its period was already sent; answers the job id',
        params: IdParams,
        response: { 202: RunAccepted },
      },
    },
    async (request, reply) => {
      const accepted = await schedules.runNow(actorOf(request), request.params.id);
      return reply.code(202).send(accepted);
    },
  );
};
