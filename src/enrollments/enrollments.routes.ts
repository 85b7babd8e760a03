import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import { ALL_ROLES, STAFF_ROLES } from '../auth/actor.ts';
import { actorOf } from '../auth/access.plugin.ts';
import { IdParams, pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  BulkEnrollmentBody,
  CohortEnrollmentList,
  CreateEnrollmentBody,
  EnrollmentList,
  EnrollmentListQuery,
  EnrollmentSchema,
  StudentEnrollmentList,
  UpdateEnrollmentBody,
} from './enrollments.schemas.ts';

const tags = ['enrollments'];

/** Enrollments under cohorts, students and `/enrollments/:id`: parse, call the service, reply. */
export const enrollmentRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { enrollments } = services;

  app.get(
    '/cohorts/:id/enrollments',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: "List a cohort's enrollments",
        params: IdParams,
        querystring: EnrollmentListQuery,
        response: { 200: CohortEnrollmentList },
      },
    },
    (request) =>
      enrollments.listForCohort(
        actorOf(request),
        request.params.id,
        request.query,
        pageRequest(request.query),
      ),
  );

  app.post(
    '/cohorts/:id/enrollments',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Enroll a student in a cohort',
        params: IdParams,
        body: CreateEnrollmentBody,
        response: { 201: EnrollmentSchema },
      },
    },
    async (request, reply) => {
      const enrollment = await enrollments.create(
        actorOf(request),
        request.params.id,
        request.body,
      );
      return reply.code(201).send(enrollment);
    },
  );

  app.post(
    '/cohorts/:id/enrollments/bulk',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Enroll several students in a cohort, all or none',
        params: IdParams,
        body: BulkEnrollmentBody,
        response: { 201: EnrollmentList },
      },
    },
    async (request, reply) => {
      const created = await enrollments.bulkCreate(
        actorOf(request),
        request.params.id,
        request.body,
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/students/:id/enrollments',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: "List a student's enrollments",
        params: IdParams,
        querystring: EnrollmentListQuery,
        response: { 200: StudentEnrollmentList },
      },
    },
    (request) =>
      enrollments.listForStudent(
        actorOf(request),
        request.params.id,
        request.query,
        pageRequest(request.query),
      ),
  );

  app.get(
    '/enrollments/:id',
    {
      config: { access: ALL_ROLES },
      schema: {
        tags,
        summary: 'Read an enrollment',
        params: IdParams,
        response: { 200: EnrollmentSchema },
      },
    },
    (request) => enrollments.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/enrollments/:id',
    {
      config: { access: STAFF_ROLES },
      schema: {
        tags,
        summary: 'Change an enrollment (status, dates, notes)',
        params: IdParams,
        body: UpdateEnrollmentBody,
        response: { 200: EnrollmentSchema },
      },
    },
    (request) => enrollments.update(actorOf(request), request.params.id, request.body),
  );
};
