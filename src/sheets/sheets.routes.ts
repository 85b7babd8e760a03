import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES } from '../auth/actor.ts';
import { IdParams } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  ForecastSchema,
  MonthQuery,
  NotClearedSchema,
  PeriodQuery,
  SheetSchema,
  StudentReportQuery,
  StudentReportSchema,
} from './sheets.schemas.ts';

const tags = ['sheets'];
const access = ALL_ROLES;

/** Sheets and the reports derived from them; all read-only. */
export const sheetRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { sheets, monthAttendance } = services;

  app.get(
    '/cohorts/:id/sheet',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The monthly (from = to) or accumulated sheet of a cohort',
        params: IdParams,
        querystring: PeriodQuery,
        response: { 200: SheetSchema },
      },
    },
    (request) =>
      sheets.sheet(actorOf(request), request.params.id, request.query.from, request.query.to),
  );

  app.get(
    '/cohorts/:id/not-cleared',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Students not cleared, with what each misses per activity',
        params: IdParams,
        querystring: PeriodQuery,
        response: { 200: NotClearedSchema },
      },
    },
    (request) =>
      sheets.notCleared(actorOf(request), request.params.id, request.query.from, request.query.to),
  );

  app.get(
    '/cohorts/:id/forecast',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Absences each student can still afford per activity in the period',
        params: IdParams,
        querystring: PeriodQuery,
        response: { 200: ForecastSchema },
      },
    },
    (request) =>
      sheets.forecast(actorOf(request), request.params.id, request.query.from, request.query.to),
  );

  app.get(
    '/cohorts/:id/pending',
    {
      config: { access },
      schema: {
        tags,
        summary: 'Expected marks of a month still without P, F or J',
        params: IdParams,
        querystring: MonthQuery,
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                sessionId: Type.Integer(),
                activityId: Type.Integer(),
                date: Type.String(),
                studentId: Type.Integer(),
                fullName: Type.String(),
              }),
            ),
            total: Type.Integer(),
          }),
        },
      },
    },
    async (request) => {
      const grid = await monthAttendance.read(
        actorOf(request),
        request.params.id,
        request.query.month,
      );
      const sessions = new Map(grid.sessions.map((s) => [s.id, s]));
      const names = new Map(grid.students.map((s) => [s.studentId, s.fullName]));
      const items = grid.pending.map((cell) => ({
        sessionId: cell.sessionId,
        activityId: sessions.get(cell.sessionId)?.activityId ?? 0,
        date: sessions.get(cell.sessionId)?.date ?? '',
        studentId: cell.studentId,
        fullName: names.get(cell.studentId) ?? '',
      }));
      return { items, total: items.length };
    },
  );

  app.get(
    '/students/:id/report',
    {
      config: { access },
      schema: {
        tags,
        summary: 'The student report ("boletim"): per month and activity, and the total',
        params: IdParams,
        querystring: StudentReportQuery,
        response: { 200: StudentReportSchema },
      },
    },
    (request) =>
      sheets.studentReport(
        actorOf(request),
        request.params.id,
        request.query.cohortId,
        request.query.from,
        request.query.to,
      ),
  );
};
