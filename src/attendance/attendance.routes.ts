import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES } from '../auth/actor.ts';
import type { MarkHistoryEntry } from '../platform/db/tables.ts';
import { IdParams, Pagination, pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import { ATTENDANCE_ROLES } from '../sessions/sessions.service.ts';
import {
  HistoryList,
  MarkSchema,
  MonthBody,
  MonthParams,
  SaveResult,
  SessionMarksBody,
} from './attendance.schemas.ts';

const tags = ['attendance'];

function toHistoryItem(entry: MarkHistoryEntry) {
  const { oldIsSummoned, newIsSummoned, ...rest } = entry;
  return { ...rest, oldSummoned: oldIsSummoned, newSummoned: newIsSummoned };
}

function historyList(entries: readonly MarkHistoryEntry[]) {
  return { items: entries.map(toHistoryItem), total: entries.length };
}

/** Marks of a session, a cohort's month at once, and the history of changes. */
export const attendanceRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { attendance, monthAttendance } = services;

  app.put(
    '/sessions/:id/marks',
    {
      config: { access: ATTENDANCE_ROLES },
      schema: {
        tags,
        summary: "Upsert the listed students' marks at a session (others untouched)",
        description:
          'All or nothing. 404 when a student is unknown or not enrolled, 409 when a sent ' +
          '`version` is stale (details list what changed), 422 when the rules refuse a mark.',
        params: IdParams,
        body: SessionMarksBody,
        response: { 200: SaveResult },
      },
    },
    (request) =>
      attendance.saveSessionMarks(actorOf(request), request.params.id, request.body.marks),
  );

  app.get(
    '/sessions/:id/marks',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'The marks of a session',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(MarkSchema), total: Type.Integer() }) },
      },
    },
    async (request) => {
      const items = await attendance.listSessionMarks(actorOf(request), request.params.id);
      return { items, total: items.length };
    },
  );

  app.get(
    '/sessions/:id/history',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'Every change to the marks of a session',
        params: IdParams,
        response: { 200: HistoryList },
      },
    },
    async (request) =>
      historyList(await attendance.sessionHistory(actorOf(request), request.params.id)),
  );

  app.get(
    '/marks/:id/history',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'Every change to one mark',
        params: IdParams,
        response: { 200: HistoryList },
      },
    },
    async (request) =>
      historyList(await attendance.markHistory(actorOf(request), request.params.id)),
  );

  app.get(
    '/students/:id/mark-history',
    {
      config: { access: ['admin', 'secretary', 'viewer'] },
      schema: {
        tags,
        summary: "Changes to a student's marks, newest first",
        params: IdParams,
        querystring: Type.Object(Pagination, { additionalProperties: false }),
        response: { 200: HistoryList },
      },
    },
    async (request) =>
      historyList(
        await attendance.studentHistory(
          actorOf(request),
          request.params.id,
          pageRequest(request.query),
        ),
      ),
  );

  app.get(
    '/cohorts/:id/attendance/:month',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: "A cohort's month: activities, sessions, students, marks, pending cells",
        params: MonthParams,
      },
    },
    (request) => monthAttendance.read(actorOf(request), request.params.id, request.params.month),
  );

  app.put(
    '/cohorts/:id/attendance/:month',
    {
      config: { access: ATTENDANCE_ROLES },
      schema: {
        tags,
        summary: "Save a cohort's month at once: sessions and marks, idempotent, all or nothing",
        params: MonthParams,
        body: MonthBody,
      },
    },
    (request) =>
      monthAttendance.save(actorOf(request), request.params.id, request.params.month, request.body),
  );
};
