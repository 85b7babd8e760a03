import type { FastifyInstance } from 'fastify';

import { AppError } from '../platform/errors/app-error.ts';
import type { Services } from '../services.ts';
import { fieldMessagePt, MESSAGES_PT } from '../web/messages.ts';
import { field, localPath, renderPage, setFlash } from '../web/page.ts';
import { fieldErrors } from '../web/web.plugin.ts';
import { actorOf, renewSessionStamp, startSession } from './access.plugin.ts';

/** Sign-in, sign-out and password change pages. */
export async function authPages(app: FastifyInstance, services: Services): Promise<void> {
  const { auth, users } = services;

  app.get('/entrar', { config: { access: 'public' } }, async (request, reply) => {
    if (request.session.get('userId') !== undefined) return reply.redirect('/');
    const next = localPath((request.query as { next?: string }).next);
    return renderPage(request, reply, 'auth/sign-in', { title: 'Entrar' }, { next, email: '' });
  });

  app.post(
    '/entrar',
    {
      config: { access: 'public', rateLimit: 'sign-in' },
      preHandler: (request, reply, done) => {
        app.csrfProtection(request, reply, done);
      },
    },
    async (request, reply) => {
      const email = field(request.body, 'email');
      const next = localPath(field(request.body, 'next'));
      let user;
      try {
        const password = field(request.body, 'password');
        user = await auth.signIn(email, password, { address: request.ip });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const data = { next, email, error: MESSAGES_PT[error.code] };
        return renderPage(request, reply, 'auth/sign-in', { title: 'Entrar', status: 401 }, data);
      }
      startSession(request, user);
      return reply.redirect(user.mustChangePassword ? '/senha' : next);
    },
  );

  app.post(
    '/sair',
    { config: { access: 'authenticated', isAllowedBeforePasswordChange: true } },
    async (request, reply) => {
      request.session.delete();
      return reply.redirect('/entrar');
    },
  );

  app.get(
    '/senha',
    { config: { access: 'authenticated', isAllowedBeforePasswordChange: true } },
    async (request, reply) => {
      const actor = actorOf(request);
      const me = await users.get(actor, actor.userId);
      const data = { isForced: me.mustChangePassword, errors: {} };
      return renderPage(request, reply, 'auth/password', { title: 'Trocar a senha' }, data);
    },
  );

  app.post(
    '/senha',
    { config: { access: 'authenticated', isAllowedBeforePasswordChange: true } },
    async (request, reply) => {
      const actor = actorOf(request);
      const current = field(request.body, 'currentPassword');
      const next = field(request.body, 'newPassword');
      const options = { title: 'Trocar a senha', status: 400 };
      if (next !== field(request.body, 'confirmPassword')) {
        const errors = { confirmPassword: 'As duas senhas não são iguais.' };
        return renderPage(request, reply, 'auth/password', options, { errors, isForced: false });
      }
      try {
        const updated = await auth.changePassword(actor, current, next);
        renewSessionStamp(request, updated);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const errors = Object.fromEntries(
          Object.entries(fieldErrors(error) ?? {}).map(([name, text]) => [
            name,
            fieldMessagePt(text),
          ]),
        );
        if (error.code === 'OMAUM_AUTH_PASSWORD_WEAK') errors.newPassword = MESSAGES_PT[error.code];
        return renderPage(request, reply, 'auth/password', options, { errors, isForced: false });
      }
      setFlash(request, { kind: 'success', message: 'Senha trocada.' });
      return reply.redirect('/');
    },
  );
}
