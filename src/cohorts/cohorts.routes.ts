import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import { ALL_ROLES, STAFF_ROLES } from '../auth/actor.ts';
import { actorOf } from '../auth/access.plugin.ts';
import { IdParams, pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  CohortList,
  CohortListQuery,
  CohortSchema,
  CreateCohortBody,
  UpdateCohortBody,
} from './cohorts.schemas.ts';

const tags = ['cohorts'];

/** `/api/v1/cohorts`: parse, call the service, reply. */
export const cohortRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { cohorts } = services;

  app.get(
    '/cohorts',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'List cohorts (instructors: the ones they teach)',
        querystring: CohortListQuery,
        response: { 200: CohortList },
      },
    },
    (request) => cohorts.list(actorOf(request), request.query, pageRequest(request.query)),
  );

  app.post(
    '/cohorts',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Create a cohort with its "Aulas" and "Plenilúnios" activities',
        body: CreateCohortBody,
        response: { 201: CohortSchema },
      },
    },
    async (request, reply) => {
      const cohort = await cohorts.create(actorOf(request), request.body);
      return reply.code(201).send(cohort);
    },
  );

  app.get(
    '/cohorts/:id',
    {
      config: { access: ALL_ROLES },
      schema: { tags, summary: 'Read a cohort', params: IdParams, response: { 200: CohortSchema } },
    },
    (request) => cohorts.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/cohorts/:id',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Change a cohort',
        params: IdParams,
        body: UpdateCohortBody,
        response: { 200: CohortSchema },
      },
    },
    (request) => cohorts.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/cohorts/:id/archive',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Archive a cohort',
        params: IdParams,
        response: { 200: CohortSchema },
      },
    },
    (request) => cohorts.archive(actorOf(request), request.params.id),
  );
};
