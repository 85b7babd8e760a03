import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Value } from 'typebox/value';

import { actorOf } from '../auth/access.plugin.ts';
import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, STAFF_ROLES, canSeePersonalData, hasRole } from '../auth/actor.ts';
import type { StudentSituation } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Services } from '../services.ts';
import { label, parseBrazilianDate } from '../web/format.ts';
import { fieldMessagePt, MESSAGES_PT } from '../web/messages.ts';
import { field, renderPage, setFlash } from '../web/page.ts';
import { fieldErrors } from '../web/web.plugin.ts';
import { isValidCpf } from './cpf.ts';
import { studentPageData } from './student-page.view.ts';
import type { CreateStudentBody, StudentView } from './students.schemas.ts';
import { CreateStudentBody as CreateStudentSchema, SEXES, SITUATIONS } from './students.schemas.ts';

const PAGE_SIZE = 25;
const WRONG_CPF_DIGITS = 'CPF inválido: os dígitos verificadores não conferem.';
const MAX_SEARCH_LENGTH = 100;

type Errors = Record<string, string>;

/** What the student form holds: always the text typed, so it can be shown again. */
export interface StudentForm {
  fullName: string;
  cpf: string;
  initiaticNumber: string;
  initiaticName: string;
  email: string;
  phone: string;
  secondaryPhone: string;
  birthDate: string;
  sex: string;
  situation: string;
  address: string;
  emergencyContacts: string;
  medicalNotes: string;
  notes: string;
}

const FORM_FIELDS: readonly (keyof StudentForm)[] = [
  'fullName',
  'cpf',
  'initiaticNumber',
  'initiaticName',
  'email',
  'phone',
  'secondaryPhone',
  'birthDate',
  'sex',
  'situation',
  'address',
  'emergencyContacts',
  'medicalNotes',
  'notes',
];

const REQUIRED_FIELDS: readonly (keyof StudentForm)[] = ['fullName', 'cpf', 'initiaticNumber'];

interface ListQuery {
  readonly search: string;
  readonly situation: StudentSituation | null;
  readonly includeArchived: boolean;
  readonly page: number;
}

/** Students ("Alunos"): searchable list, form, the student's page, archive and restore. */
export async function studentPages(app: FastifyInstance, services: Services): Promise<void> {
  const { students } = services;

  app.get('/alunos', { config: { access: ALL_ROLES } }, async (request, reply) => {
    const actor = actorOf(request);
    const query = readListQuery(request.query);
    const result = await students.list(actor, filterOf(query), {
      limit: PAGE_SIZE,
      offset: (query.page - 1) * PAGE_SIZE,
    });
    const data = { ...listView(query, result.items, result.total), canEdit: isStaff(actor) };
    void reply.header('vary', 'HX-Request');
    const template = isFragmentRequest(request) ? 'students/results' : 'students/list';
    return renderPage(request, reply, template, { title: 'Alunos' }, data);
  });

  app.get('/alunos/novo', { config: { access: STAFF_ROLES } }, (request, reply) =>
    showForm(request, reply, null, emptyForm(), {}),
  );

  app.post('/alunos', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const actor = actorOf(request);
    const form = readForm(request.body);
    const { input, errors } = toInput(form, canSeePersonalData(actor));
    if (Object.keys(errors).length > 0) return showForm(request, reply, null, form, errors, 400);
    let student: StudentView;
    try {
      student = await students.create(actor, input);
    } catch (error) {
      return showServiceErrors(request, reply, null, form, error);
    }
    setFlash(request, { kind: 'success', message: `Aluno "${student.fullName}" cadastrado.` });
    return reply.redirect(`/alunos/${student.id}`);
  });

  app.get('/alunos/:id', { config: { access: ALL_ROLES } }, async (request, reply) => {
    const actor = actorOf(request);
    const student = await students.get(actor, idParam(request));
    const historyPage = positiveInt((request.query as { historico?: unknown }).historico);
    const data = await studentPageData(services, actor, student, historyPage);
    return renderPage(
      request,
      reply,
      'students/show',
      { title: student.fullName },
      { ...data, student, canEdit: isStaff(actor), hasPersonalData: 'address' in student },
    );
  });

  app.get('/alunos/:id/editar', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const student = await students.get(actorOf(request), idParam(request));
    return showForm(request, reply, student, formOf(student), {});
  });

  app.post('/alunos/:id', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const actor = actorOf(request);
    const current = await students.get(actor, idParam(request));
    const form = readForm(request.body);
    const { input, errors } = toInput(form, canSeePersonalData(actor));
    if (Object.keys(errors).length > 0) return showForm(request, reply, current, form, errors, 400);
    try {
      await students.update(actor, current.id, input);
    } catch (error) {
      return showServiceErrors(request, reply, current, form, error);
    }
    setFlash(request, { kind: 'success', message: 'Dados do aluno atualizados.' });
    return reply.redirect(`/alunos/${current.id}`);
  });

  app.post('/alunos/:id/arquivar', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const student = await students.archive(actorOf(request), idParam(request));
    setFlash(request, { kind: 'success', message: `Aluno "${student.fullName}" arquivado.` });
    return reply.redirect(`/alunos/${student.id}`);
  });

  app.post('/alunos/:id/restaurar', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const student = await students.restore(actorOf(request), idParam(request));
    setFlash(request, { kind: 'success', message: `Aluno "${student.fullName}" restaurado.` });
    return reply.redirect(`/alunos/${student.id}`);
  });
}

function isStaff(actor: Actor): boolean {
  return hasRole(actor, STAFF_ROLES);
}

function idParam(request: FastifyRequest): number {
  const id = Number((request.params as { id?: string }).id);
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) {
    throw new AppError('OMAUM_STUDENT_NOT_FOUND');
  }
  return id;
}

/** A page number from the query string: 1 unless it is a whole number ≥ 1. */
function positiveInt(value: unknown): number {
  const number = typeof value === 'string' ? Number(value) : NaN;
  return Number.isInteger(number) && number >= 1 && number <= 100_000 ? number : 1;
}

/** htmx asks for the results only; a history restore wants the whole page. */
function isFragmentRequest(request: FastifyRequest): boolean {
  const headers = request.headers;
  return headers['hx-request'] === 'true' && headers['hx-history-restore-request'] !== 'true';
}

// ---------------------------------------------------------------------------------------------
// The list

function readListQuery(raw: unknown): ListQuery {
  const query = (raw ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof query[name] === 'string' ? query[name].trim() : '');
  const situation = text('situacao');
  return {
    search: text('busca').slice(0, MAX_SEARCH_LENGTH),
    situation: isSituation(situation) ? situation : null,
    includeArchived: text('arquivados') === '1',
    page: positiveInt(query.pagina),
  };
}

function isSituation(value: string): value is StudentSituation {
  return (SITUATIONS as readonly string[]).includes(value);
}

function filterOf(query: ListQuery) {
  return {
    ...(query.search === '' ? {} : { search: query.search }),
    ...(query.situation === null ? {} : { situation: query.situation }),
    includeArchived: query.includeArchived,
  };
}

function listHref(query: ListQuery, page: number): string {
  const params = new URLSearchParams();
  if (query.search !== '') params.set('busca', query.search);
  if (query.situation !== null) params.set('situacao', query.situation);
  if (query.includeArchived) params.set('arquivados', '1');
  if (page > 1) params.set('pagina', String(page));
  const text = params.toString();
  return text === '' ? '/alunos' : `/alunos?${text}`;
}

function listView(query: ListQuery, items: StudentView[], total: number) {
  const pageCount = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = (query.page - 1) * PAGE_SIZE + 1;
  return {
    students: items,
    total,
    search: query.search,
    situation: query.situation ?? '',
    showArchived: query.includeArchived,
    situations: SITUATIONS,
    page: query.page,
    pageCount,
    range: items.length === 0 ? null : { first, last: first + items.length - 1 },
    previousHref: query.page > 1 ? listHref(query, query.page - 1) : null,
    nextHref: query.page < pageCount ? listHref(query, query.page + 1) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// The form

function emptyForm(): StudentForm {
  const form = Object.fromEntries(FORM_FIELDS.map((name) => [name, ''])) as Record<
    keyof StudentForm,
    string
  >;
  return { ...form, situation: 'active' };
}

function readForm(body: unknown): StudentForm {
  const form = emptyForm();
  for (const name of FORM_FIELDS) form[name] = field(body, name);
  return form;
}

function formOf(student: StudentView): StudentForm {
  return {
    fullName: student.fullName,
    cpf: student.cpf,
    initiaticNumber: student.initiaticNumber,
    initiaticName: student.initiaticName ?? '',
    email: student.email ?? '',
    phone: student.phone ?? '',
    secondaryPhone: student.secondaryPhone ?? '',
    birthDate: brazilianDate(student.birthDate),
    sex: student.sex ?? '',
    situation: student.situation,
    address: student.address ?? '',
    emergencyContacts: student.emergencyContacts ?? '',
    medicalNotes: student.medicalNotes ?? '',
    notes: student.notes ?? '',
  };
}

function brazilianDate(iso: string | null): string {
  if (iso === null) return '';
  const [year, month, day] = iso.split('-');
  return `${day ?? ''}/${month ?? ''}/${year ?? ''}`;
}

function orNull(text: string): string | null {
  return text === '' ? null : text;
}

/**
 * The service's input from what was typed, and the problems the API's own
 * schema would have refused (formats and lengths), in pt-BR, by field.
 */
function toInput(
  form: StudentForm,
  withPersonalData: boolean,
): { input: CreateStudentBody; errors: Errors } {
  const errors: Errors = {};
  for (const name of REQUIRED_FIELDS) {
    if (form[name] === '') errors[name] = 'Campo obrigatório.';
  }
  const birthDate = form.birthDate === '' ? null : parseBrazilianDate(form.birthDate);
  if (form.birthDate !== '' && birthDate === null) {
    errors.birthDate = 'Data inválida (use dd/mm/aaaa).';
  }
  const input: CreateStudentBody = {
    fullName: form.fullName,
    cpf: form.cpf,
    initiaticNumber: form.initiaticNumber,
    initiaticName: orNull(form.initiaticName),
    email: orNull(form.email),
    phone: orNull(form.phone),
    secondaryPhone: orNull(form.secondaryPhone),
    birthDate,
    sex: (SEXES as readonly string[]).includes(form.sex) ? (form.sex as 'M' | 'F' | 'O') : null,
    situation: isSituation(form.situation) ? form.situation : 'active',
    notes: orNull(form.notes),
    ...(withPersonalData ? personalInput(form) : {}),
  };
  const found = { ...schemaErrors(input), ...errors };
  // Shown with the others, so that one round of corrections is enough.
  if (Object.keys(found).length > 0 && !found.cpf && !isValidCpf(form.cpf)) {
    found.cpf = WRONG_CPF_DIGITS;
  }
  return { input, errors: found };
}

function personalInput(form: StudentForm) {
  return {
    address: orNull(form.address),
    emergencyContacts: orNull(form.emergencyContacts),
    medicalNotes: orNull(form.medicalNotes),
  };
}

function schemaErrors(input: CreateStudentBody): Errors {
  const errors: Errors = {};
  for (const problem of Value.Errors(CreateStudentSchema, input)) {
    const name = problem.instancePath.split('/')[1];
    if (!name || errors[name]) continue;
    errors[name] = schemaMessage(name, problem.keyword, problem.params);
  }
  return errors;
}

function schemaMessage(name: string, keyword: string, params: object): string {
  if (name === 'cpf') return 'CPF inválido: use 11 dígitos, como 123.456.789-09.';
  if (name === 'email') return 'E-mail inválido.';
  if (name === 'phone' || name === 'secondaryPhone') {
    return 'Telefone inválido: use números, espaços e + ( ) - . /';
  }
  if (keyword === 'minLength') return 'Não pode ficar em branco.';
  const limit = (params as { limit?: unknown }).limit;
  if (keyword === 'maxLength' && typeof limit === 'number') {
    return `Texto longo demais: no máximo ${limit} caracteres.`;
  }
  return 'Valor inválido.';
}

const DUPLICATE_PT: Errors = {
  cpf: 'Outro aluno já tem este CPF.',
  initiaticNumber: 'Outro aluno já tem este número iniciático.',
  email: 'Outro aluno já tem este e-mail.',
};

/** The service's refusal as messages beside the fields (or above the form). */
function serviceErrors(error: AppError): Errors {
  const errors: Errors = {};
  for (const [name, message] of Object.entries(fieldErrors(error) ?? {})) {
    errors[name] = messageFor(error.code, name, message);
  }
  if (Object.keys(errors).length === 0) errors.form = MESSAGES_PT[error.code];
  return errors;
}

function messageFor(code: string, name: string, message: string): string {
  if (code === 'OMAUM_STUDENT_DUPLICATE') return DUPLICATE_PT[name] ?? MESSAGES_PT[code];
  if (name === 'cpf' && /check digits/.test(message)) {
    return WRONG_CPF_DIGITS;
  }
  if (name === 'cpf') return 'CPF inválido: use 11 dígitos, como 123.456.789-09.';
  if (name === 'birthDate' && /future/.test(message)) {
    return 'A data de nascimento não pode estar no futuro.';
  }
  return fieldMessagePt(message);
}

function showServiceErrors(
  request: FastifyRequest,
  reply: FastifyReply,
  student: StudentView | null,
  form: StudentForm,
  error: unknown,
) {
  if (!(error instanceof AppError)) throw error;
  return showForm(request, reply, student, form, serviceErrors(error), error.statusCode);
}

function showForm(
  request: FastifyRequest,
  reply: FastifyReply,
  student: StudentView | null,
  form: StudentForm,
  errors: Errors,
  status = 200,
) {
  const actor = actorOf(request);
  const title = student === null ? 'Novo aluno' : 'Editar aluno';
  const hasFieldErrors = Object.keys(errors).some((name) => name !== 'form');
  const data = {
    student,
    form,
    errors,
    summary: hasFieldErrors ? 'Corrija os campos indicados abaixo.' : null,
    withPersonalData: canSeePersonalData(actor),
    situationOptions: SITUATIONS.map((value) => ({ value, label: label('situation', value) })),
    sexOptions: SEXES.map((value) => ({ value, label: label('sex', value) })),
  };
  return renderPage(request, reply, 'students/form', { title, status }, data);
}
