import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES, STAFF_ROLES, hasRole } from '../auth/actor.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Services } from '../services.ts';
import { fieldMessagePt, MESSAGES_PT } from '../web/messages.ts';
import { field, renderPage, setFlash } from '../web/page.ts';
import { fieldErrors } from '../web/web.plugin.ts';

interface CourseForm {
  name: string;
  description: string;
  isActive: boolean;
}

function readForm(body: unknown): CourseForm {
  return {
    name: field(body, 'name'),
    description: field(body, 'description'),
    isActive: field(body, 'isActive') === 'on',
  };
}

function idParam(request: FastifyRequest): number {
  const id = Number((request.params as { id?: string }).id);
  if (!Number.isInteger(id) || id < 1) throw new AppError('OMAUM_COURSE_NOT_FOUND');
  return id;
}

/** Courses ("Cursos"): list, create, change, archive. */
export async function coursePages(app: FastifyInstance, services: Services): Promise<void> {
  const { courses } = services;

  app.get('/cursos', { config: { access: ALL_ROLES } }, async (request, reply) => {
    const query = request.query as { busca?: string; arquivados?: string };
    const page = await courses.list(
      actorOf(request),
      { search: query.busca, includeArchived: query.arquivados === '1' },
      { limit: 200, offset: 0 },
    );
    return renderPage(
      request,
      reply,
      'courses/list',
      { title: 'Cursos' },
      {
        courses: page.items,
        total: page.total,
        search: query.busca ?? '',
        showArchived: query.arquivados === '1',
        canEdit: hasRole(actorOf(request), STAFF_ROLES),
      },
    );
  });

  app.get('/cursos/novo', { config: { access: STAFF_ROLES } }, (request, reply) =>
    showForm(request, reply, null, { name: '', description: '', isActive: true }, {}),
  );

  app.post('/cursos', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const form = readForm(request.body);
    let course;
    try {
      course = await courses.create(actorOf(request), {
        name: form.name,
        description: form.description || null,
        isActive: form.isActive,
      });
    } catch (error) {
      return showErrors(request, reply, null, form, error);
    }
    setFlash(request, { kind: 'success', message: `Curso "${course.name}" criado.` });
    return reply.redirect('/cursos');
  });

  app.get('/cursos/:id/editar', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const course = await courses.get(actorOf(request), idParam(request));
    const form = {
      name: course.name,
      description: course.description ?? '',
      isActive: course.isActive,
    };
    return showForm(request, reply, course.id, form, {});
  });

  app.post('/cursos/:id', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const id = idParam(request);
    const form = readForm(request.body);
    try {
      await courses.update(actorOf(request), id, {
        name: form.name,
        description: form.description || null,
        isActive: form.isActive,
      });
    } catch (error) {
      return showErrors(request, reply, id, form, error);
    }
    setFlash(request, { kind: 'success', message: 'Curso atualizado.' });
    return reply.redirect('/cursos');
  });

  app.post('/cursos/:id/arquivar', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    try {
      const course = await courses.archive(actorOf(request), idParam(request));
      setFlash(request, { kind: 'success', message: `Curso "${course.name}" arquivado.` });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      setFlash(request, { kind: 'error', message: MESSAGES_PT[error.code] });
    }
    return reply.redirect('/cursos');
  });
}

function showForm(
  request: FastifyRequest,
  reply: FastifyReply,
  id: number | null,
  form: CourseForm,
  errors: Record<string, string>,
  status = 200,
) {
  const title = id === null ? 'Novo curso' : 'Editar curso';
  return renderPage(request, reply, 'courses/form', { title, status }, { id, form, errors });
}

function showErrors(
  request: FastifyRequest,
  reply: FastifyReply,
  id: number | null,
  form: CourseForm,
  error: unknown,
) {
  if (!(error instanceof AppError)) throw error;
  const errors: Record<string, string> = {};
  for (const [name, message] of Object.entries(fieldErrors(error) ?? {})) {
    errors[name] = fieldMessagePt(message);
  }
  if (error.code === 'OMAUM_COURSE_DUPLICATE') errors.name = MESSAGES_PT[error.code];
  if (Object.keys(errors).length === 0) errors.form = MESSAGES_PT[error.code];
  return showForm(request, reply, id, form, errors, error.statusCode);
}
