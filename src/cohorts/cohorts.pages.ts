import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES, STAFF_ROLES } from '../auth/actor.ts';
import type { CohortStatus } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Services } from '../services.ts';
import { label } from '../web/format.ts';
import { renderPage, setFlash } from '../web/page.ts';
import { cohortActivityPages } from './cohort-activities.pages.ts';
import { cohortEnrollmentPages } from './cohort-enrollments.pages.ts';
import type { CohortForm, FormErrors } from './cohort-form.ts';
import {
  COHORT_CHOICES,
  STAFF_FIELDS,
  cohortErrorsPt,
  cohortToForm,
  emptyCohortForm,
  parseCohortForm,
  readCohortForm,
} from './cohort-form.ts';
import { canEdit, cohortIdParam, showCohortPage } from './cohort-page.ts';
import type { CohortView } from './cohorts.repo.ts';
import { COHORT_STATUSES } from './cohorts.schemas.ts';
import type { CreateCohortBody } from './cohorts.schemas.ts';

const PAGE_SIZE = 50;

interface Option {
  readonly value: string;
  readonly label: string;
}

interface ListQuery {
  readonly courseId?: number;
  readonly status?: CohortStatus;
  readonly search: string;
  readonly page: number;
}

/** Cohorts ("Turmas"): list, form, the cohort page with its activities and enrollments. */
export async function cohortPages(app: FastifyInstance, services: Services): Promise<void> {
  const { cohorts } = services;

  app.get('/turmas', { config: { access: ALL_ROLES } }, (request, reply) =>
    showList(request, reply, services),
  );

  app.get('/turmas/nova', { config: { access: STAFF_ROLES } }, (request, reply) =>
    showForm(request, reply, services, { id: null, form: emptyCohortForm(), errors: {} }),
  );

  app.post('/turmas', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const form = readCohortForm(request.body);
    const saved = await save(form, (input) => cohorts.create(actorOf(request), input));
    if (!saved.ok) return showRefusal(request, reply, services, null, form, saved.error);
    setFlash(request, { kind: 'success', message: `Turma "${saved.cohort.name}" criada.` });
    return reply.redirect(`/turmas/${saved.cohort.id}`);
  });

  app.get('/turmas/:id', { config: { access: ALL_ROLES } }, (request, reply) =>
    showCohortPage(request, reply, services, cohortIdParam(request)),
  );

  app.get('/turmas/:id/editar', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const cohort = await cohorts.get(actorOf(request), cohortIdParam(request));
    const state = { id: cohort.id, form: cohortToForm(cohort), errors: {}, cohort };
    return showForm(request, reply, services, state);
  });

  app.post('/turmas/:id', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const id = cohortIdParam(request);
    const form = readCohortForm(request.body);
    const saved = await save(form, (input) => cohorts.update(actorOf(request), id, input));
    if (!saved.ok) return showRefusal(request, reply, services, id, form, saved.error);
    setFlash(request, { kind: 'success', message: 'Turma atualizada.' });
    return reply.redirect(`/turmas/${id}`);
  });

  app.post('/turmas/:id/arquivar', { config: { access: STAFF_ROLES } }, async (request, reply) => {
    const id = cohortIdParam(request);
    const cohort = await cohorts.archive(actorOf(request), id);
    setFlash(request, { kind: 'success', message: `Turma "${cohort.name}" arquivada.` });
    return reply.redirect('/turmas');
  });

  await cohortActivityPages(app, services);
  await cohortEnrollmentPages(app, services);
}

type Saved =
  | { readonly ok: true; readonly cohort: CohortView }
  | { readonly ok: false; readonly error: FormErrors | AppError };

/** Parses the form, then lets the service decide; refusals come back, other errors throw. */
async function save(
  form: CohortForm,
  write: (input: CreateCohortBody) => Promise<CohortView>,
): Promise<Saved> {
  const parsed = parseCohortForm(form);
  if (!parsed.ok) return { ok: false, error: parsed.errors };
  try {
    return { ok: true, cohort: await write(parsed.input) };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error };
    throw error;
  }
}

function showRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  id: number | null,
  form: CohortForm,
  error: FormErrors | AppError,
) {
  if (!(error instanceof AppError)) {
    return showForm(request, reply, services, { id, form, errors: error }, 400);
  }
  const state = { id, form, errors: cohortErrorsPt(error) };
  return showForm(request, reply, services, state, error.statusCode);
}

interface FormState {
  readonly id: number | null;
  readonly form: CohortForm;
  readonly errors: FormErrors;
  /** The cohort being changed: its current people stay choosable. */
  readonly cohort?: CohortView;
}

async function showForm(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  state: FormState,
  status = 200,
) {
  const cohort =
    state.cohort ??
    (state.id === null ? undefined : await services.cohorts.get(actorOf(request), state.id));
  const [courses, people] = await Promise.all([
    courseOptions(request, services, cohort),
    staffOptions(request, services, state.form, cohort),
  ]);
  const title = state.id === null ? 'Nova turma' : `Editar turma ${cohort?.name ?? ''}`.trim();
  return renderPage(
    request,
    reply,
    'cohorts/form',
    { title, status },
    { ...state, courses, people, choices: COHORT_CHOICES },
  );
}

async function courseOptions(
  request: FastifyRequest,
  services: Services,
  cohort: CohortView | undefined,
): Promise<Option[]> {
  const page = await services.courses.list(actorOf(request), {}, { limit: 500, offset: 0 });
  const options = page.items.map((course) => ({ value: String(course.id), label: course.name }));
  if (cohort && !options.some((option) => option.value === String(cohort.courseId))) {
    options.push({ value: String(cohort.courseId), label: cohort.courseName });
  }
  return options;
}

/**
 * Who may hold an instructor role: the active students, plus whoever holds
 * one now or was typed (so the form never silently drops a choice).
 */
async function staffOptions(
  request: FastifyRequest,
  services: Services,
  form: CohortForm,
  cohort: CohortView | undefined,
): Promise<Option[]> {
  const actor = actorOf(request);
  const page = await services.students.list(actor, { situation: 'active' }, LOTS);
  const options: Option[] = page.items.map((student) => ({
    value: String(student.id),
    label: `${student.fullName} (nº ${student.initiaticNumber})`,
  }));
  const known = new Set(options.map((option) => option.value));
  const current = cohort ? currentStaff(cohort) : [];
  for (const person of current) {
    if (known.has(person.value)) continue;
    options.push(person);
    known.add(person.value);
  }
  for (const name of STAFF_FIELDS) {
    const id = form[name];
    if (id === '' || known.has(id)) continue;
    options.push(await typedPerson(request, services, id));
    known.add(id);
  }
  return options;
}

const LOTS = { limit: 500, offset: 0 };

function currentStaff(cohort: CohortView): Option[] {
  const people: [number | null, string | null][] = [
    [cohort.instructorId, cohort.instructorName],
    [cohort.assistantInstructorId, cohort.assistantInstructorName],
    [cohort.aideId, cohort.aideName],
  ];
  return people.flatMap(([id, name]) =>
    id === null ? [] : [{ value: String(id), label: `${name ?? `Aluno ${id}`} (atual)` }],
  );
}

async function typedPerson(
  request: FastifyRequest,
  services: Services,
  id: string,
): Promise<Option> {
  try {
    const student = await services.students.get(actorOf(request), Number(id));
    const situation = label('situation', student.situation);
    return { value: id, label: `${student.fullName} (${situation.toLowerCase()})` };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { value: id, label: `Aluno ${id} (não encontrado)` };
  }
}

function readListQuery(request: FastifyRequest): ListQuery {
  const query = request.query as Record<string, string | undefined>;
  const courseId = Number(query.curso);
  const status = COHORT_STATUSES.find((value) => value === query.situacao);
  const page = Number(query.pagina);
  return {
    ...(Number.isSafeInteger(courseId) && courseId > 0 ? { courseId } : {}),
    ...(status ? { status } : {}),
    search: (query.busca ?? '').trim().slice(0, 100),
    page: Number.isSafeInteger(page) && page > 1 ? page : 1,
  };
}

async function showList(request: FastifyRequest, reply: FastifyReply, services: Services) {
  const actor = actorOf(request);
  const query = readListQuery(request);
  const filter = {
    ...(query.courseId === undefined ? {} : { courseId: query.courseId }),
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.search === '' ? {} : { search: query.search }),
  };
  const offset = (query.page - 1) * PAGE_SIZE;
  const page = await services.cohorts.list(actor, filter, { limit: PAGE_SIZE, offset });
  const enrolled = await Promise.all(
    page.items.map(async (cohort) => {
      const active = await services.enrollments.listForCohort(
        actor,
        cohort.id,
        { status: 'active' },
        { limit: 1, offset: 0 },
      );
      return active.total;
    }),
  );
  const courses = await courseOptions(request, services, undefined);
  return renderPage(
    request,
    reply,
    'cohorts/list',
    { title: 'Turmas' },
    {
      cohorts: page.items.map((cohort, index) => ({ ...cohort, enrolled: enrolled[index] ?? 0 })),
      total: page.total,
      query,
      courses,
      statuses: COHORT_CHOICES.statuses,
      pages: Math.max(1, Math.ceil(page.total / PAGE_SIZE)),
      pageLink: (number: number) => listLink(query, number),
      canEdit: canEdit(request),
    },
  );
}

function listLink(query: ListQuery, page: number): string {
  const params = new URLSearchParams();
  if (query.courseId !== undefined) params.set('curso', String(query.courseId));
  if (query.status !== undefined) params.set('situacao', query.status);
  if (query.search !== '') params.set('busca', query.search);
  if (page > 1) params.set('pagina', String(page));
  const text = params.toString();
  return text === '' ? '/turmas' : `/turmas?${text}`;
}
