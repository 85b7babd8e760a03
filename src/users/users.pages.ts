import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Value } from 'typebox/value';

import { actorOf } from '../auth/access.plugin.ts';
import type { Actor } from '../auth/actor.ts';
import type { Role } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Services } from '../services.ts';
import { formatDateTime, label } from '../web/format.ts';
import { fieldMessagePt, MESSAGES_PT } from '../web/messages.ts';
import { field, renderPage, setFlash } from '../web/page.ts';
import { fieldErrors } from '../web/web.plugin.ts';
import type { CreateUserInput, PublicUser } from './users.service.ts';
import { CreateUserBody, ROLES } from './users.schemas.ts';

const ADMIN: readonly Role[] = ['admin'];
const LIST_SIZE = 200;
// The institution's default time zone (product spec); pages have no config of their own.

const INSTRUCTOR_NEEDS_STUDENT = 'Um instrutor precisa estar ligado ao seu cadastro de aluno.';

type Errors = Record<string, string>;

interface UserForm {
  email: string;
  name: string;
  role: string;
  studentId: string;
  password: string;
}

interface Option {
  readonly value: string;
  readonly label: string;
}

/** User accounts ("Usuários"): admins only. */
export async function userPages(app: FastifyInstance, services: Services): Promise<void> {
  const { users } = services;

  app.get('/usuarios', { config: { access: ADMIN } }, async (request, reply) => {
    const actor = actorOf(request);
    const page = await users.list(actor, {}, { limit: LIST_SIZE, offset: 0 });
    const now = new Date().toISOString();
    const rows = page.items.map((user) => ({
      ...user,
      roleLabel: label('role', user.role),
      isLocked: user.lockedUntil !== null && user.lockedUntil > now,
      isSelf: user.id === actor.userId,
      lastSignIn: user.lastSignInAt ? formatDateTime(user.lastSignInAt, services.timeZone) : '—',
    }));
    const data = { users: rows, total: page.total, shown: rows.length };
    return renderPage(request, reply, 'users/list', { title: 'Usuários' }, data);
  });

  app.get('/usuarios/novo', { config: { access: ADMIN } }, async (request, reply) => {
    const form = { email: '', name: '', role: 'secretary', studentId: '', password: '' };
    return showCreateForm(request, reply, services, form, {});
  });

  app.post('/usuarios', { config: { access: ADMIN } }, async (request, reply) => {
    const form = readForm(request.body);
    const { input, errors } = toCreateInput(form);
    if (input === null) return showCreateForm(request, reply, services, form, errors, 400);
    let user: PublicUser;
    try {
      user = await users.create(actorOf(request), input);
    } catch (error) {
      const status = error instanceof AppError ? error.statusCode : 500;
      return showCreateForm(request, reply, services, form, serviceErrors(error), status);
    }
    setFlash(request, {
      kind: 'success',
      message: `Usuário ${user.email} criado. A senha inicial deve ser trocada no primeiro acesso.`,
    });
    return reply.redirect('/usuarios');
  });

  app.get('/usuarios/:id/editar', { config: { access: ADMIN } }, async (request, reply) => {
    const user = await users.get(actorOf(request), idParam(request));
    const form = { ...formOf(user), password: '' };
    return showEditForm(request, reply, services, user, form, {});
  });

  app.post('/usuarios/:id', { config: { access: ADMIN } }, async (request, reply) => {
    const actor = actorOf(request);
    const user = await users.get(actor, idParam(request));
    const form = { ...readForm(request.body), email: user.email, password: '' };
    const { studentId, errors } = readStudentId(form);
    if (!isRole(form.role)) errors.role = 'Escolha um perfil.';
    if (form.name === '') errors.name = 'Não pode ficar em branco.';
    if (Object.keys(errors).length > 0 || !isRole(form.role)) {
      return showEditForm(request, reply, services, user, form, errors, 400);
    }
    try {
      await users.update(actor, user.id, { name: form.name, role: form.role, studentId });
    } catch (error) {
      const status = error instanceof AppError ? error.statusCode : 500;
      return showEditForm(request, reply, services, user, form, serviceErrors(error), status);
    }
    setFlash(request, { kind: 'success', message: `Usuário ${user.email} atualizado.` });
    return reply.redirect('/usuarios');
  });

  app.post('/usuarios/:id/senha', { config: { access: ADMIN } }, async (request, reply) => {
    const actor = actorOf(request);
    const user = await users.get(actor, idParam(request));
    const password = field(request.body, 'password');
    const form = { ...formOf(user), password: '' };
    if (password === '') {
      const errors = { password: 'Informe a nova senha.' };
      return showEditForm(request, reply, services, user, form, errors, 400);
    }
    try {
      await users.update(actor, user.id, { password });
    } catch (error) {
      const status = error instanceof AppError ? error.statusCode : 500;
      return showEditForm(request, reply, services, user, form, serviceErrors(error), status);
    }
    const message = `Senha de ${user.email} redefinida; será pedida uma nova no próximo acesso.`;
    setFlash(request, { kind: 'success', message });
    return reply.redirect('/usuarios');
  });

  app.post('/usuarios/:id/ativar', { config: { access: ADMIN } }, (request, reply) =>
    setActive(request, reply, services, true),
  );

  app.post('/usuarios/:id/desativar', { config: { access: ADMIN } }, (request, reply) =>
    setActive(request, reply, services, false),
  );
}

async function setActive(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  isActive: boolean,
) {
  try {
    const user = await services.users.update(actorOf(request), idParam(request), { isActive });
    const message = `Usuário ${user.email} ${isActive ? 'ativado' : 'desativado'}.`;
    setFlash(request, { kind: 'success', message });
  } catch (error) {
    if (!(error instanceof AppError) || error.statusCode === 404) throw error;
    setFlash(request, { kind: 'error', message: MESSAGES_PT[error.code] });
  }
  return reply.redirect('/usuarios');
}

function idParam(request: FastifyRequest): number {
  const id = Number((request.params as { id?: string }).id);
  if (!Number.isInteger(id) || id < 1 || id > 2_147_483_647) {
    throw new AppError('OMAUM_USER_NOT_FOUND');
  }
  return id;
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

function readForm(body: unknown): UserForm {
  return {
    email: field(body, 'email'),
    name: field(body, 'name'),
    role: field(body, 'role'),
    studentId: field(body, 'studentId'),
    // Passwords are taken as typed: spaces may be part of them.
    password: rawField(body, 'password'),
  };
}

function rawField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : '';
}

function formOf(user: PublicUser): Omit<UserForm, 'password'> {
  return {
    email: user.email,
    name: user.name,
    role: user.role,
    studentId: user.studentId === null ? '' : String(user.studentId),
  };
}

function readStudentId(form: UserForm): { studentId: number | null; errors: Errors } {
  if (form.studentId === '') return { studentId: null, errors: {} };
  const studentId = Number(form.studentId);
  if (Number.isInteger(studentId) && studentId >= 1 && studentId <= 2_147_483_647) {
    return { studentId, errors: {} };
  }
  return { studentId: null, errors: { studentId: 'Escolha um aluno da lista.' } };
}

/** The service's input, or the problems the API's schema would have refused, by field. */
function toCreateInput(form: UserForm): { input: CreateUserInput | null; errors: Errors } {
  const { studentId, errors } = readStudentId(form);
  const candidate = {
    email: form.email,
    name: form.name,
    role: form.role,
    password: form.password,
    studentId,
    mustChangePassword: true,
  };
  for (const problem of Value.Errors(CreateUserBody, candidate)) {
    const name = problem.instancePath.split('/')[1];
    if (name && !errors[name]) errors[name] = schemaMessage(name, problem.keyword);
  }
  if (form.email === '') errors.email = 'Campo obrigatório.';
  // Said now, with the rest, rather than after the other fields are fixed.
  if (form.role === 'instructor' && form.studentId === '' && Object.keys(errors).length > 0) {
    errors.studentId = INSTRUCTOR_NEEDS_STUDENT;
  }
  if (Object.keys(errors).length > 0 || !isRole(form.role)) return { input: null, errors };
  return { input: { ...candidate, role: form.role }, errors };
}

function schemaMessage(name: string, keyword: string): string {
  if (name === 'email') return 'E-mail inválido.';
  if (name === 'role') return 'Escolha um perfil.';
  if (name === 'password' && keyword === 'minLength') return 'Informe a senha inicial.';
  if (keyword === 'minLength') return 'Não pode ficar em branco.';
  if (keyword === 'maxLength') return 'Texto longo demais.';
  return 'Valor inválido.';
}

function serviceErrors(error: unknown): Errors {
  if (!(error instanceof AppError)) throw error;
  const errors: Errors = {};
  for (const [name, message] of Object.entries(fieldErrors(error) ?? {})) {
    errors[name] = fieldMessage(error.code, name, message);
  }
  if (Object.keys(errors).length === 0) errors.form = MESSAGES_PT[error.code];
  return errors;
}

function fieldMessage(code: string, name: string, message: string): string {
  if (code === 'OMAUM_USER_DUPLICATE') return MESSAGES_PT.OMAUM_USER_DUPLICATE;
  if (name === 'studentId' && /instructor/.test(message)) {
    return INSTRUCTOR_NEEDS_STUDENT;
  }
  if (name === 'studentId') return 'Aluno não encontrado.';
  if (name === 'password' && /easy to guess/.test(message)) {
    return 'Senha fácil demais de adivinhar; escolha outra.';
  }
  return fieldMessagePt(message);
}

/** Active students to link an instructor to, plus whoever is linked now. */
async function studentOptions(
  services: Services,
  actor: Actor,
  linkedId: number | null,
): Promise<Option[]> {
  const page = await services.students.list(
    actor,
    { situation: 'active' },
    { limit: 2000, offset: 0 },
  );
  const students = [...page.items];
  if (linkedId !== null && !students.some((student) => student.id === linkedId)) {
    students.unshift(await services.students.get(actor, linkedId));
  }
  return students.map((student) => ({
    value: String(student.id),
    label: `${student.fullName} (${student.initiaticNumber})`,
  }));
}

function roleOptions(): Option[] {
  return ROLES.map((role) => ({ value: role, label: label('role', role) }));
}

async function showCreateForm(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  form: UserForm,
  errors: Errors,
  status = 200,
) {
  const actor = actorOf(request);
  const data = {
    form: { ...form, password: '' },
    errors,
    roleOptions: roleOptions(),
    studentOptions: await studentOptions(services, actor, null),
  };
  return renderPage(request, reply, 'users/form', { title: 'Novo usuário', status }, data);
}

async function showEditForm(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  user: PublicUser,
  form: UserForm,
  errors: Errors,
  status = 200,
) {
  const actor = actorOf(request);
  const data = {
    user,
    form: { ...form, password: '' },
    errors,
    roleOptions: roleOptions(),
    studentOptions: await studentOptions(services, actor, user.studentId),
    isSelf: user.id === actor.userId,
  };
  return renderPage(request, reply, 'users/edit', { title: 'Editar usuário', status }, data);
}
