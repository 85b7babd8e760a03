import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { LightMyRequestResponse } from 'fastify';

import type { RouteAccess } from '../../src/auth/access.plugin.ts';
import { routeAccessList } from '../../src/auth/access.plugin.ts';
import { ALL_ROLES } from '../../src/auth/actor.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

/** The only routes anyone may call without signing in. */
const PUBLIC_ROUTES = new Set([
  'POST /api/v1/auth/tokens',
  'POST /api/v1/auth/session',
  'GET /entrar',
  'POST /entrar',
  'GET /livez',
  'GET /readyz',
  'GET /api/openapi.json',
  // Its own guard: the metrics token, or a caller on this host (tested in monitoring.test.ts).
  'GET /metrics',
]);
// The API documentation, and the styles and scripts the sign-in page needs.
const PUBLIC_PREFIXES = ['/api/docs', '/static/'];
const SIGN_IN_PAGE = '/entrar';

/**
 * One path per family of routes the application must have. Without them
 * the walk below could pass by finding nothing to walk.
 */
const FAMILIES = [
  '/livez',
  '/readyz',
  '/api/openapi.json',
  '/api/docs',
  '/api/v1/auth/tokens',
  '/api/v1/auth/session',
  '/api/v1/auth/password',
  '/api/v1/users',
  '/api/v1/courses',
  '/api/v1/students',
  '/api/v1/cohorts',
  '/api/v1/cohorts/:id/activities',
  '/api/v1/cohorts/:id/enrollments',
  '/api/v1/activities/:id/sessions',
  '/api/v1/sessions/:id/marks',
];

function isPublic(route: RouteAccess): boolean {
  const isUnderPublicPrefix = PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix));
  return PUBLIC_ROUTES.has(`${route.method} ${route.url}`) || isUnderPublicPrefix;
}

/**
 * Whether a response refuses the caller: the API answers 401 with the code
 * expected; a page sends the browser to the sign-in page.
 */
function isRefusal(route: RouteAccess, response: LightMyRequestResponse, code: string): boolean {
  if (route.url.startsWith('/api/')) {
    return response.statusCode === 401 && response.json<{ code?: string }>().code === code;
  }
  const location = response.headers.location ?? '';
  const isRedirect = response.statusCode === 302 || response.statusCode === 303;
  return response.statusCode === 401 || (isRedirect && location.startsWith(SIGN_IN_PAGE));
}

/** A concrete URL for a route pattern: every parameter becomes 1, a wildcard "x". */
function concreteUrl(pattern: string): string {
  return pattern.replace(/:\w+(\([^)]*\))?/g, '1').replace(/\*/g, 'x');
}

function walkable(app: TestApp['app']): RouteAccess[] {
  return routeAccessList(app).filter((route) => route.method !== 'HEAD');
}

describeEachDatabase('route access', (dialect) => {
  let t: TestApp;

  before(async () => {
    t = await createTestApp(dialect);
  });
  after(() => t.close());

  it('has every family of routes, so the walk cannot pass by finding nothing', () => {
    const urls = walkable(t.app).map((route) => route.url);
    for (const family of FAMILIES) {
      assert.ok(
        urls.some((url) => url === family || url.startsWith(`${family}/`)),
        `no route under ${family}`,
      );
    }
    assert.ok(urls.filter((url) => url.startsWith('/api/v1/')).length >= 40);
  });

  it('records a read-only route list', () => {
    const routes = routeAccessList(t.app);
    assert.equal(Object.isFrozen(routes), true);
    assert.equal(Object.isFrozen(routes[0]), true);
    assert.notEqual(routeAccessList(t.app), routes, 'each read is a fresh copy');
  });

  it('declares access on every route with known roles only', () => {
    for (const route of routeAccessList(t.app)) {
      const { access } = route;
      if (access === 'public' || access === 'authenticated') continue;
      assert.ok(access.length > 0, `${route.method} ${route.url} allows no role`);
      for (const role of access) {
        assert.ok(ALL_ROLES.includes(role), `${route.method} ${route.url}: unknown role ${role}`);
      }
    }
  });

  it('makes public only sign-in, health, the API documentation and static files', () => {
    const open = walkable(t.app)
      .filter((route) => route.access === 'public')
      .filter((route) => !isPublic(route))
      .map((route) => `${route.method} ${route.url}`);
    assert.deepEqual(open, []);
  });

  it('refuses every other route called without credentials: 401, or pages to sign-in', async () => {
    const wrong: string[] = [];
    for (const route of walkable(t.app)) {
      const response = await t.app.inject({
        method: route.method,
        url: concreteUrl(route.url),
      });
      const label = `${route.method} ${route.url} → ${response.statusCode}`;
      if (response.statusCode >= 500) wrong.push(label);
      if (!isPublic(route) && !isRefusal(route, response, 'OMAUM_AUTH_REQUIRED')) wrong.push(label);
    }
    assert.deepEqual(wrong, []);
  });

  it('refuses every other route called with an unknown or malformed token', async () => {
    const wrong: string[] = [];
    for (const authorization of [`Bearer omaum_${'z'.repeat(43)}`, 'Bearer', 'Token abc']) {
      for (const route of walkable(t.app).filter((r) => !isPublic(r))) {
        const response = await t.app.inject({
          method: route.method,
          url: concreteUrl(route.url),
          headers: { authorization },
        });
        if (!isRefusal(route, response, 'OMAUM_AUTH_TOKEN_INVALID')) {
          wrong.push(`${authorization}: ${route.method} ${route.url} → ${response.statusCode}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });
});
