import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

import type { Config } from '../config/config.ts';
import { IdParams } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import { actorOf, renewSessionStamp, startSession } from './access.plugin.ts';
import {
  Credentials,
  CsrfToken,
  IssuedTokenSchema,
  Me,
  PasswordChange,
  SessionStarted,
  TokenList,
} from './auth.schemas.ts';

const tags = ['auth'];

/** Tokens for API clients, the browser session, and one's own password. */
export const authRoutes: FastifyPluginAsyncTypebox<{ services: Services; config: Config }> = async (
  app,
  { services },
) => {
  const { auth, users } = services;

  app.post(
    '/auth/tokens',
    {
      config: { access: 'public', rateLimit: 'sign-in' },
      schema: {
        tags,
        summary: 'Exchange e-mail and password for a bearer token',
        security: [],
        body: Credentials,
        response: { 201: IssuedTokenSchema },
      },
    },
    async (request, reply) => {
      const { email, password, name } = request.body;
      const user = await auth.signIn(email, password, { address: request.ip });
      return reply.code(201).send(await auth.issueToken(user, name));
    },
  );

  app.get(
    '/auth/tokens',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'List your tokens', response: { 200: TokenList } },
    },
    async (request) => {
      const items = await auth.listTokens(actorOf(request));
      return { items, total: items.length };
    },
  );

  app.delete(
    '/auth/tokens/:id',
    {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'Revoke one of your tokens', params: IdParams },
    },
    async (request, reply) => {
      await auth.revokeToken(actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/me',
    {
      config: { access: 'authenticated', isAllowedBeforePasswordChange: true },
      schema: { tags, summary: 'Who you are signed in as', response: { 200: Me } },
    },
    (request) => users.get(actorOf(request), actorOf(request).userId),
  );

  app.post(
    '/auth/password',
    {
      config: { access: 'authenticated', isAllowedBeforePasswordChange: true },
      schema: { tags, summary: 'Change your password', body: PasswordChange },
    },
    async (request, reply) => {
      const { currentPassword, newPassword } = request.body;
      const user = await auth.changePassword(actorOf(request), currentPassword, newPassword);
      renewSessionStamp(request, user);
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/session',
    {
      config: { access: 'public', rateLimit: 'sign-in' },
      schema: {
        tags,
        summary: 'Sign in a browser: sets the session cookie, returns a CSRF token',
        security: [],
        body: Type.Omit(Credentials, ['name']),
        response: { 201: SessionStarted },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const user = await auth.signIn(email, password, { address: request.ip });
      startSession(request, user);
      const csrfToken = reply.generateCsrf();
      return reply.code(201).send({ user, csrfToken });
    },
  );

  app.get(
    '/auth/csrf',
    {
      config: { access: 'authenticated', isAllowedBeforePasswordChange: true },
      schema: {
        tags,
        summary: 'A fresh CSRF token for the browser session',
        response: { 200: CsrfToken },
      },
    },
    (_request, reply) => ({ csrfToken: reply.generateCsrf() }),
  );

  app.delete(
    '/auth/session',
    {
      config: { access: 'authenticated', isAllowedBeforePasswordChange: true },
      schema: { tags, summary: 'Sign out the browser session' },
    },
    async (request, reply) => {
      request.session.delete();
      return reply.code(204).send();
    },
  );
};
