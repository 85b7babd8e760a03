import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import { ALL_ROLES, STAFF_ROLES } from '../auth/actor.ts';
import { actorOf } from '../auth/access.plugin.ts';
import { IdParams, pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  ActivityList,
  ActivityListQuery,
  ActivitySchema,
  CreateActivityBody,
  UpdateActivityBody,
} from './activities.schemas.ts';

const tags = ['activities'];

/** `/api/v1/cohorts/:id/activities` and `/api/v1/activities`: parse, call the service, reply. */
export const activityRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { activities } = services;

  app.get(
    '/cohorts/:id/activities',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: "List a cohort's activities in sheet order",
        params: IdParams,
        querystring: ActivityListQuery,
        response: { 200: ActivityList },
      },
    },
    (request) =>
      activities.list(
        actorOf(request),
        request.params.id,
        request.query,
        pageRequest(request.query),
      ),
  );

  app.post(
    '/cohorts/:id/activities',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Add an activity to a cohort (last unless a position is given)',
        params: IdParams,
        body: CreateActivityBody,
        response: { 201: ActivitySchema },
      },
    },
    async (request, reply) => {
      const activity = await activities.create(actorOf(request), request.params.id, request.body);
      return reply.code(201).send(activity);
    },
  );

  app.get(
    '/activities/:id',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'Read an activity',
        params: IdParams,
        response: { 200: ActivitySchema },
      },
    },
    (request) => activities.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/activities/:id',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Change an activity; a new position renumbers the others',
        params: IdParams,
        body: UpdateActivityBody,
        response: { 200: ActivitySchema },
      },
    },
    (request) => activities.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/activities/:id/archive',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Archive an activity (not "Aulas" nor "Plenilúnios")',
        params: IdParams,
        response: { 200: ActivitySchema },
      },
    },
    (request) => activities.archive(actorOf(request), request.params.id),
  );
};
