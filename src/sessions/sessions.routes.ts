import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES } from '../auth/actor.ts';
import { IdParams } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  CohortSessionsQuery,
  CreateSessionBody,
  CreateSessionsBody,
  Month,
  SessionList,
  SessionRangeQuery,
  SessionSchema,
  UpdateSessionBody,
} from './sessions.schemas.ts';
import { ATTENDANCE_ROLES } from './sessions.service.ts';

const tags = ['sessions'];

/** Sessions of an activity, and of a cohort's month. */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { sessions } = services;

  app.post(
    '/activities/:id/sessions',
    {
      config: { access: ATTENDANCE_ROLES },
      schema: {
        tags,
        summary: 'Create a session of an activity',
        params: IdParams,
        body: CreateSessionBody,
        response: { 201: SessionSchema },
      },
    },
    async (request, reply) => {
      const session = await sessions.create(actorOf(request), request.params.id, request.body);
      return reply.code(201).send(session);
    },
  );

  app.post(
    '/activities/:id/sessions/bulk',
    {
      config: { access: ATTENDANCE_ROLES },
      schema: {
        tags,
        summary: 'Create several sessions of an activity at once (all or none)',
        params: IdParams,
        body: CreateSessionsBody,
        response: { 201: Type.Object({ items: Type.Array(SessionSchema) }) },
      },
    },
    async (request, reply) => {
      const items = await sessions.createMany(
        actorOf(request),
        request.params.id,
        request.body.sessions,
      );
      return reply.code(201).send({ items });
    },
  );

  app.get(
    '/activities/:id/sessions',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'List the sessions of an activity, optionally between two dates',
        params: IdParams,
        querystring: SessionRangeQuery,
        response: { 200: SessionList },
      },
    },
    async (request) => {
      const items = await sessions.listForActivity(
        actorOf(request),
        request.params.id,
        request.query,
      );
      return { items, total: items.length };
    },
  );

  app.get(
    '/cohorts/:id/sessions',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: "List a cohort's sessions of one month, all activities",
        params: IdParams,
        querystring: CohortSessionsQuery,
        response: { 200: SessionList },
      },
    },
    async (request) => {
      const items = await sessions.listForCohort(
        actorOf(request),
        request.params.id,
        request.query.month,
        request.query.includeExtra,
      );
      return { items, total: items.length };
    },
  );

  app.get(
    '/cohorts/:id/session-suggestions',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'Suggested dates for a month: lessons on the weekday, full moons for rituals',
        params: IdParams,
        querystring: Type.Object({ month: Month }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            month: Month,
            items: Type.Array(
              Type.Object({
                activityId: Type.Integer(),
                name: Type.String(),
                kind: Type.String(),
                dates: Type.Array(Type.Object({ date: Type.String(), hasSession: Type.Boolean() })),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({
      month: request.query.month,
      items: await sessions.suggestions(actorOf(request), request.params.id, request.query.month),
    }),
  );

  app.get(
    '/sessions/:id',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'Read a session',
        params: IdParams,
        response: { 200: SessionSchema },
      },
    },
    (request) => sessions.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/sessions/:id',
    {
      config: { access: ATTENDANCE_ROLES },
      schema: {
        tags,
        summary: 'Change a session (date and extra only while it has no marks)',
        params: IdParams,
        body: UpdateSessionBody,
        response: { 200: SessionSchema },
      },
    },
    (request) => sessions.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/sessions/:id',
    {
      config: { access: ATTENDANCE_ROLES },
      schema: { tags, summary: 'Delete a session that has no marks', params: IdParams },
    },
    async (request, reply) => {
      await sessions.delete(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
