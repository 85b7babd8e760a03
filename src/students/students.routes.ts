import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import { ALL_ROLES, STAFF_ROLES } from '../auth/actor.ts';
import { actorOf } from '../auth/access.plugin.ts';
import { IdParams, pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  CreateStudentBody,
  StudentList,
  StudentListQuery,
  StudentSchema,
  UpdateStudentBody,
} from './students.schemas.ts';

const tags = ['students'];

/** `/api/v1/students`: parse, call the service, reply. */
export const studentRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { students } = services;

  app.get(
    '/students',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'List students',
        description: 'Instructors see only students enrolled in the cohorts they teach.',
        querystring: StudentListQuery,
        response: { 200: StudentList },
      },
    },
    (request) => students.list(actorOf(request), request.query, pageRequest(request.query)),
  );

  app.post(
    '/students',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Create a student',
        body: CreateStudentBody,
        response: { 201: StudentSchema },
      },
    },
    async (request, reply) => {
      const student = await students.create(actorOf(request), request.body);
      return reply.code(201).send(student);
    },
  );

  app.get(
    '/students/:id',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'Read a student',
        params: IdParams,
        response: { 200: StudentSchema },
      },
    },
    (request) => students.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/students/:id',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Change a student',
        params: IdParams,
        body: UpdateStudentBody,
        response: { 200: StudentSchema },
      },
    },
    (request) => students.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/students/:id/archive',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Archive a student',
        params: IdParams,
        response: { 200: StudentSchema },
      },
    },
    (request) => students.archive(actorOf(request), request.params.id),
  );

  app.post(
    '/students/:id/restore',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Restore an archived student',
        params: IdParams,
        response: { 200: StudentSchema },
      },
    },
    (request) => students.restore(actorOf(request), request.params.id),
  );
};
