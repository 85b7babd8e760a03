import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertStudent } from '../support/fixtures.ts';
import type { PageClient } from './students.support.ts';
import { fieldBlock, fieldError, inputValue, signedIn } from './students.support.ts';

const STRONG_PASSWORD = 'Cavalo-Correto-Bateria-9';

describeEachDatabase('the users pages', (dialect) => {
  let t: TestApp;
  let admin: PageClient;

  before(async () => {
    t = await createTestApp(dialect);
    admin = await signedIn(t, 'admin');
  });
  after(() => t.close());

  async function userByEmail(email: string) {
    const page = await t.app.services.users.list(
      SYSTEM_ACTOR,
      { search: email },
      {
        limit: 5,
        offset: 0,
      },
    );
    const user = page.items.find((item) => item.email === email);
    assert.ok(user, `user ${email} exists`);
    return user;
  }

  it('answers anyone but an admin with the access-denied page', async () => {
    for (const role of ['secretary', 'instructor', 'viewer'] as const) {
      const student = await insertStudent(t.testDb.database.db);
      const client = await signedIn(t, role, { studentId: student.id });
      const response = await client.get('/usuarios');
      assert.equal(response.statusCode, 403, role);
      assert.match(response.body, /<h1>Acesso negado<\/h1>/);
      assert.doesNotMatch(response.body, /href="\/usuarios"/);
      assert.equal((await client.get('/usuarios/novo')).statusCode, 403);
    }
  });

  it('lists the users with their role and situation', async () => {
    const response = await admin.get('/usuarios');
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /<h1>Usuários<\/h1>/);
    assert.match(response.body, /Administração/);
    assert.match(response.body, /Secretaria/);
    assert.match(response.body, /<span class="tag">você<\/span>/);
  });

  it('creates a user, showing errors beside the fields and keeping what was typed', async () => {
    const email = `nova.secretaria.${Date.now()}@test.omaum`;
    const weak = await admin.post('/usuarios', {
      email,
      name: 'Nova Secretária',
      role: 'secretary',
      studentId: '',
      password: 'curta',
    });
    assert.equal(weak.statusCode, 400);
    assert.equal(fieldError(weak.body, 'password'), 'Precisa de pelo menos 10 caracteres.');
    assert.equal(inputValue(weak.body, 'email'), email);
    assert.equal(inputValue(weak.body, 'name'), 'Nova Secretária');
    assert.equal(inputValue(weak.body, 'password'), '');
    assert.match(fieldBlock(weak.body, 'role'), /<option value="secretary" selected>/);

    const badEmail = await admin.post('/usuarios', {
      email: 'sem-arroba',
      name: '',
      role: 'secretary',
      password: STRONG_PASSWORD,
    });
    assert.equal(badEmail.statusCode, 400);
    assert.equal(fieldError(badEmail.body, 'email'), 'E-mail inválido.');
    assert.equal(fieldError(badEmail.body, 'name'), 'Não pode ficar em branco.');

    const created = await admin.post('/usuarios', {
      email,
      name: 'Nova Secretária',
      role: 'secretary',
      studentId: '',
      password: STRONG_PASSWORD,
    });
    assert.equal(created.statusCode, 302, created.body);
    const list = await admin.get('/usuarios');
    assert.match(list.body, new RegExp(email.replace(/\./g, '\\.')));
    assert.match(list.body, /deve trocar a senha/);
    assert.equal((await userByEmail(email)).mustChangePassword, true);

    const duplicate = await admin.post('/usuarios', {
      email,
      name: 'Outra',
      role: 'viewer',
      password: STRONG_PASSWORD,
    });
    assert.equal(duplicate.statusCode, 409);
    assert.equal(fieldError(duplicate.body, 'email'), 'Já existe um usuário com este e-mail.');
  });

  it('links an instructor to an active student chosen from the list', async () => {
    const db = t.testDb.database.db;
    const active = await insertStudent(db, { fullName: 'Instrutor Ativo' });
    const onLeave = await insertStudent(db, { fullName: 'Aluno Afastado', situation: 'on_leave' });
    const form = await admin.get('/usuarios/novo');
    const select = fieldBlock(form.body, 'studentId');
    assert.match(select, new RegExp(`<option value="${active.id}">Instrutor Ativo`));
    assert.doesNotMatch(select, new RegExp(`value="${onLeave.id}"`));

    const email = `instrutor.${Date.now()}@test.omaum`;
    const typed = { email, name: 'Instrutor', role: 'instructor', password: STRONG_PASSWORD };
    const unlinked = await admin.post('/usuarios', { ...typed, studentId: '' });
    assert.equal(unlinked.statusCode, 400);
    assert.equal(
      fieldError(unlinked.body, 'studentId'),
      'Um instrutor precisa estar ligado ao seu cadastro de aluno.',
    );

    const linked = await admin.post('/usuarios', { ...typed, studentId: String(active.id) });
    assert.equal(linked.statusCode, 302, linked.body);
    assert.equal((await userByEmail(email)).studentId, active.id);
  });

  it('changes the role, resets the password, deactivates and activates a user', async () => {
    const email = `alterado.${Date.now()}@test.omaum`;
    const user = await t.app.services.users.create(SYSTEM_ACTOR, {
      email,
      name: 'Pessoa Alterada',
      role: 'viewer',
      password: STRONG_PASSWORD,
    });
    const form = await admin.get(`/usuarios/${user.id}/editar`);
    assert.equal(inputValue(form.body, 'name'), 'Pessoa Alterada');

    const saved = await admin.post(`/usuarios/${user.id}`, {
      name: 'Pessoa Alterada',
      role: 'secretary',
      studentId: '',
    });
    assert.equal(saved.statusCode, 302, saved.body);
    assert.equal((await userByEmail(email)).role, 'secretary');

    const weak = await admin.post(`/usuarios/${user.id}/senha`, { password: 'curta' });
    assert.equal(weak.statusCode, 400);
    assert.equal(fieldError(weak.body, 'password'), 'Precisa de pelo menos 10 caracteres.');
    const reset = await admin.post(`/usuarios/${user.id}/senha`, {
      password: 'Outra-Senha-Boa-42',
    });
    assert.equal(reset.statusCode, 302);
    assert.equal((await userByEmail(email)).mustChangePassword, true);

    await admin.post(`/usuarios/${user.id}/desativar`, {});
    assert.equal((await userByEmail(email)).isActive, false);
    assert.match((await admin.get('/usuarios')).body, /Usuário .* desativado\./);
    await admin.post(`/usuarios/${user.id}/ativar`, {});
    assert.equal((await userByEmail(email)).isActive, true);
  });

  it('keeps the last active admin an admin, saying why', async () => {
    const response = await admin.post(`/usuarios/${admin.actor.userId}`, {
      name: 'Admin',
      role: 'viewer',
      studentId: '',
    });
    assert.equal(response.statusCode, 409);
    assert.match(response.body, /O último administrador ativo não pode perder o acesso\./);
    assert.match(fieldBlock(response.body, 'role'), /<option value="viewer" selected>/);
  });
});
