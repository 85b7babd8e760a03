import { createHash } from 'node:crypto';

import type { FastifyInstance, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

import type { Role, User } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Actor } from './actor.ts';
import type { AuthService } from './auth.service.ts';

/**
 * Who may call a route: nobody needs to sign in (`public`), anyone signed in
 * (`authenticated`), or only the listed roles. Every route must say it; the
 * application refuses to start with a route that does not.
 */
export type Access = 'public' | 'authenticated' | readonly Role[];

/** One registered route and who may call it, as recorded when it was added. */
export interface RouteAccess {
  readonly method: string;
  /** The full path with its prefix, parameters as `:name` (e.g. `/api/v1/users/:id`). */
  readonly url: string;
  readonly access: Access;
  readonly schema: Readonly<FastifySchema> | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the application with its access, in registration order. */
    readonly routeAccessList: readonly RouteAccess[];
  }
  interface FastifyContextConfig {
    access?: Access;
    /** Reachable by a browser session whose password must still be changed. */
    isAllowedBeforePasswordChange?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** The signed-in user's name, for the page header (browser sessions only). */
    userName: string | null;
  }
}

declare module '@fastify/secure-session' {
  interface SessionData {
    userId: number;
    /** Derived from the password hash: a new password ends the sessions begun before it. */
    credentialStamp: string;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
// Routes added by plugins we do not configure route by route.
const PUBLIC_PREFIXES = ['/api/docs', '/static/'];

export interface AccessOptions {
  readonly auth: AuthService;
}

/** The routes of an application and their access; tests walk it to find open routes. */
export function routeAccessList(app: FastifyInstance): readonly RouteAccess[] {
  return app.routeAccessList;
}

/** Signs a browser in: a fresh session, bound to the user's current password. */
export function startSession(request: FastifyRequest, user: User): void {
  request.session.regenerate();
  request.session.set('userId', user.id);
  request.session.set('credentialStamp', credentialStamp(user));
}

/** Keeps the session of the request valid after its own user changed the password. */
export function renewSessionStamp(request: FastifyRequest, user: User): void {
  if (request.session.get('userId') !== user.id) return;
  request.session.set('credentialStamp', credentialStamp(user));
}

// The cookie is encrypted, and this is a hash of a hash: it reveals nothing.
function credentialStamp(user: User): string {
  return createHash('sha256').update(user.passwordHash).digest('base64url').slice(0, 22);
}

/** The actor of a request that has passed the access check. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('OMAUM_AUTH_REQUIRED');
  return request.actor;
}

async function accessPlugin(app: FastifyInstance, options: AccessOptions): Promise<void> {
  app.decorateRequest('actor', null);
  app.decorateRequest('userName', null);

  const routes: RouteAccess[] = [];
  // A getter hands out a frozen copy, so nobody can edit the record of routes.
  app.decorate('routeAccessList', { getter: () => Object.freeze([...routes]) });

  app.addHook('onRoute', (route) => {
    if (PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix))) {
      route.config = { ...route.config, access: route.config?.access ?? 'public' };
    }
    const access = route.config?.access;
    if (access === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} does not declare its access`);
    }
    routes.push(...recordsOf(route, access));
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;

    const actor = await authenticate(request, options.auth);
    // Set before the role check, so that a refusal is logged and counted against its user.
    request.actor = actor;
    if (access !== 'authenticated' && !access.includes(actor.role)) {
      throw new AppError('OMAUM_AUTH_FORBIDDEN', `Your role (${actor.role}) may not do this`);
    }
  });

  app.addHook('preHandler', (request, reply, done) => {
    const actor = request.actor;
    if (!actor || actor.via !== 'session' || SAFE_METHODS.has(request.method)) {
      done();
      return;
    }
    app.csrfProtection(request, reply, done);
  });
}

function recordsOf(route: RouteOptions, access: Access): RouteAccess[] {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return methods.map((method) =>
    Object.freeze({ method: String(method), url: route.url, access, schema: route.schema }),
  );
}

/**
 * The signed-in actor of a request no route claimed (a page that does not
 * exist), or null: such a page shows the menu to whoever is signed in.
 */
export async function actorIfSignedIn(
  request: FastifyRequest,
  auth: AuthService,
): Promise<Actor | null> {
  try {
    return await authenticate(request, auth);
  } catch {
    return null;
  }
}

async function authenticate(request: FastifyRequest, auth: AuthService): Promise<Actor> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw new AppError('OMAUM_AUTH_TOKEN_INVALID', 'Use "Authorization: Bearer <token>"');
    return auth.authenticateToken(match[1]);
  }

  const userId = request.session.get('userId');
  if (userId === undefined) throw new AppError('OMAUM_AUTH_REQUIRED');
  const found = await auth.actorForSession(userId);
  // Sessions begun before a password change (by the user or an admin's reset)
  // end with it. A session not begun by startSession has no stamp to check:
  // every sign-in should go through startSession.
  const stamp = request.session.get('credentialStamp');
  const isStale = found !== null && stamp !== undefined && stamp !== credentialStamp(found.user);
  if (!found || isStale) {
    request.session.delete();
    throw new AppError('OMAUM_AUTH_REQUIRED');
  }
  const isAllowed = request.routeOptions.config.isAllowedBeforePasswordChange === true;
  if (found.user.mustChangePassword && !isAllowed) {
    throw new AppError('OMAUM_AUTH_PASSWORD_CHANGE_REQUIRED');
  }
  request.userName = found.user.name;
  return found.actor;
}

export default fp(accessPlugin, {
  name: 'omaum-access',
  dependencies: ['@fastify/csrf-protection'],
});
