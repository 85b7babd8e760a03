import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { LightMyRequestResponse } from 'fastify';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { TestApp } from '../support/app.ts';
import { TEST_PASSWORD, createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

const COOKIE = 'omaum_session';
const NEW_PASSWORD = 'a-brand-new-passphrase';

interface BrowserSession {
  cookie: string;
  csrfToken: string;
}

function sessionCookie(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === COOKIE);
  assert.ok(cookie, `no ${COOKIE} cookie in ${JSON.stringify(response.headers['set-cookie'])}`);
  return cookie.value;
}

describeEachDatabase('browser sessions and CSRF', (dialect) => {
  let t: TestApp;
  let counter = 0;

  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(() => t.close());

  async function createUser(mustChangePassword = false): Promise<{ email: string }> {
    counter += 1;
    return t.app.services.users.create(SYSTEM_ACTOR, {
      email: `secretaria.${counter}@example.org`,
      name: `Secretária ${counter}`,
      role: 'secretary',
      password: TEST_PASSWORD,
      mustChangePassword,
    });
  }

  async function startSession(email: string, password = TEST_PASSWORD): Promise<BrowserSession> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: { email, password },
    });
    assert.equal(response.statusCode, 201, response.body);
    return {
      cookie: sessionCookie(response),
      csrfToken: response.json<BrowserSession>().csrfToken,
    };
  }

  function createCourse(session: BrowserSession, withCsrf: boolean, name = 'Curso Sessão') {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/courses',
      cookies: { [COOKIE]: session.cookie },
      headers: withCsrf ? { 'x-csrf-token': session.csrfToken } : {},
      payload: { name },
    });
  }

  it('sets an HttpOnly, SameSite cookie and returns the user and a CSRF token', async () => {
    const user = await createUser();
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: { email: user.email, password: TEST_PASSWORD },
    });
    assert.equal(response.statusCode, 201);
    const body = response.json<{ user: { email: string }; csrfToken: string }>();
    assert.equal(body.user.email, user.email);
    assert.equal(body.user.email.length > 0 && body.csrfToken.length > 0, true);
    assert.equal(response.body.includes('passwordHash'), false);

    const cookie = response.cookies.find((c) => c.name === COOKIE);
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
  });

  it('refuses a wrong password without setting a cookie', async () => {
    const user = await createUser();
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: { email: user.email, password: 'wrong-password' },
    });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json<{ code: string }>().code, 'OMAUM_AUTH_INVALID_CREDENTIALS');
    assert.equal(
      response.cookies.some((c) => c.name === COOKIE),
      false,
    );
  });

  it('reads with the cookie alone but needs the CSRF token to change anything', async () => {
    const session = await startSession((await createUser()).email);

    const read = await t.app.inject({
      url: '/api/v1/courses',
      cookies: { [COOKIE]: session.cookie },
    });
    assert.equal(read.statusCode, 200);

    const refused = await createCourse(session, false);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json<{ code: string }>().code, 'OMAUM_AUTH_CSRF_INVALID');

    const forged = await createCourse({ ...session, csrfToken: 'forged-token' }, true);
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.json<{ code: string }>().code, 'OMAUM_AUTH_CSRF_INVALID');

    const list = await t.app.inject({
      url: '/api/v1/courses',
      cookies: { [COOKIE]: session.cookie },
    });
    assert.equal(list.json<{ total: number }>().total, 0, 'a refused change wrote nothing');

    const accepted = await createCourse(session, true);
    assert.equal(accepted.statusCode, 201, accepted.body);
  });

  it("does not accept one session's CSRF token in another session", async () => {
    const first = await startSession((await createUser()).email);
    const second = await startSession((await createUser()).email);
    const crossed = await createCourse({ cookie: second.cookie, csrfToken: first.csrfToken }, true);
    assert.equal(crossed.statusCode, 403);
  });

  it('ignores a tampered cookie', async () => {
    const session = await startSession((await createUser()).email);
    const tampered = `${session.cookie.slice(0, -4)}AAAA`;
    const response = await t.app.inject({
      url: '/api/v1/auth/me',
      cookies: { [COOKIE]: tampered },
    });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json<{ code: string }>().code, 'OMAUM_AUTH_REQUIRED');
  });

  it('holds a user who must change their password until they do', async () => {
    const user = await createUser(true);
    const session = await startSession(user.email);
    const cookies = { [COOKIE]: session.cookie };

    for (const request of [
      { url: '/api/v1/courses' },
      { url: '/api/v1/auth/tokens' },
      { method: 'POST' as const, url: '/api/v1/courses', payload: { name: 'Cedo demais' } },
    ]) {
      const held = await t.app.inject({
        ...request,
        cookies,
        headers: { 'x-csrf-token': session.csrfToken },
      });
      assert.equal(held.statusCode, 403, request.url);
      assert.equal(held.json<{ code: string }>().code, 'OMAUM_AUTH_PASSWORD_CHANGE_REQUIRED');
    }

    const me = await t.app.inject({ url: '/api/v1/auth/me', cookies });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json<{ mustChangePassword: boolean }>().mustChangePassword, true);

    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      cookies,
      headers: { 'x-csrf-token': session.csrfToken },
      payload: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
    });
    assert.equal(changed.statusCode, 204, changed.body);

    const renewed = { [COOKIE]: sessionCookie(changed) };
    const released = await t.app.inject({ url: '/api/v1/courses', cookies: renewed });
    assert.equal(released.statusCode, 200);
  });

  it('ends the other sessions of a user whose password changes', async () => {
    const user = await createUser();
    const here = await startSession(user.email);
    const elsewhere = await startSession(user.email);

    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      cookies: { [COOKIE]: here.cookie },
      headers: { 'x-csrf-token': here.csrfToken },
      payload: { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
    });
    assert.equal(changed.statusCode, 204);

    const me = (cookie: string) =>
      t.app.inject({ url: '/api/v1/auth/me', cookies: { [COOKIE]: cookie } });
    assert.equal((await me(sessionCookie(changed))).statusCode, 200, 'this session goes on');
    assert.equal((await me(elsewhere.cookie)).statusCode, 401, 'the other one ends');
    assert.equal((await me(here.cookie)).statusCode, 401, 'its cookie from before ends too');
  });

  it('ends the sessions of a user whose password an admin resets', async () => {
    const admin = await t.tokenFor('admin');
    const user = await createUser();
    const session = await startSession(user.email);
    const found = await t.app.services.users.list(
      SYSTEM_ACTOR,
      { search: user.email },
      { limit: 1, offset: 0 },
    );
    const reset = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${found.items[0]?.id ?? 0}`,
      headers: t.auth(admin),
      payload: { password: 'provisoria-forte-42' },
    });
    assert.equal(reset.statusCode, 200);
    const after = await t.app.inject({
      url: '/api/v1/auth/me',
      cookies: { [COOKIE]: session.cookie },
    });
    assert.equal(after.statusCode, 401);
  });

  it('signs out: the cookie is cleared and no longer signs anyone in', async () => {
    const session = await startSession((await createUser()).email);
    const cookies = { [COOKIE]: session.cookie };

    const withoutCsrf = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/auth/session',
      cookies,
    });
    assert.equal(withoutCsrf.statusCode, 403);

    const signedOut = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/auth/session',
      cookies,
      headers: { 'x-csrf-token': session.csrfToken },
    });
    assert.equal(signedOut.statusCode, 204);
    const cleared = signedOut.cookies.find((c) => c.name === COOKIE);
    assert.ok(cleared, 'sign-out sets the cookie again');

    const after = await t.app.inject({
      url: '/api/v1/auth/me',
      cookies: { [COOKIE]: cleared.value },
    });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json<{ code: string }>().code, 'OMAUM_AUTH_REQUIRED');
  });

  it('ends the session of a user who is deactivated', async () => {
    const admin = await t.tokenFor('admin');
    const user = await createUser();
    const session = await startSession(user.email);
    const found = await t.app.services.users.list(
      SYSTEM_ACTOR,
      { search: user.email },
      {
        limit: 1,
        offset: 0,
      },
    );
    const id = found.items[0]?.id;
    assert.ok(id);

    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${id}`,
      headers: t.auth(admin),
      payload: { isActive: false },
    });
    const after = await t.app.inject({
      url: '/api/v1/auth/me',
      cookies: { [COOKIE]: session.cookie },
    });
    assert.equal(after.statusCode, 401);
  });
});
