import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { TestApp } from '../support/app.ts';
import { TEST_PASSWORD, createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

const NEW_PASSWORD = 'outra-frase-bem-longa';

interface ErrorReply {
  code: string;
  details?: { field: string }[];
}

describeEachDatabase('changing one’s own password', (dialect) => {
  let t: TestApp;
  let email: string;
  let token: string;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    email = 'instrutor.senha@example.org';
    await t.app.services.users.create(SYSTEM_ACTOR, {
      email,
      name: 'Viewer Senha',
      role: 'viewer',
      password: TEST_PASSWORD,
    });
    const signedIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      payload: { email, password: TEST_PASSWORD },
    });
    token = signedIn.json<{ token: string }>().token;
  });
  afterEach(() => t.close());

  function change(currentPassword: string, newPassword: string) {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: t.auth(token),
      payload: { currentPassword, newPassword },
    });
  }

  function signIn(password: string) {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      payload: { email, password },
    });
  }

  it('refuses a wrong current password, naming the field', async () => {
    const response = await change('not-my-password', NEW_PASSWORD);
    assert.equal(response.statusCode, 400);
    const body = response.json<ErrorReply>();
    assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
    assert.deepEqual(
      body.details?.map((d) => d.field),
      ['currentPassword'],
    );
    assert.equal((await signIn(TEST_PASSWORD)).statusCode, 201, 'the old password still works');
  });

  it('refuses a weak new password and keeps the old one', async () => {
    for (const weak of ['short', '1234567890', 'aaaaaaaaaaaaaa', 'password123456']) {
      const response = await change(TEST_PASSWORD, weak);
      assert.equal(response.statusCode, 400, weak);
      assert.equal(response.json<ErrorReply>().code, 'OMAUM_AUTH_PASSWORD_WEAK', weak);
    }
    assert.equal((await signIn(TEST_PASSWORD)).statusCode, 201);
  });

  it('refuses a new password equal to the current one', async () => {
    const response = await change(TEST_PASSWORD, TEST_PASSWORD);
    assert.equal(response.statusCode, 400);
    assert.equal(response.json<ErrorReply>().details?.[0]?.field, 'newPassword');
  });

  it('changes the password: the new one signs in, the old one no longer does', async () => {
    const response = await change(TEST_PASSWORD, NEW_PASSWORD);
    assert.equal(response.statusCode, 204);

    assert.equal((await signIn(NEW_PASSWORD)).statusCode, 201);
    const old = await signIn(TEST_PASSWORD);
    assert.equal(old.statusCode, 401);
    assert.equal(old.json<ErrorReply>().code, 'OMAUM_AUTH_INVALID_CREDENTIALS');

    const user = await t.testDb.database.db
      .selectFrom('users')
      .select(['passwordHash'])
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    assert.match(user.passwordHash, /^scrypt\$/);
    assert.equal(user.passwordHash.includes(NEW_PASSWORD), false);
  });
});
