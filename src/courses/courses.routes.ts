import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import { ALL_ROLES, STAFF_ROLES } from '../auth/actor.ts';
import { actorOf } from '../auth/access.plugin.ts';
import { IdParams, pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  CourseList,
  CourseListQuery,
  CourseSchema,
  CreateCourseBody,
  UpdateCourseBody,
} from './courses.schemas.ts';

const tags = ['courses'];

/** `/api/v1/courses`: parse, call the service, reply. */
export const courseRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { courses } = services;

  app.get(
    '/courses',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'List courses',
        querystring: CourseListQuery,
        response: { 200: CourseList },
      },
    },
    (request) => courses.list(actorOf(request), request.query, pageRequest(request.query)),
  );

  app.post(
    '/courses',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Create a course',
        body: CreateCourseBody,
        response: { 201: CourseSchema },
      },
    },
    async (request, reply) => {
      const course = await courses.create(actorOf(request), request.body);
      return reply.code(201).send(course);
    },
  );

  app.get(
    '/courses/:id',
    {
      config: { access: ALL_ROLES },
      schema: { tags, summary: 'Read a course', params: IdParams, response: { 200: CourseSchema } },
    },
    (request) => courses.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/courses/:id',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Change a course',
        params: IdParams,
        body: UpdateCourseBody,
        response: { 200: CourseSchema },
      },
    },
    (request) => courses.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/courses/:id/archive',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Archive a course',
        params: IdParams,
        response: { 200: CourseSchema },
      },
    },
    (request) => courses.archive(actorOf(request), request.params.id),
  );
};
