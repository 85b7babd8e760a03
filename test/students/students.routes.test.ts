import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment } from '../support/fixtures.ts';
import type { ErrorJson, StudentJson } from './students.helpers.ts';
import { fieldsOf, studentBody, studentsApi } from './students.helpers.ts';

describeEachDatabase('students API', (dialect) => {
  let t: TestApp;
  let admin: string;
  let api: ReturnType<typeof studentsApi>;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    admin = await t.tokenFor('admin');
    api = studentsApi(t);
  });
  afterEach(() => t.close());

  it('creates a student with every field and reads it back', async () => {
    const created = await api.create(
      {
        fullName: '  João da Conceição  ',
        cpf: '529.982.247-25',
        initiaticNumber: ' 1024 ',
        initiaticName: 'Irmão Sol',
        email: 'Joao.Conceicao@Example.COM',
        phone: '(11) 98765-4321',
        secondaryPhone: '',
        birthDate: '1980-05-17',
        sex: 'M',
        situation: 'on_leave',
        address: 'Rua das Flores, 10',
        emergencyContacts: 'Maria (irmã) 11 91234-5678',
        medicalNotes: 'Alergia a penicilina',
        notes: '   ',
      },
      admin,
    );
    assert.equal(created.statusCode, 201);
    const student = created.json<StudentJson>();
    assert.deepEqual(
      { ...student, id: 0, createdAt: '', updatedAt: '' },
      {
        id: 0,
        fullName: 'João da Conceição',
        cpf: '52998224725',
        initiaticNumber: '1024',
        initiaticName: 'Irmão Sol',
        email: 'joao.conceicao@example.com',
        phone: '(11) 98765-4321',
        secondaryPhone: null,
        birthDate: '1980-05-17',
        sex: 'M',
        situation: 'on_leave',
        address: 'Rua das Flores, 10',
        emergencyContacts: 'Maria (irmã) 11 91234-5678',
        medicalNotes: 'Alergia a penicilina',
        notes: null,
        archivedAt: null,
        createdAt: '',
        updatedAt: '',
      },
    );

    const read = await api.get(student.id, admin);
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), student);
  });

  it('fills in what a minimal body leaves out, starting as active', async () => {
    const student = await api.createOk(studentBody(), admin);
    assert.equal(student.situation, 'active');
    for (const key of ['initiaticName', 'email', 'phone', 'birthDate', 'sex', 'address'] as const) {
      assert.equal(student[key], null, key);
    }
  });

  it('refuses a CPF already in use, however it is written, naming the field', async () => {
    await api.createOk(studentBody({ cpf: '52998224725' }), admin);
    const duplicate = await api.create(studentBody({ cpf: '529.982.247-25' }), admin);
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json<ErrorJson>().code, 'OMAUM_STUDENT_DUPLICATE');
    assert.deepEqual(fieldsOf(duplicate), ['cpf']);
  });

  it('refuses an initiatic number already in use, naming the field', async () => {
    await api.createOk(studentBody({ initiaticNumber: '777' }), admin);
    const duplicate = await api.create(studentBody({ initiaticNumber: '777' }), admin);
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json<ErrorJson>().code, 'OMAUM_STUDENT_DUPLICATE');
    assert.deepEqual(fieldsOf(duplicate), ['initiaticNumber']);
  });

  it('refuses an e-mail already in use in another case, naming the field', async () => {
    await api.createOk(studentBody({ email: 'ana@example.com' }), admin);
    const duplicate = await api.create(studentBody({ email: 'ANA@Example.com' }), admin);
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json<ErrorJson>().code, 'OMAUM_STUDENT_DUPLICATE');
    assert.deepEqual(fieldsOf(duplicate), ['email']);
  });

  it('names every field in use at once', async () => {
    const first = await api.createOk(studentBody({ email: 'bia@example.com' }), admin);
    const duplicate = await api.create(
      { fullName: 'Outra', cpf: first.cpf, initiaticNumber: first.initiaticNumber },
      admin,
    );
    assert.equal(duplicate.statusCode, 409);
    assert.deepEqual(fieldsOf(duplicate), ['cpf', 'initiaticNumber']);
  });

  it('lets any number of students have no e-mail', async () => {
    await api.createOk(studentBody({ email: null }), admin);
    await api.createOk(studentBody({ email: '' }), admin);
    await api.createOk(studentBody(), admin);
    assert.equal((await api.list({}, admin)).total, 3);
  });

  it('answers 409 to a duplicate that slips past the check in a concurrent request', async () => {
    const body = studentBody();
    const responses = await Promise.all([
      api.create(body, admin),
      api.create({ ...body, initiaticNumber: 'outro-número' }, admin),
    ]);
    const statuses = responses.map((response) => response.statusCode).sort();
    assert.deepEqual(statuses, [201, 409]);
    const refused = responses.find((response) => response.statusCode === 409);
    assert.ok(refused);
    assert.deepEqual(fieldsOf(refused), ['cpf']);
  });

  it('refuses a change to a value another student holds, but not to its own', async () => {
    const other = await api.createOk(studentBody({ email: 'caio@example.com' }), admin);
    const student = await api.createOk(studentBody(), admin);

    const taken = await api.patch(student.id, { email: 'Caio@example.com' }, admin);
    assert.equal(taken.statusCode, 409);
    assert.deepEqual(fieldsOf(taken), ['email']);

    const own = await api.patch(other.id, { cpf: other.cpf, fullName: 'Caio' }, admin);
    assert.equal(own.statusCode, 200);
  });

  it('refuses a CPF with wrong check digits', async () => {
    const response = await api.create(studentBody({ cpf: '529.982.247-24' }), admin);
    assert.equal(response.statusCode, 400);
    const body = response.json<ErrorJson>();
    assert.equal(body.code, 'OMAUM_REQUEST_INVALID');
    assert.deepEqual(body.details, [{ field: 'cpf', message: 'has wrong check digits' }]);
  });

  it('refuses eleven equal digits as a CPF', async () => {
    const response = await api.create(studentBody({ cpf: '111.111.111-11' }), admin);
    assert.equal(response.statusCode, 400);
    assert.deepEqual(fieldsOf(response), ['cpf']);
  });

  it('answers 400 with one entry per wrong field', async () => {
    const response = await api.create(
      {
        fullName: '',
        cpf: 'abc',
        email: 'not-an-email',
        birthDate: '17/05/1980',
        sex: 'X',
        situation: 'retired',
        colour: 'blue',
      },
      admin,
    );
    assert.equal(response.statusCode, 400);
    assert.equal(response.json<ErrorJson>().code, 'OMAUM_REQUEST_INVALID');
    assert.deepEqual(fieldsOf(response), [
      'birthDate',
      'colour',
      'cpf',
      'email',
      'fullName',
      'initiaticNumber',
      'sex',
      'situation',
    ]);
  });

  it('reports the rules a schema cannot check together, one entry per field', async () => {
    const response = await api.create(
      studentBody({ fullName: '   ', cpf: '12345678900', birthDate: '2999-01-01' }),
      admin,
    );
    assert.equal(response.statusCode, 400);
    assert.deepEqual(fieldsOf(response), ['birthDate', 'cpf', 'fullName']);
  });

  it('changes a student, trimming text and turning blanks into null', async () => {
    const student = await api.createOk(
      studentBody({ phone: '11 5555-0000', notes: 'Veio de outra escola' }),
      admin,
    );
    const patched = await api.patch(
      student.id,
      { fullName: ' Beatriz Araújo ', phone: '  ', notes: null, situation: 'disconnected' },
      admin,
    );
    assert.equal(patched.statusCode, 200);
    const body = patched.json<StudentJson>();
    assert.equal(body.fullName, 'Beatriz Araújo');
    assert.equal(body.phone, null);
    assert.equal(body.notes, null);
    assert.equal(body.situation, 'disconnected');
    assert.equal(body.cpf, student.cpf);
    assert.equal(body.initiaticNumber, student.initiaticNumber);
  });

  it('checks a changed CPF and birth date as on creation', async () => {
    const student = await api.createOk(studentBody(), admin);
    const response = await api.patch(
      student.id,
      { cpf: '529.982.247-20', birthDate: '2999-12-31' },
      admin,
    );
    assert.equal(response.statusCode, 400);
    assert.deepEqual(fieldsOf(response), ['birthDate', 'cpf']);
  });

  it('refuses an empty change', async () => {
    const student = await api.createOk(studentBody(), admin);
    const response = await api.patch(student.id, {}, admin);
    assert.equal(response.statusCode, 400);
  });

  it('archives and restores a student; an archived student refuses changes', async () => {
    const student = await api.createOk(studentBody(), admin);

    const archived = await api.action(student.id, 'archive', admin);
    assert.equal(archived.statusCode, 200);
    const archivedAt = archived.json<StudentJson>().archivedAt;
    assert.notEqual(archivedAt, null);
    const again = await api.action(student.id, 'archive', admin);
    assert.equal(again.json<StudentJson>().archivedAt, archivedAt);

    const refused = await api.patch(student.id, { notes: 'Tentativa' }, admin);
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json<ErrorJson>().code, 'OMAUM_STUDENT_ARCHIVED');

    const restored = await api.action(student.id, 'restore', admin);
    assert.equal(restored.statusCode, 200);
    assert.equal(restored.json<StudentJson>().archivedAt, null);
    const changed = await api.patch(student.id, { notes: 'De volta' }, admin);
    assert.equal(changed.statusCode, 200);
  });

  it('leaves archived students out of the list unless asked', async () => {
    const kept = await api.createOk(studentBody(), admin);
    const gone = await api.createOk(studentBody(), admin);
    await api.action(gone.id, 'archive', admin);

    const list = await api.list({}, admin);
    assert.deepEqual(
      list.items.map((s) => s.id),
      [kept.id],
    );
    assert.equal(list.total, 1);
    assert.equal((await api.list({ includeArchived: 'true' }, admin)).total, 2);
  });

  it('finds students by name or initiatic name without accents or case', async () => {
    const joao = await api.createOk(studentBody({ fullName: 'João Conceição' }), admin);
    const ines = await api.createOk(
      studentBody({ fullName: 'Inês Ribeiro', initiaticName: 'Estrela D’Alva' }),
      admin,
    );
    await api.createOk(studentBody({ fullName: 'Pedro Souza' }), admin);

    for (const search of ['joao conceicao', 'CONCEIÇÃO', 'Joao']) {
      const found = await api.list({ search }, admin);
      assert.deepEqual(
        found.items.map((s) => s.id),
        [joao.id],
        search,
      );
    }
    const byInitiaticName = await api.list({ search: 'estrela' }, admin);
    assert.deepEqual(
      byInitiaticName.items.map((s) => s.id),
      [ines.id],
    );
  });

  it('finds a student by CPF with or without punctuation, whole or in part', async () => {
    const student = await api.createOk(studentBody({ cpf: '52998224725' }), admin);
    await api.createOk(studentBody({ cpf: '11144477735' }), admin);

    for (const search of ['529.982.247-25', '52998224725', '529.982', '24725']) {
      const found = await api.list({ search }, admin);
      assert.deepEqual(
        found.items.map((s) => s.id),
        [student.id],
        search,
      );
    }
  });

  it('finds a student by initiatic number', async () => {
    const student = await api.createOk(studentBody({ initiaticNumber: 'AB-2024' }), admin);
    await api.createOk(studentBody({ initiaticNumber: 'CD-1999' }), admin);
    const found = await api.list({ search: 'ab-2024' }, admin);
    assert.deepEqual(
      found.items.map((s) => s.id),
      [student.id],
    );
  });

  it('takes % and _ in a search literally', async () => {
    await api.createOk(studentBody({ fullName: 'Ana Lima' }), admin);
    assert.equal((await api.list({ search: '%' }, admin)).total, 0);
    assert.equal((await api.list({ search: 'an_' }, admin)).total, 0);
  });

  it('keeps a search working after a change of name', async () => {
    const student = await api.createOk(studentBody({ fullName: 'Carla Dias' }), admin);
    await api.patch(student.id, { fullName: 'Carla Gonçalves' }, admin);
    assert.equal((await api.list({ search: 'dias' }, admin)).total, 0);
    assert.equal((await api.list({ search: 'goncalves' }, admin)).total, 1);
  });

  it('pages through students in name order with the total of all pages', async () => {
    for (const fullName of ['Daniel', 'Álvaro', 'Carla', 'Bruno', 'Elisa']) {
      await api.createOk(studentBody({ fullName }), admin);
    }
    const first = await api.list({ limit: '2', offset: '0' }, admin);
    assert.equal(first.total, 5);
    assert.deepEqual(
      first.items.map((s) => s.fullName),
      ['Álvaro', 'Bruno'],
    );
    const last = await api.list({ limit: '2', offset: '4' }, admin);
    assert.equal(last.total, 5);
    assert.deepEqual(
      last.items.map((s) => s.fullName),
      ['Elisa'],
    );
  });

  it('filters by situation and by cohort', async () => {
    const db = t.testDb.database.db;
    const active = await api.createOk(studentBody(), admin);
    const onLeave = await api.createOk(studentBody({ situation: 'on_leave' }), admin);
    await api.createOk(studentBody(), admin);
    const cohort = await insertCohort(db);
    await insertEnrollment(db, active.id, cohort.id);
    await insertEnrollment(db, onLeave.id, cohort.id);

    const bySituation = await api.list({ situation: 'on_leave' }, admin);
    assert.deepEqual(
      bySituation.items.map((s) => s.id),
      [onLeave.id],
    );
    const byCohort = await api.list({ cohortId: String(cohort.id) }, admin);
    assert.deepEqual(byCohort.items.map((s) => s.id).sort(), [active.id, onLeave.id].sort());
    assert.equal(byCohort.total, 2);
    const both = await api.list({ cohortId: String(cohort.id), situation: 'active' }, admin);
    assert.deepEqual(
      both.items.map((s) => s.id),
      [active.id],
    );
  });

  it('answers 404 for a student that does not exist', async () => {
    const response = await api.get(999, admin);
    assert.equal(response.statusCode, 404);
    assert.equal(response.json<ErrorJson>().code, 'OMAUM_STUDENT_NOT_FOUND');
    const patch = await api.patch(999, { notes: 'x' }, admin);
    assert.equal(patch.statusCode, 404);
  });
});

describeEachDatabase('students birth date', (dialect) => {
  let t: TestApp;

  // 01:30 UTC on 10 March is still 9 March in São Paulo (UTC-3).
  const clock = { now: () => new Date('2026-03-10T01:30:00.000Z') };

  beforeEach(async () => {
    t = await createTestApp(dialect, { clock, env: { OMAUM_TZ: 'America/Sao_Paulo' } });
  });
  afterEach(() => t.close());

  it('accepts today in the institution’s time zone and refuses tomorrow', async () => {
    const api = studentsApi(t);
    const admin = await t.tokenFor('admin');

    const today = await api.create(studentBody({ birthDate: '2026-03-09' }), admin);
    assert.equal(today.statusCode, 201);

    const tomorrow = await api.create(studentBody({ birthDate: '2026-03-10' }), admin);
    assert.equal(tomorrow.statusCode, 400);
    assert.deepEqual(tomorrow.json<ErrorJson>().details, [
      { field: 'birthDate', message: 'must not be in the future' },
    ]);
  });
});
