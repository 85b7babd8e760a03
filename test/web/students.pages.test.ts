import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { dateIn } from '../../src/platform/clock.ts';
import { formatCpf } from '../../src/web/format.ts';
import { jsonForScript, reportPeriod } from '../../src/students/student-page.view.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { insertCohort, insertEnrollment, insertStudent, validCpf } from '../support/fixtures.ts';
import type { PageClient } from './students.support.ts';
import { fieldError, inputValue, signedIn } from './students.support.ts';

/** Rows of the students table in a page or fragment. */
function rowCount(html: string): number {
  return html.match(/<td class="cpf">/g)?.length ?? 0;
}

function monthBefore(month: string, count: number): string {
  const [year, number] = month.split('-').map(Number);
  const index = (year ?? 0) * 12 + (number ?? 1) - 1 - count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

const TYPED = {
  fullName: 'Maria das Dores',
  cpf: '123.456.789-00',
  initiaticNumber: 'N-500',
  initiaticName: 'Irmã Lua',
  email: 'maria@example.com',
  phone: '(11) 91234-5678',
  secondaryPhone: '',
  birthDate: '17/05/1980',
  sex: 'F',
  situation: 'active',
  address: 'Rua das Flores, 10',
  emergencyContacts: 'José 11 99999-0000',
  medicalNotes: 'Alergia a penicilina',
  notes: '',
};

describeEachDatabase('the students pages', (dialect) => {
  let t: TestApp;
  let secretary: PageClient;
  let viewer: PageClient;

  before(async () => {
    t = await createTestApp(dialect);
    secretary = await signedIn(t, 'secretary');
    viewer = await signedIn(t, 'viewer');
  });
  after(() => t.close());

  it('lists students 25 to a page, with the total and links to the other pages', async () => {
    for (let n = 1; n <= 30; n++) {
      const name = `Paginado ${String(n).padStart(2, '0')}`;
      await insertStudent(t.testDb.database.db, { fullName: name, searchText: name.toLowerCase() });
    }
    const first = await secretary.get('/alunos?busca=paginado');
    assert.equal(first.statusCode, 200);
    assert.equal(rowCount(first.body), 25);
    assert.match(first.body, /Mostrando 1–25 de 30 aluno\(s\)/);
    assert.match(first.body, /href="\/alunos\?busca=paginado&amp;pagina=2" rel="next">Próxima/);
    assert.doesNotMatch(first.body, /Anterior/);
    assert.match(first.body, /Novo aluno/);

    const second = await secretary.get('/alunos?busca=paginado&pagina=2');
    assert.equal(rowCount(second.body), 5);
    assert.match(second.body, /Mostrando 26–30 de 30/);
    assert.match(second.body, /rel="prev">Anterior/);
    assert.match(second.body, /Paginado 30/);
  });

  it('finds a student by CPF in any punctuation, and by initiatic number', async () => {
    const db = t.testDb.database.db;
    const cpf = validCpf(424242);
    const student = await insertStudent(db, { cpf, initiaticNumber: 'INI-7788' });
    await insertStudent(db);

    const byCpf = await secretary.get(`/alunos?busca=${encodeURIComponent(formatCpf(cpf))}`);
    assert.equal(rowCount(byCpf.body), 1);
    assert.match(byCpf.body, new RegExp(`href="/alunos/${student.id}"`));
    assert.match(byCpf.body, new RegExp(formatCpf(cpf).replace(/\./g, '\\.')));

    const byNumber = await viewer.get('/alunos?busca=INI-7788');
    assert.equal(rowCount(byNumber.body), 1);
    assert.doesNotMatch(byNumber.body, /Novo aluno/);
  });

  it('filters by situation and leaves archived students out unless asked', async () => {
    const db = t.testDb.database.db;
    const name = 'Filtrado Afastado';
    await insertStudent(db, {
      fullName: name,
      searchText: name.toLowerCase(),
      situation: 'on_leave',
    });
    const archivedName = 'Filtrado Arquivado';
    await insertStudent(db, {
      fullName: archivedName,
      searchText: archivedName.toLowerCase(),
      archivedAt: '2026-01-02T00:00:00.000Z',
    });

    const onLeave = await secretary.get('/alunos?busca=filtrado&situacao=on_leave');
    assert.equal(rowCount(onLeave.body), 1);
    assert.match(onLeave.body, /Filtrado Afastado/);
    assert.doesNotMatch((await secretary.get('/alunos?busca=filtrado')).body, /Filtrado Arquivado/);
    const all = await secretary.get('/alunos?busca=filtrado&arquivados=1');
    assert.equal(rowCount(all.body), 2);
    assert.match(all.body, /arquivado<\/span>/);
  });

  it('answers htmx with the results alone, and a history restore with the whole page', async () => {
    const fragment = await secretary.get('/alunos?busca=paginado', { 'hx-request': 'true' });
    assert.equal(fragment.statusCode, 200);
    assert.doesNotMatch(fragment.body, /<html/);
    assert.equal(rowCount(fragment.body), 25);
    assert.match(String(fragment.headers.vary), /HX-Request/i);

    const restore = await secretary.get('/alunos?busca=paginado', {
      'hx-request': 'true',
      'hx-history-restore-request': 'true',
    });
    assert.match(restore.body, /<html/);
  });

  it('creates a student from the form and shows the student page', async () => {
    const cpf = validCpf(777001);
    const response = await secretary.post('/alunos', { ...TYPED, cpf, initiaticNumber: 'N-1' });
    assert.equal(response.statusCode, 302, response.body);
    const location = String(response.headers.location);
    assert.match(location, /^\/alunos\/\d+$/);

    const page = await secretary.get(location);
    assert.match(page.body, /Aluno &quot;Maria das Dores&quot; cadastrado\./);
    assert.match(page.body, new RegExp(formatCpf(cpf).replace(/\./g, '\\.')));
    assert.match(page.body, /17\/05\/1980/);
    assert.match(page.body, /Alergia a penicilina/);
  });

  it('shows each error beside its field, in Portuguese, keeping what was typed', async () => {
    const invalid = await secretary.post('/alunos', {
      ...TYPED,
      cpf: '123.456.789-00',
      email: 'maria-sem-arroba',
      birthDate: '31/02/1980',
      fullName: 'Maria   Typed',
    });
    assert.equal(invalid.statusCode, 400);
    assert.equal(fieldError(invalid.body, 'email'), 'E-mail inválido.');
    assert.equal(fieldError(invalid.body, 'birthDate'), 'Data inválida (use dd/mm/aaaa).');
    assert.equal(
      fieldError(invalid.body, 'cpf'),
      'CPF inválido: os dígitos verificadores não conferem.',
    );
    assert.equal(inputValue(invalid.body, 'fullName'), 'Maria   Typed');
    assert.equal(inputValue(invalid.body, 'birthDate'), '31/02/1980');
    assert.match(invalid.body, /Alergia a penicilina<\/textarea>/);

    // With the formats right, the service itself refuses the CPF's digits.
    const wrongDigits = await secretary.post('/alunos', { ...TYPED, cpf: '123.456.789-00' });
    assert.equal(wrongDigits.statusCode, 400);
    assert.equal(
      fieldError(wrongDigits.body, 'cpf'),
      'CPF inválido: os dígitos verificadores não conferem.',
    );
    assert.equal(inputValue(wrongDigits.body, 'cpf'), '123.456.789-00');
    assert.equal(inputValue(wrongDigits.body, 'initiaticNumber'), 'N-500');
    assert.equal(fieldError(wrongDigits.body, 'fullName'), null);
  });

  it('refuses a CPF another student has, beside the CPF field', async () => {
    const cpf = validCpf(515151);
    await insertStudent(t.testDb.database.db, { cpf });
    const typed = { ...TYPED, cpf: formatCpf(cpf), initiaticNumber: 'N-DUP' };
    const response = await secretary.post('/alunos', typed);
    assert.equal(response.statusCode, 409);
    assert.equal(fieldError(response.body, 'cpf'), 'Outro aluno já tem este CPF.');
    assert.equal(fieldError(response.body, 'initiaticNumber'), null);
    assert.equal(inputValue(response.body, 'cpf'), formatCpf(cpf));
    assert.equal(inputValue(response.body, 'email'), 'maria@example.com');
    assert.match(response.body, /Corrija os campos indicados abaixo\./);
  });

  it('changes a student through the edit form, then archives and restores them', async () => {
    const student = await insertStudent(t.testDb.database.db, { phone: '1111-1111' });
    const form = await secretary.get(`/alunos/${student.id}/editar`);
    assert.equal(inputValue(form.body, 'phone'), '1111-1111');

    const saved = await secretary.post(`/alunos/${student.id}`, {
      ...TYPED,
      fullName: student.fullName,
      cpf: student.cpf,
      initiaticNumber: student.initiaticNumber,
      email: '',
      phone: '2222-2222',
    });
    assert.equal(saved.statusCode, 302, saved.body);
    const page = await secretary.get(`/alunos/${student.id}`);
    assert.match(page.body, /2222-2222/);

    const archived = await secretary.post(`/alunos/${student.id}/arquivar`, {});
    assert.equal(archived.statusCode, 302);
    const archivedPage = await secretary.get(`/alunos/${student.id}`);
    assert.match(archivedPage.body, /Aluno arquivado em/);
    assert.match(archivedPage.body, /Restaurar/);
    assert.match((await secretary.get(`/alunos/${student.id}/editar`)).body, /Restaure-o/);

    await secretary.post(`/alunos/${student.id}/restaurar`, {});
    assert.doesNotMatch((await secretary.get(`/alunos/${student.id}`)).body, /Aluno arquivado/);
  });

  it('hides personal data from a viewer and refuses them the form', async () => {
    const student = await insertStudent(t.testDb.database.db, {
      address: 'Rua Secreta, 42',
      medicalNotes: 'Nota médica reservada',
    });
    const asViewer = await viewer.get(`/alunos/${student.id}`);
    assert.equal(asViewer.statusCode, 200);
    assert.match(asViewer.body, new RegExp(student.fullName));
    assert.doesNotMatch(asViewer.body, /Rua Secreta|Nota médica reservada|Dados pessoais/);
    assert.doesNotMatch(asViewer.body, /Editar/);

    const asSecretary = await secretary.get(`/alunos/${student.id}`);
    assert.match(asSecretary.body, /Rua Secreta, 42/);
    assert.match(asSecretary.body, /Nota médica reservada/);

    const form = await viewer.get(`/alunos/${student.id}/editar`);
    assert.equal(form.statusCode, 403);
    assert.match(form.body, /Acesso negado/);
  });

  it('shows an instructor only the students of their cohorts, without personal data', async () => {
    const db = t.testDb.database.db;
    const teacher = await insertStudent(db);
    const cohort = await insertCohort(db, { instructorId: teacher.id });
    const mine = await insertStudent(db, { address: 'Rua do Instrutor, 1' });
    const other = await insertStudent(db);
    await insertEnrollment(db, mine.id, cohort.id);
    const instructor = await signedIn(t, 'instructor', { studentId: teacher.id });

    const page = await instructor.get(`/alunos/${mine.id}`);
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /Rua do Instrutor|Histórico de mudanças/);
    assert.equal((await instructor.get(`/alunos/${other.id}`)).statusCode, 404);
    const list = await instructor.get('/alunos');
    assert.match(list.body, new RegExp(`href="/alunos/${mine.id}"`));
    assert.doesNotMatch(list.body, new RegExp(`href="/alunos/${other.id}"`));
  });

  it('answers an unknown student with the not-found page', async () => {
    const response = await secretary.get('/alunos/999999');
    assert.equal(response.statusCode, 404);
    assert.match(response.body, /Não encontrado/);
  });

  it('shows the report with shortfalls, the chart data and the history of marks', async () => {
    const db = t.testDb.database.db;
    const services = t.app.services;
    const student = await insertStudent(db);
    const cohort = await insertCohort(db, { name: 'Turma Boletim <b>' });
    const currentMonth = dateIn(new Date(), 'America/Sao_Paulo').slice(0, 7);
    const lastMonth = monthBefore(currentMonth, 1);
    await insertEnrollment(db, student.id, cohort.id, `${monthBefore(currentMonth, 2)}-01`);
    const lessons = await db
      .selectFrom('activities')
      .select('id')
      .where('cohortId', '=', cohort.id)
      .where('kind', '=', 'lesson')
      .executeTakeFirstOrThrow();
    const sessions = await services.sessions.createMany(secretary.actor, lessons.id, [
      { date: `${lastMonth}-05` },
      { date: `${lastMonth}-12` },
    ]);
    const [first, second] = sessions;
    assert.ok(first && second);
    await services.attendance.saveSessionMarks(secretary.actor, first.id, [
      { studentId: student.id, status: 'P' },
    ]);
    await services.attendance.saveSessionMarks(secretary.actor, second.id, [
      { studentId: student.id, status: 'F' },
    ]);
    await services.attendance.saveSessionMarks(secretary.actor, second.id, [
      { studentId: student.id, status: 'J', version: 1 },
    ]);

    const page = await viewer.get(`/alunos/${student.id}`);
    assert.equal(page.statusCode, 200);
    const html = page.body;
    assert.match(html, /Turma Boletim &lt;b&gt;/);
    assert.match(html, /<td class="num shortfall">50%<span class="visually-hidden"> \(carência\)/);
    const island = /<script type="application\/json" id="grafico-dados-\d+">([^<]*)<\/script>/.exec(
      html,
    );
    assert.ok(island?.[1], 'the chart data island is on the page');
    const chart = JSON.parse(island[1]) as {
      labels: string[];
      minimum: number;
      series: { label: string; values: (number | null)[] }[];
    };
    assert.equal(chart.minimum, 70);
    assert.deepEqual(
      chart.series.map((series) => series.label),
      ['Aulas', 'Plenilúnios'],
    );
    assert.deepEqual(chart.series[0]?.values, [50]);
    assert.match(html, /<canvas id="grafico-\d+" data-chart-source="grafico-dados-\d+"/);
    assert.match(html, /<script src="\/static\/vendor\/chart\.umd\.min\.js" defer>/);
    assert.match(html, /<script type="module" src="\/static\/js\/student-chart\.js">/);

    assert.match(html, /Histórico de mudanças nas presenças/);
    assert.match(html, /Falta → Falta justificada/);
    assert.match(html, /sem registro → Presente/);
    assert.match(html, new RegExp(`Pessoa secretary`));
    assert.match(html, /· Aulas/);
  });

  it('pages the history of marks 25 at a time', async () => {
    const db = t.testDb.database.db;
    const services = t.app.services;
    const student = await insertStudent(db);
    const cohort = await insertCohort(db);
    const currentMonth = dateIn(new Date(), 'America/Sao_Paulo').slice(0, 7);
    const month = monthBefore(currentMonth, 1);
    await insertEnrollment(db, student.id, cohort.id, `${monthBefore(currentMonth, 3)}-01`);
    const lessons = await db
      .selectFrom('activities')
      .select('id')
      .where('cohortId', '=', cohort.id)
      .where('kind', '=', 'lesson')
      .executeTakeFirstOrThrow();
    const session = await services.sessions.create(secretary.actor, lessons.id, {
      date: `${month}-03`,
    });
    const statuses = ['P', 'F'] as const;
    for (let version = 0; version < 27; version++) {
      await services.attendance.saveSessionMarks(secretary.actor, session.id, [
        { studentId: student.id, status: statuses[version % 2], version },
      ]);
    }
    const first = await secretary.get(`/alunos/${student.id}`);
    const history = first.body.slice(first.body.indexOf('id="historico"'));
    assert.equal(history.match(/<tr><td>/g)?.length, 25);
    assert.match(history, /historico=2#historico" rel="next">Próxima/);

    const second = await secretary.get(`/alunos/${student.id}?historico=2`);
    const rest = second.body.slice(second.body.indexOf('id="historico"'));
    assert.equal(rest.match(/<tr><td>/g)?.length, 2);
    assert.match(rest, /rel="prev">Anterior/);
    assert.doesNotMatch(rest, /Próxima/);
  });
});

describe('the student report period', () => {
  it('covers the last 12 months of the enrollment, up to its end', () => {
    assert.deepEqual(reportPeriod({ enrolledOn: '2024-02-10', endedOn: null }, '2026-03'), {
      from: '2025-04',
      to: '2026-03',
    });
    assert.deepEqual(reportPeriod({ enrolledOn: '2026-01-10', endedOn: null }, '2026-03'), {
      from: '2026-01',
      to: '2026-03',
    });
    assert.deepEqual(reportPeriod({ enrolledOn: '2023-01-01', endedOn: '2024-06-30' }, '2026-03'), {
      from: '2023-07',
      to: '2024-06',
    });
    assert.deepEqual(reportPeriod({ enrolledOn: '2026-05-01', endedOn: null }, '2026-03'), {
      from: '2026-05',
      to: '2026-05',
    });
  });

  it('writes chart data that cannot close its script element', () => {
    const json = jsonForScript({ label: '</script><script>alert(1)</script> & co' });
    assert.doesNotMatch(json, /<|>|&/);
    assert.deepEqual(JSON.parse(json), { label: '</script><script>alert(1)</script> & co' });
  });
});
