import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent } from '../support/fixtures.ts';
import type { ErrorJson, StudentJson } from './students.helpers.ts';
import { studentBody, studentsApi } from './students.helpers.ts';

const PERSONAL = {
  address: 'Rua Sigilosa, 42',
  emergencyContacts: 'Contato Reservado 11 90000-0000',
  medicalNotes: 'Condição cardíaca confidencial',
};
const PERSONAL_KEYS = Object.keys(PERSONAL);

describeEachDatabase('students access', (dialect) => {
  let t: TestApp;
  let admin: string;
  let api: ReturnType<typeof studentsApi>;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    admin = await t.tokenFor('admin');
    api = studentsApi(t);
  });
  afterEach(() => t.close());

  /** A cohort taught by a new instructor, and that instructor's token. */
  async function instructorWithCohort(): Promise<{ token: string; cohortId: number }> {
    const db = t.testDb.database.db;
    const teacher = await insertStudent(db, { fullName: 'Instrutor Teste' });
    const cohort = await insertCohort(db, { instructorId: teacher.id });
    const token = await t.tokenFor('instructor', { studentId: teacher.id });
    return { token, cohortId: cohort.id };
  }

  it('lets viewers read students but not create, change, archive or restore them', async () => {
    const viewer = await t.tokenFor('viewer');
    const student = await api.createOk(studentBody(), admin);

    assert.equal((await api.get(student.id, viewer)).statusCode, 200);
    assert.equal((await api.list({}, viewer)).total, 1);

    const refusals = [
      await api.create(studentBody(), viewer),
      await api.patch(student.id, { notes: 'Não' }, viewer),
      await api.action(student.id, 'archive', viewer),
      await api.action(student.id, 'restore', viewer),
    ];
    for (const refused of refusals) {
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json<ErrorJson>().code, 'OMAUM_AUTH_FORBIDDEN');
    }
  });

  it('lets secretaries create and change students', async () => {
    const secretary = await t.tokenFor('secretary');
    const student = await api.createOk(studentBody(), secretary);
    const patched = await api.patch(student.id, { situation: 'on_leave' }, secretary);
    assert.equal(patched.statusCode, 200);
  });

  it('does not let instructors write', async () => {
    const { token } = await instructorWithCohort();
    const refused = await api.create(studentBody(), token);
    assert.equal(refused.statusCode, 403);
  });

  it('shows personal data to admins and secretaries', async () => {
    const secretary = await t.tokenFor('secretary');
    const student = await api.createOk(studentBody(PERSONAL), admin);

    for (const token of [admin, secretary]) {
      const read = (await api.get(student.id, token)).json<StudentJson>();
      assert.deepEqual(pick(read, PERSONAL_KEYS), PERSONAL);
      const [listed] = (await api.list({}, token)).items;
      assert.ok(listed);
      assert.deepEqual(pick(listed, PERSONAL_KEYS), PERSONAL);
    }
  });

  it('leaves personal data out for viewers and instructors', async () => {
    const viewer = await t.tokenFor('viewer');
    const { token: instructor, cohortId } = await instructorWithCohort();
    const student = await api.createOk(studentBody(PERSONAL), admin);
    await insertEnrollment(t.testDb.database.db, student.id, cohortId);

    for (const token of [viewer, instructor]) {
      const read = await api.get(student.id, token);
      assert.equal(read.statusCode, 200);
      const [listed] = (await api.list({}, token)).items;
      assert.ok(listed);
      for (const shown of [read.json<StudentJson>(), listed]) {
        for (const key of PERSONAL_KEYS) assert.equal(key in shown, false, key);
        assert.equal(shown.cpf, student.cpf);
      }
      for (const value of Object.values(PERSONAL)) assert.equal(read.body.includes(value), false);
    }
  });

  it('shows an instructor only the students of the cohorts they teach', async () => {
    const db = t.testDb.database.db;
    const { token: instructor, cohortId } = await instructorWithCohort();
    const otherCohort = await insertCohort(db);
    const mine = await api.createOk(studentBody({ fullName: 'Aluna Minha' }), admin);
    const former = await api.createOk(studentBody({ fullName: 'Aluno Antigo' }), admin);
    const theirs = await api.createOk(studentBody({ fullName: 'Aluno Alheio' }), admin);
    await api.createOk(studentBody({ fullName: 'Aluno Sem Turma' }), admin);
    await insertEnrollment(db, mine.id, cohortId);
    await insertEnrollment(db, former.id, cohortId);
    await db
      .updateTable('enrollments')
      .set({ status: 'cancelled' })
      .where('studentId', '=', former.id)
      .execute();
    await insertEnrollment(db, theirs.id, otherCohort.id);

    const list = await api.list({}, instructor);
    assert.equal(list.total, 2);
    assert.deepEqual(list.items.map((s) => s.id).sort(), [mine.id, former.id].sort());

    assert.equal((await api.get(mine.id, instructor)).statusCode, 200);
    assert.equal((await api.get(former.id, instructor)).statusCode, 200);
    const hidden = await api.get(theirs.id, instructor);
    assert.equal(hidden.statusCode, 404);
    assert.equal(hidden.json<ErrorJson>().code, 'OMAUM_STUDENT_NOT_FOUND');

    const elsewhere = await api.list({ cohortId: String(otherCohort.id) }, instructor);
    assert.equal(elsewhere.total, 0);
    const searched = await api.list({ search: 'alheio' }, instructor);
    assert.equal(searched.total, 0);
  });

  it('shows an instructor who teaches no cohort nobody', async () => {
    const teacher = await insertStudent(t.testDb.database.db);
    const student = await api.createOk(studentBody(), admin);
    const instructor = await t.tokenFor('instructor', { studentId: teacher.id });
    assert.equal((await api.list({}, instructor)).total, 0);
    assert.equal((await api.get(student.id, instructor)).statusCode, 404);
  });

  it('never writes personal data to the log', async () => {
    const body = studentBody({ ...PERSONAL, email: 'sigilo@example.com', phone: '11 4000-1234' });
    const student = await api.createOk(body, admin);
    await api.create(body, admin);
    await api.list({ search: student.cpf }, admin);
    await api.patch(student.id, { cpf: '529.982.247-20' }, admin);

    const logged = JSON.stringify(t.logs);
    assert.ok(t.logs.length > 0);
    const secrets = [...Object.values(PERSONAL), student.cpf, 'sigilo@example.com', '4000-1234'];
    for (const secret of secrets) assert.equal(logged.includes(secret), false, secret);
  });
});

function pick(object: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => keys.includes(key)));
}
