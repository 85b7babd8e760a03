import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';

import type { Db } from '../../src/platform/db/database.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import {
  insertCohort,
  insertCourse,
  insertEnrollment,
  insertStudent,
} from '../support/fixtures.ts';
import type { Browser, FormFields } from './cohorts.support.ts';
import { fieldBlock, signIn, textOf } from './cohorts.support.ts';

const HTMX = { 'hx-request': 'true' };

describeEachDatabase('cohort pages', (dialect) => {
  let t: TestApp;
  let db: Db;
  let secretary: Browser;
  let courseId: number;

  beforeEach(async () => {
    t = await createTestApp(dialect);
    db = t.testDb.database.db;
    secretary = await signIn(t, 'secretary');
    courseId = (await insertCourse(db, { name: '1º Grau – Aprendizes' })).id;
  });
  afterEach(() => t.close());

  function cohortForm(fields: FormFields = {}): FormFields {
    return {
      courseId: String(courseId),
      name: 'Turma 2026-A',
      bookNumber: '',
      initiationDate: '',
      activitiesStartDate: '',
      firstLessonDate: '',
      endDate: '',
      weekday: 'mon',
      time: '19:30',
      place: 'Templo Central',
      capacity: '30',
      status: 'active',
      minAttendancePct: '70',
      maxShortfallsToClear: '1',
      instructorId: '',
      assistantInstructorId: '',
      aideId: '',
      ...fields,
    };
  }

  async function createThroughForm(fields: FormFields = {}): Promise<number> {
    const response = await secretary.post('/turmas', cohortForm(fields));
    assert.equal(response.statusCode, 302, response.body);
    const match = /^\/turmas\/(\d+)$/.exec(String(response.headers.location));
    assert.ok(match, `redirected to ${String(response.headers.location)}`);
    return Number(match[1]);
  }

  it('shows each form error in Portuguese beside its field, keeping what was typed', async () => {
    const response = await secretary.post(
      '/turmas',
      cohortForm({
        name: '',
        capacity: 'trinta',
        initiationDate: '31/02/2026',
        time: '25:00',
        minAttendancePct: '120',
        place: 'Sala 3',
      }),
    );

    assert.equal(response.statusCode, 400);
    const html = response.body;
    assert.match(fieldBlock(html, 'name'), /Campo obrigatório\./);
    assert.match(fieldBlock(html, 'capacity'), /Informe um número inteiro\./);
    assert.match(fieldBlock(html, 'capacity'), /value="trinta"/);
    assert.match(fieldBlock(html, 'initiationDate'), /Data inválida \(use dd\/mm\/aaaa\)\./);
    assert.match(fieldBlock(html, 'initiationDate'), /value="31\/02\/2026"/);
    assert.match(fieldBlock(html, 'time'), /Horário inválido/);
    assert.match(fieldBlock(html, 'minAttendancePct'), /Deve ser no máximo 100\./);
    assert.match(fieldBlock(html, 'place'), /value="Sala 3"/);
    assert.doesNotMatch(fieldBlock(html, 'place'), /field-error/);
    assert.match(html, /Há 5 campos a corrigir\./);
  });

  it('shows the service’s refusals beside their fields: end date and duplicate name', async () => {
    await createThroughForm({ name: 'Turma Solar' });
    const response = await secretary.post(
      '/turmas',
      cohortForm({ name: 'turma solar', firstLessonDate: '10/03/2026', endDate: '01/03/2026' }),
    );

    assert.equal(response.statusCode, 400);
    assert.match(
      fieldBlock(response.body, 'endDate'),
      /Não pode ser anterior à data de primeira aula\./,
    );
    const again = await secretary.post('/turmas', cohortForm({ name: 'turma solar' }));
    assert.equal(again.statusCode, 409);
    assert.match(fieldBlock(again.body, 'name'), /Já existe uma turma com este nome\./);
    assert.match(fieldBlock(again.body, 'name'), /value="turma solar"/);
  });

  it('shows an instructor conflict (422) beside the field of the person in conflict', async () => {
    const teacher = await insertStudent(db, { fullName: 'Helena Prado' });
    const other = await insertStudent(db, { fullName: 'Caio Nogueira' });
    await insertCohort(db, { courseId, name: 'Turma Antiga', instructorId: teacher.id });

    const response = await secretary.post(
      '/turmas',
      cohortForm({
        name: 'Turma Nova',
        instructorId: String(other.id),
        assistantInstructorId: String(teacher.id),
        aideId: String(other.id),
      }),
    );

    assert.equal(response.statusCode, 422);
    const html = response.body;
    assert.match(
      fieldBlock(html, 'assistantInstructorId'),
      /Já atua na turma ativa &quot;Turma Antiga&quot;\./,
    );
    assert.match(fieldBlock(html, 'aideId'), /É a mesma pessoa escolhida como Instrutor\./);
    assert.doesNotMatch(fieldBlock(html, 'instructorId'), /field-error/);
    assert.match(fieldBlock(html, 'name'), /value="Turma Nova"/);
    const selected = new RegExp(`<option value="${teacher.id}" selected>Helena Prado`);
    assert.match(fieldBlock(html, 'assistantInstructorId'), selected);
  });

  it('creates a cohort and opens its page with the default activities', async () => {
    const teacher = await insertStudent(db, { fullName: 'Marta Reis' });
    const id = await createThroughForm({
      name: 'Turma 2026-B',
      bookNumber: 'L-12',
      initiationDate: '07/03/2026',
      firstLessonDate: '09/03/2026',
      instructorId: String(teacher.id),
      minAttendancePct: '75',
      maxShortfallsToClear: '2',
    });

    const page = await secretary.get(`/turmas/${id}`);
    assert.equal(page.statusCode, 200);
    const text = textOf(page.body);
    assert.match(text, /Turma 2026-B/);
    assert.match(text, /Iniciação 07\/03\/2026/);
    assert.match(text, /Primeira aula 09\/03\/2026/);
    assert.match(text, /Instrutor Marta Reis/);
    assert.match(text, /Frequência mínima 75%/);
    assert.match(text, /Carências permitidas 2/);
    assert.match(text, /Segunda-feira, 19:30|segunda-feira, 19:30/);
    assert.match(page.body, /<th scope="row">Aulas/);
    assert.match(page.body, /<th scope="row">Plenilúnios/);
    assert.ok(page.body.indexOf('>Aulas') < page.body.indexOf('>Plenilúnios'));
    assert.match(page.body, new RegExp(`href="/turmas/${id}/frequencia/\\d{4}-\\d{2}"`));
    assert.match(page.body, new RegExp(`href="/turmas/${id}/relatorio"`));

    const edit = await secretary.get(`/turmas/${id}/editar`);
    assert.match(fieldBlock(edit.body, 'initiationDate'), /value="07\/03\/2026"/);
    const changed = await secretary.post(
      `/turmas/${id}`,
      cohortForm({ name: 'Turma 2026-B', capacity: '12', instructorId: String(teacher.id) }),
    );
    assert.equal(changed.statusCode, 302);
    assert.equal((await t.app.services.cohorts.get(secretary.actor, id)).capacity, 12);
  });

  it('lists cohorts with enrolled / capacity, filtered by status and search', async () => {
    const a = await insertCohort(db, { courseId, name: 'Turma Alfa', capacity: 20 });
    await insertCohort(db, { courseId, name: 'Turma Beta', status: 'finished' });
    await insertEnrollment(db, (await insertStudent(db)).id, a.id);

    const all = await secretary.get('/turmas');
    assert.match(all.body, /Nova turma/);
    assert.match(textOf(all.body), /Turma Alfa .* 1 \/ 20/);
    assert.match(all.body, /Turma Beta/);

    const active = await secretary.get('/turmas?situacao=active&busca=alf');
    assert.match(active.body, /Turma Alfa/);
    assert.doesNotMatch(active.body, /Turma Beta/);
  });

  it('lists enrollments with status and dates, and ends one with a date', async () => {
    const cohort = await insertCohort(db, { courseId, name: 'Turma Gama' });
    const ana = await insertStudent(db, { fullName: 'Ana Souza' });
    const enrollment = await insertEnrollment(db, ana.id, cohort.id, '2026-02-02');

    const page = await secretary.get(`/turmas/${cohort.id}`);
    assert.match(textOf(page.body), /Ana Souza .* Ativa 02\/02\/2026/);

    const url = `/turmas/${cohort.id}/matriculas/${enrollment.id}/encerrar`;
    const wrong = await secretary.post(url, { status: 'finished', endedOn: '01/01/2026' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /O término não pode ser anterior à data da matrícula\./);
    assert.match(wrong.body, /value="01\/01\/2026"/);

    const ended = await secretary.post(url, { status: 'cancelled', endedOn: '15/03/2026' });
    assert.equal(ended.statusCode, 302);
    const after = await secretary.get(`/turmas/${cohort.id}`);
    assert.match(textOf(after.body), /Ana Souza .* Cancelada 02\/02\/2026 15\/03\/2026/);
  });

  it('enrolls several students at once from the checkbox list', async () => {
    const cohort = await insertCohort(db, { courseId, name: 'Turma Delta' });
    const students = await Promise.all(
      ['Bruno Lima', 'Carla Dias', 'Diego Alves'].map((fullName) =>
        insertStudent(db, { fullName }),
      ),
    );
    await insertStudent(db, { fullName: 'Elisa Afastada', situation: 'on_leave' });

    const form = await secretary.get(`/turmas/${cohort.id}/matricular`);
    assert.equal(form.statusCode, 200);
    for (const student of students) assert.match(form.body, new RegExp(student.fullName));
    assert.doesNotMatch(form.body, /Elisa Afastada/);

    const response = await secretary.post(`/turmas/${cohort.id}/matriculas`, {
      studentIds: students.map((student) => String(student.id)),
      enrolledOn: '02/03/2026',
    });
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, `/turmas/${cohort.id}#matriculas`);

    const page = await secretary.get(`/turmas/${cohort.id}`);
    assert.match(page.body, /3 alunos matriculados\./);
    for (const student of students) {
      assert.match(textOf(page.body), new RegExp(`${student.fullName} .* Ativa 02/03/2026`));
    }
    const again = await secretary.get(`/turmas/${cohort.id}/matricular`);
    assert.doesNotMatch(again.body, /Bruno Lima/);
  });

  it('lists each refused student with the reason, in Portuguese, and enrolls nobody', async () => {
    const cohort = await insertCohort(db, { courseId, name: 'Turma Épsilon', capacity: 5 });
    const elsewhere = await insertCohort(db, { courseId, name: 'Turma Zeta' });
    const free = await insertStudent(db, { fullName: 'Fabio Cruz' });
    const busy = await insertStudent(db, { fullName: 'Gisele Moura' });
    const away = await insertStudent(db, { fullName: 'Hugo Teles', situation: 'on_leave' });
    await insertEnrollment(db, busy.id, elsewhere.id);

    const response = await secretary.post(`/turmas/${cohort.id}/matriculas`, {
      studentIds: [free, busy, away].map((student) => String(student.id)),
      enrolledOn: '02/03/2026',
    });

    assert.equal(response.statusCode, 422);
    const text = textOf(response.body);
    assert.match(text, /2 alunos não podem ser matriculados; ninguém foi matriculado\./);
    assert.match(text, /Gisele Moura : Já tem matrícula ativa na turma "Turma Zeta"\./);
    assert.match(text, /Hugo Teles : O aluno não está ativo \(Afastado\)\./);
    assert.match(response.body, new RegExp(`value="${free.id}" checked`));
    assert.match(fieldBlock(response.body, 'enrolledOn'), /value="02\/03\/2026"/);
    const page = await t.app.services.enrollments.listForCohort(
      secretary.actor,
      cohort.id,
      {},
      { limit: 10, offset: 0 },
    );
    assert.equal(page.total, 0);

    const empty = await secretary.post(`/turmas/${cohort.id}/matriculas`, { enrolledOn: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Selecione pelo menos um aluno\./);
    assert.match(fieldBlock(empty.body, 'enrolledOn'), /Campo obrigatório\./);
  });

  it('adds, renames, moves and archives activities; htmx gets the block alone', async () => {
    const cohort = await insertCohort(db, { courseId, name: 'Turma Eta' });
    const base = `/turmas/${cohort.id}/atividades`;

    const added = await secretary.post(
      base,
      { name: 'Limpezas', kind: 'cleaning', mode: 'convocation' },
      HTMX,
    );
    assert.equal(added.statusCode, 200);
    assert.doesNotMatch(added.body, /<html/);
    assert.match(added.body, /id="atividades-conteudo"/);
    assert.match(
      added.body,
      /hx-swap-oob="innerHTML"[^>]*>.*Atividade &quot;Limpezas&quot; adicionada/s,
    );
    assert.match(textOf(added.body), /3 Limpezas Limpeza Convocação/);

    const activities = await t.app.services.activities.list(
      secretary.actor,
      cohort.id,
      {},
      {
        limit: 10,
        offset: 0,
      },
    );
    const [lessons, , cleaning] = activities.items;
    assert.ok(lessons && cleaning);

    const duplicate = await secretary.post(
      base,
      { name: 'aulas', kind: 'other', mode: 'mandatory' },
      HTMX,
    );
    assert.equal(duplicate.statusCode, 200);
    assert.match(
      fieldBlock(duplicate.body, 'name'),
      /A turma já tem uma atividade com este nome\./,
    );
    assert.match(fieldBlock(duplicate.body, 'name'), /value="aulas"/);

    const moved = await secretary.post(`${base}/${cleaning.id}/mover`, { direcao: 'subir' });
    assert.equal(moved.statusCode, 302);
    const renamed = await secretary.post(`${base}/${cleaning.id}/renomear`, { name: 'Faxinas' });
    assert.equal(renamed.statusCode, 302);
    const page = await secretary.get(`/turmas/${cohort.id}`);
    assert.match(textOf(page.body), /1 Aulas .* 2 Faxinas .* 3 Plenilúnios/);

    const blank = await secretary.post(`${base}/${cleaning.id}/renomear`, { name: '' });
    assert.equal(blank.statusCode, 400);
    assert.match(blank.body, /<details class="rename" open>/);
    assert.match(blank.body, /Não pode ficar em branco\./);

    const locked = await secretary.post(`${base}/${lessons.id}/arquivar`, {});
    assert.equal(locked.statusCode, 409);
    assert.match(locked.body, /não podem ser arquivadas/);

    const archived = await secretary.post(`${base}/${cleaning.id}/arquivar`, {}, HTMX);
    assert.equal(archived.statusCode, 200);
    assert.doesNotMatch(archived.body, /<th scope="row">Faxinas/);
    assert.match(archived.body, /Atividade &quot;Faxinas&quot; arquivada\./);
  });

  it('shows an instructor only the cohorts they teach, and no forms', async () => {
    const teacher = await insertStudent(db, { fullName: 'Irene Campos' });
    const mine = await insertCohort(db, {
      courseId,
      name: 'Turma Minha',
      instructorId: teacher.id,
    });
    const other = await insertCohort(db, { courseId, name: 'Turma Alheia' });
    const instructor = await signIn(t, 'instructor', { studentId: teacher.id });

    const list = await instructor.get('/turmas');
    assert.match(list.body, /Turma Minha/);
    assert.doesNotMatch(list.body, /Turma Alheia/);
    assert.doesNotMatch(list.body, /Nova turma/);

    const page = await instructor.get(`/turmas/${mine.id}`);
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /Adicionar atividade|Matricular alunos|Editar/);

    assert.equal((await instructor.get(`/turmas/${other.id}`)).statusCode, 404);
    assert.equal((await instructor.get('/turmas/nova')).statusCode, 403);
    const refused = await instructor.post(`/turmas/${mine.id}/atividades`, {
      name: 'X',
      kind: 'other',
      mode: 'mandatory',
    });
    assert.equal(refused.statusCode, 403);
  });
});
