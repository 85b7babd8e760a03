import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { TEST_PASSWORD, createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertStudent } from '../support/fixtures.ts';

interface UserReply {
  id: number;
  email: string;
  name: string;
  role: string;
  studentId: number | null;
  isActive: boolean;
  mustChangePassword: boolean;
}

interface ErrorReply {
  code: string;
  details?: { field: string; message: string }[];
}

describeEachDatabase('users API', (dialect) => {
  let t: TestApp;
  let admin: string;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    admin = await t.tokenFor('admin', { email: 'chefe@example.org' });
  });
  afterEach(() => t.close());

  function createUser(body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: t.auth(token),
      payload: { name: 'Maria Souza', role: 'secretary', password: TEST_PASSWORD, ...body },
    });
  }

  function patchUser(id: number, body: Record<string, unknown>, token = admin) {
    return t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${id}`,
      headers: t.auth(token),
      payload: body,
    });
  }

  async function adminId(): Promise<number> {
    const me = await t.app.inject({ url: '/api/v1/auth/me', headers: t.auth(admin) });
    return me.json<UserReply>().id;
  }

  it('creates a user without ever showing the password hash', async () => {
    const response = await createUser({ email: 'Maria@Example.org' });
    assert.equal(response.statusCode, 201);
    const user = response.json<UserReply>();
    assert.equal(user.email, 'maria@example.org');
    assert.equal(user.role, 'secretary');
    assert.equal(user.isActive, true);
    assert.equal(user.mustChangePassword, false);
    assert.equal(/passwordHash|failedSignIns|scrypt/.test(response.body), false);

    const read = await t.app.inject({ url: `/api/v1/users/${user.id}`, headers: t.auth(admin) });
    assert.deepEqual(read.json(), user);
  });

  it('lists users with total, role filter, search and paging', async () => {
    await createUser({ email: 'ana@example.org', name: 'Ana', role: 'viewer' });
    await createUser({ email: 'bruno@example.org', name: 'Bruno', role: 'viewer' });

    const viewers = await t.app.inject({
      url: '/api/v1/users?role=viewer&limit=1',
      headers: t.auth(admin),
    });
    assert.equal(viewers.statusCode, 200);
    const page = viewers.json<{ items: UserReply[]; total: number }>();
    assert.equal(page.total, 2);
    assert.deepEqual(
      page.items.map((u) => u.name),
      ['Ana'],
    );

    const search = await t.app.inject({ url: '/api/v1/users?search=BRUN', headers: t.auth(admin) });
    assert.deepEqual(
      search.json<{ items: UserReply[] }>().items.map((u) => u.email),
      ['bruno@example.org'],
    );
  });

  it('refuses a duplicate e-mail, in any case, with 409 naming the field', async () => {
    await createUser({ email: 'dupla@example.org' });
    const duplicate = await createUser({ email: 'DUPLA@example.org', name: 'Outra' });
    assert.equal(duplicate.statusCode, 409);
    const body = duplicate.json<ErrorReply>();
    assert.equal(body.code, 'OMAUM_USER_DUPLICATE');
    assert.deepEqual(
      body.details?.map((d) => d.field),
      ['email'],
    );

    const list = await t.app.inject({
      url: '/api/v1/users?search=dupla',
      headers: t.auth(admin),
    });
    assert.equal(list.json<{ total: number }>().total, 1, 'the refused write added nobody');
  });

  it('changes role, name and activation', async () => {
    const id = (await createUser({ email: 'muda@example.org' })).json<UserReply>().id;
    const response = await patchUser(id, { role: 'viewer', name: 'Novo Nome', isActive: false });
    assert.equal(response.statusCode, 200);
    const user = response.json<UserReply>();
    assert.equal(user.role, 'viewer');
    assert.equal(user.name, 'Novo Nome');
    assert.equal(user.isActive, false);
  });

  it('resets a password: the user must change it and their tokens stop working', async () => {
    const id = (await createUser({ email: 'esqueceu@example.org' })).json<UserReply>().id;
    const signIn = (password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/tokens',
        payload: { email: 'esqueceu@example.org', password },
      });
    const token = (await signIn(TEST_PASSWORD)).json<{ token: string }>().token;

    const reset = await patchUser(id, { password: 'provisoria-forte-42' });
    assert.equal(reset.statusCode, 200);
    assert.equal(reset.json<UserReply>().mustChangePassword, true);

    const me = await t.app.inject({ url: '/api/v1/auth/me', headers: t.auth(token) });
    assert.equal(me.statusCode, 401);
    assert.equal((await signIn('provisoria-forte-42')).statusCode, 201);
  });

  it('keeps the last active admin: demoting or deactivating them is 409', async () => {
    const id = await adminId();
    for (const change of [{ role: 'secretary' }, { isActive: false }]) {
      const response = await patchUser(id, change);
      assert.equal(response.statusCode, 409, JSON.stringify(change));
      assert.equal(response.json<ErrorReply>().code, 'OMAUM_USER_LAST_ADMIN');
    }
    const me = await t.app.inject({ url: `/api/v1/users/${id}`, headers: t.auth(admin) });
    assert.equal(me.json<UserReply>().role, 'admin');
    assert.equal(me.json<UserReply>().isActive, true);

    const other = await createUser({ email: 'segundo@example.org', role: 'admin' });
    assert.equal(other.statusCode, 201);
    const demoted = await patchUser(id, { role: 'secretary' });
    assert.equal(demoted.statusCode, 200);
  });

  it('keeps one admin when the last two demote each other at the same time', async () => {
    const other = (
      await createUser({ email: 'vice@example.org', role: 'admin' })
    ).json<UserReply>();
    const answers = await Promise.all([
      patchUser(await adminId(), { role: 'viewer' }),
      patchUser(other.id, { isActive: false }),
    ]);
    // The loser gets 409, or 403 when the winner had just demoted the caller.
    const [won, lost] = answers.map((a) => a.statusCode).sort();
    assert.equal(won, 200);
    assert.ok(lost === 409 || lost === 403, String(lost));

    const count = await t.testDb.database.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('isActive', '=', true)
      .executeTakeFirstOrThrow();
    assert.equal(count.n, 1);
  });

  it('requires an instructor to be linked to an existing student record', async () => {
    const missing = await createUser({ email: 'instrutor@example.org', role: 'instructor' });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(
      missing.json<ErrorReply>().details?.map((d) => d.field),
      ['studentId'],
    );

    const unknown = await createUser({
      email: 'instrutor@example.org',
      role: 'instructor',
      studentId: 999_999,
    });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json<ErrorReply>().details?.[0]?.field, 'studentId');

    const student = await insertStudent(t.testDb.database.db);
    const linked = await createUser({
      email: 'instrutor@example.org',
      role: 'instructor',
      studentId: student.id,
    });
    assert.equal(linked.statusCode, 201, linked.body);
    assert.equal(linked.json<UserReply>().studentId, student.id);

    const unlinked = await patchUser(linked.json<UserReply>().id, { studentId: null });
    assert.equal(unlinked.statusCode, 400);
    assert.equal(unlinked.json<ErrorReply>().details?.[0]?.field, 'studentId');
  });

  it('refuses a weak password, naming the field', async () => {
    const response = await createUser({ email: 'fraca@example.org', password: 'curta' });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json<ErrorReply>().details?.[0]?.field, 'password');
  });

  it('answers 404 for a user that does not exist', async () => {
    const read = await t.app.inject({ url: '/api/v1/users/999999', headers: t.auth(admin) });
    assert.equal(read.statusCode, 404);
    assert.equal(read.json<ErrorReply>().code, 'OMAUM_USER_NOT_FOUND');
    const patch = await patchUser(999_999, { name: 'Ninguém' });
    assert.equal(patch.statusCode, 404);
  });

  it('lets only admins manage users', async () => {
    for (const role of ['secretary', 'instructor', 'viewer'] as const) {
      const student = role === 'instructor' ? await insertStudent(t.testDb.database.db) : null;
      const token = await t.tokenFor(role, student ? { studentId: student.id } : {});
      const attempts = [
        t.app.inject({ url: '/api/v1/users', headers: t.auth(token) }),
        createUser({ email: `${role}.novo@example.org` }, token),
        patchUser(1, { name: 'Tentativa' }, token),
      ];
      for (const response of await Promise.all(attempts)) {
        assert.equal(response.statusCode, 403, `${role}: ${response.body}`);
        assert.equal(response.json<ErrorReply>().code, 'OMAUM_AUTH_FORBIDDEN');
      }
    }
  });
});
