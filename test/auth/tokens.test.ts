import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Role } from '../../src/platform/db/tables.ts';
import type { TestApp } from '../support/app.ts';
import { TEST_PASSWORD, createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import type { ManualClock } from './manual-clock.ts';
import { HOUR, MINUTE, manualClock } from './manual-clock.ts';

interface ErrorReply {
  statusCode: number;
  code: string;
  message: string;
}

interface IssuedToken {
  id: number;
  token: string;
  expiresAt: string;
}

describeEachDatabase('bearer tokens', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let counter = 0;

  beforeEach(async () => {
    clock = manualClock();
    t = await createTestApp(dialect, { clock, env: { OMAUM_TOKEN_TTL_HOURS: '2' } });
  });
  afterEach(() => t.close());

  async function createUser(role: Role = 'secretary'): Promise<{ id: number; email: string }> {
    counter += 1;
    return t.app.services.users.create(SYSTEM_ACTOR, {
      email: `pessoa.${counter}@example.org`,
      name: `Pessoa ${counter}`,
      role,
      password: TEST_PASSWORD,
    });
  }

  function signIn(email: string, password = TEST_PASSWORD) {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      payload: { email, password },
    });
  }

  async function issue(email: string): Promise<IssuedToken> {
    const response = await signIn(email);
    assert.equal(response.statusCode, 201, response.body);
    return response.json<IssuedToken>();
  }

  function me(token: string) {
    return t.app.inject({ url: '/api/v1/auth/me', headers: t.auth(token) });
  }

  it('issues a token with its id and expiry, and the token works as a bearer', async () => {
    const user = await createUser();
    const issued = await issue(user.email);

    assert.equal(typeof issued.id, 'number');
    assert.match(issued.token, /^omaum_/);
    assert.equal(issued.expiresAt, new Date(clock.now().getTime() + 2 * HOUR).toISOString());

    const response = await me(issued.token);
    assert.equal(response.statusCode, 200);
    assert.equal(response.json<{ email: string }>().email, user.email);
  });

  it('accepts the e-mail in another case and with surrounding spaces', async () => {
    const user = await createUser();
    const response = await signIn(`  ${user.email.toUpperCase()} `);
    assert.equal(response.statusCode, 201);
  });

  it('stores only a hash of the token, and never shows the hash', async () => {
    const user = await createUser();
    const issued = await issue(user.email);

    const rows = await t.testDb.database.db.selectFrom('apiTokens').selectAll().execute();
    assert.equal(rows.length, 1);
    const stored = JSON.stringify(rows);
    assert.equal(stored.includes(issued.token), false);
    assert.equal(stored.includes(issued.token.slice('omaum_'.length)), false);
    assert.equal(rows[0]?.tokenHash, createHash('sha256').update(issued.token).digest('hex'));

    const list = await t.app.inject({ url: '/api/v1/auth/tokens', headers: t.auth(issued.token) });
    assert.equal(list.statusCode, 200);
    assert.equal(list.body.includes('tokenHash'), false);
    assert.equal(list.body.includes(rows[0]?.tokenHash ?? 'missing'), false);
    assert.equal(list.json<{ total: number }>().total, 1);
  });

  it('refuses a token once it has expired', async () => {
    const user = await createUser();
    const issued = await issue(user.email);

    clock.advance(2 * HOUR - 1000);
    assert.equal((await me(issued.token)).statusCode, 200);

    clock.advance(1000);
    const expired = await me(issued.token);
    assert.equal(expired.statusCode, 401);
    assert.equal(expired.json<ErrorReply>().code, 'OMAUM_AUTH_TOKEN_INVALID');
  });

  it('refuses a token once it is revoked, and only its owner may revoke it', async () => {
    const owner = await createUser();
    const other = await createUser();
    const issued = await issue(owner.email);
    const otherToken = await issue(other.email);

    const foreign = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/tokens/${issued.id}`,
      headers: t.auth(otherToken.token),
    });
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json<ErrorReply>().code, 'OMAUM_AUTH_TOKEN_NOT_FOUND');
    assert.equal((await me(issued.token)).statusCode, 200);

    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/tokens/${issued.id}`,
      headers: t.auth(issued.token),
    });
    assert.equal(revoked.statusCode, 204);

    const refused = await me(issued.token);
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json<ErrorReply>().code, 'OMAUM_AUTH_TOKEN_INVALID');
    assert.equal((await me(otherToken.token)).statusCode, 200);
  });

  it('refuses tokens that are malformed, unknown or sent without the Bearer scheme', async () => {
    const user = await createUser();
    const issued = await issue(user.email);
    const attempts = [
      { authorization: `Bearer omaum_${'x'.repeat(43)}` },
      { authorization: 'Bearer not-a-token' },
      { authorization: `Basic ${issued.token}` },
      { authorization: 'Bearer' },
    ];
    for (const headers of attempts) {
      const response = await t.app.inject({ url: '/api/v1/auth/me', headers });
      assert.equal(response.statusCode, 401, headers.authorization);
      assert.equal(response.json<ErrorReply>().code, 'OMAUM_AUTH_TOKEN_INVALID');
    }
  });

  it('answers a wrong password and an unknown e-mail alike, with 401', async () => {
    const user = await createUser();
    const wrong = await signIn(user.email, 'not-the-password');
    const unknown = await signIn('ninguem@example.org', 'not-the-password');

    for (const response of [wrong, unknown]) {
      assert.equal(response.statusCode, 401);
      assert.equal(response.json<ErrorReply>().code, 'OMAUM_AUTH_INVALID_CREDENTIALS');
    }
    assert.equal(wrong.json<ErrorReply>().message, unknown.json<ErrorReply>().message);
  });

  it('locks an account after 5 failures in a row, even for the right password', async () => {
    const user = await createUser();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const response = await signIn(user.email, `wrong-password-${attempt}`);
      assert.equal(response.statusCode, 401, `attempt ${attempt}`);
    }

    const locked = await signIn(user.email);
    assert.equal(locked.statusCode, 423);
    assert.equal(locked.json<ErrorReply>().code, 'OMAUM_AUTH_ACCOUNT_LOCKED');

    const lockedSession = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: { email: user.email, password: TEST_PASSWORD },
    });
    assert.equal(lockedSession.statusCode, 423);

    clock.advance(14 * MINUTE);
    assert.equal((await signIn(user.email)).statusCode, 423);

    clock.advance(MINUTE + 1000);
    assert.equal((await signIn(user.email)).statusCode, 201);
  });

  it('counts failures sent at the same time, so parallel guessing still locks', async () => {
    const user = await createUser();
    const guesses = Array.from({ length: 8 }, (_, n) => signIn(user.email, `guess-${n}-wrong`));
    for (const response of await Promise.all(guesses)) {
      assert.ok([401, 423].includes(response.statusCode), String(response.statusCode));
    }
    const locked = await signIn(user.email);
    assert.equal(locked.statusCode, 423);
  });

  it('forgets earlier failures after a successful sign-in', async () => {
    const user = await createUser();
    for (let attempt = 1; attempt <= 4; attempt += 1) await signIn(user.email, 'wrong-password');
    assert.equal((await signIn(user.email)).statusCode, 201);

    for (let attempt = 1; attempt <= 4; attempt += 1) await signIn(user.email, 'wrong-password');
    assert.equal((await signIn(user.email)).statusCode, 201);
  });

  it('refuses a deactivated user and the tokens they already had', async () => {
    const admin = await t.tokenFor('admin');
    const user = await createUser();
    const issued = await issue(user.email);

    const deactivated = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${user.id}`,
      headers: t.auth(admin),
      payload: { isActive: false },
    });
    assert.equal(deactivated.statusCode, 200);

    const refused = await signIn(user.email);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json<ErrorReply>().code, 'OMAUM_AUTH_ACCOUNT_INACTIVE');
    assert.equal((await signIn(user.email, 'wrong-password')).statusCode, 401);
    assert.equal((await me(issued.token)).statusCode, 401);
  });
});
