import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import { actorOf } from '../auth/access.plugin.ts';
import { IdParams, pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import {
  CreateUserBody,
  UpdateUserBody,
  UserList,
  UserListQuery,
  UserSchema,
} from './users.schemas.ts';

const tags = ['users'];
const ADMIN = ['admin'] as const;

/** `/api/v1/users`: accounts, managed by admins. */
export const userRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (
  app,
  { services },
) => {
  const { users } = services;

  app.get(
    '/users',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'List users',
        querystring: UserListQuery,
        response: { 200: UserList },
      },
    },
    (request) => users.list(actorOf(request), request.query, pageRequest(request.query)),
  );

  app.post(
    '/users',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Create a user',
        body: CreateUserBody,
        response: { 201: UserSchema },
      },
    },
    async (request, reply) => {
      const user = await users.create(actorOf(request), request.body);
      return reply.code(201).send(user);
    },
  );

  app.get(
    '/users/:id',
    {
      config: { access: ADMIN },
      schema: { tags, summary: 'Read a user', params: IdParams, response: { 200: UserSchema } },
    },
    (request) => users.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/users/:id',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'Change a user (role, activation, password reset)',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserSchema },
      },
    },
    (request) => users.update(actorOf(request), request.params.id, request.body),
  );
};
