import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import { STAFF_ROLES } from '../auth/actor.ts';
import type { EnrollmentStatus } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { ERRORS } from '../platform/errors/catalogue.ts';
import type { ErrorCode } from '../platform/errors/catalogue.ts';
import { searchKey } from '../platform/text.ts';
import type { Services } from '../services.ts';
import { formatDate, label, parseBrazilianDate } from '../web/format.ts';
import { fieldMessagePt, MESSAGES_PT } from '../web/messages.ts';
import { field, renderPage, setFlash } from '../web/page.ts';
import { fieldErrors } from '../web/web.plugin.ts';
import type { FormErrors } from './cohort-form.ts';
import { cohortIdParam, numberParam, showCohortPage } from './cohort-page.ts';
import { todayIso } from '../web/time.ts';
import type { TimeSource } from '../web/time.ts';

const LOTS = { limit: 500, offset: 0 };

/** A student the bulk form offers. */
interface Candidate {
  readonly id: number;
  readonly fullName: string;
  readonly initiaticName: string | null;
  readonly initiaticNumber: string;
}

/** One student the rules refused, with why in pt-BR. */
interface Refusal {
  readonly studentId: number;
  readonly name: string;
  readonly reason: string;
}

interface EnrollFormState {
  readonly selected: readonly number[];
  readonly enrolledOn: string;
  readonly search: string;
  readonly errors: FormErrors;
  readonly refusals: readonly Refusal[];
}

/**
 * A cohort's enrollments: enrolling many students at once ("Matricular
 * alunos") and ending one enrollment (finished or cancelled) with a date.
 */
export async function cohortEnrollmentPages(app: FastifyInstance, services: Services) {
  const staff = { config: { access: STAFF_ROLES } };

  app.get('/turmas/:id/matricular', staff, async (request, reply) => {
    const busca = (request.query as { busca?: unknown }).busca;
    const search = typeof busca === 'string' ? busca.trim() : '';
    const state = { ...emptyEnrollForm(services), search: search.slice(0, 100) };
    return showEnrollForm(request, reply, services, cohortIdParam(request), state);
  });

  app.post('/turmas/:id/matriculas', staff, async (request, reply) => {
    const cohortId = cohortIdParam(request);
    const state = readEnrollForm(request.body);
    const problems = enrollFormProblems(state);
    if (problems) {
      const invalid = { ...state, errors: problems };
      return showEnrollForm(request, reply, services, cohortId, invalid, 400);
    }
    const enrolledOn = parseBrazilianDate(state.enrolledOn) ?? '';
    try {
      const input = { studentIds: [...state.selected], enrolledOn };
      await services.enrollments.bulkCreate(actorOf(request), cohortId, input);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const refused = await refusedState(request, services, state, error);
      return showEnrollForm(request, reply, services, cohortId, refused, error.statusCode);
    }
    const count = state.selected.length;
    const message = count === 1 ? '1 aluno matriculado.' : `${count} alunos matriculados.`;
    setFlash(request, { kind: 'success', message });
    return reply.redirect(`/turmas/${cohortId}#matriculas`);
  });

  app.post('/turmas/:id/matriculas/:matricula/encerrar', staff, async (request, reply) => {
    const cohortId = cohortIdParam(request);
    const id = numberParam(request, 'matricula', 'OMAUM_ENROLLMENT_NOT_FOUND');
    const enrollment = await services.enrollments.get(actorOf(request), id);
    if (enrollment.cohortId !== cohortId) throw new AppError('OMAUM_ENROLLMENT_NOT_FOUND');

    const status: EnrollmentStatus =
      field(request.body, 'status') === 'cancelled' ? 'cancelled' : 'finished';
    const typed = field(request.body, 'endedOn');
    const endedOn = typed === '' ? todayIso(services) : parseBrazilianDate(typed);
    const refuse = (error: string, code: number) => {
      const ending = { id, value: typed, error };
      return showCohortPage(request, reply, services, cohortId, {
        enrollments: { ending },
        status: code,
      });
    };
    if (endedOn === null) return refuse('Data inválida (use dd/mm/aaaa).', 400);
    try {
      await services.enrollments.update(actorOf(request), id, { status, endedOn });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return refuse(endingMessagePt(error), error.statusCode);
    }
    const done = status === 'cancelled' ? 'cancelada' : 'concluída';
    const message = `Matrícula encerrada (${done}) em ${formatDate(endedOn)}.`;
    setFlash(request, { kind: 'success', message });
    return reply.redirect(`/turmas/${cohortId}#matriculas`);
  });
}

function emptyEnrollForm(time?: TimeSource): EnrollFormState {
  return {
    selected: [],
    enrolledOn: time ? formatDate(todayIso(time)) : '',
    search: '',
    errors: {},
    refusals: [],
  };
}

function readEnrollForm(body: unknown): EnrollFormState {
  const raw = (body as Record<string, unknown> | null)?.studentIds;
  const values = Array.isArray(raw) ? raw : [raw];
  const selected = values
    .map((value) => (typeof value === 'string' ? Number(value) : NaN))
    .filter((value) => Number.isSafeInteger(value) && value > 0);
  return {
    ...emptyEnrollForm(),
    selected: [...new Set(selected)],
    enrolledOn: field(body, 'enrolledOn'),
  };
}

function enrollFormProblems(state: EnrollFormState): FormErrors | null {
  const errors: FormErrors = {};
  if (state.selected.length === 0) errors.studentIds = 'Selecione pelo menos um aluno.';
  if (state.selected.length > 500) errors.studentIds = 'Selecione no máximo 500 alunos.';
  if (state.enrolledOn === '') errors.enrolledOn = 'Campo obrigatório.';
  else if (!parseBrazilianDate(state.enrolledOn)) {
    errors.enrolledOn = 'Data inválida (use dd/mm/aaaa).';
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

/** The form again, with each refused student and why (nobody was enrolled). */
async function refusedState(
  request: FastifyRequest,
  services: Services,
  state: EnrollFormState,
  error: AppError,
): Promise<EnrollFormState> {
  const problems = refusalDetails(error);
  if (problems.length === 0) return { ...state, errors: { form: MESSAGES_PT[error.code] } };
  const names = await namesOf(
    request,
    services,
    problems.map((p) => p.studentId),
  );
  const refusals = problems.map((problem) => ({
    studentId: problem.studentId,
    name: names.get(problem.studentId) ?? `Aluno ${problem.studentId}`,
    reason: refusalReasonPt(problem),
  }));
  const count = refusals.length;
  const form =
    count === 1
      ? 'Um aluno não pode ser matriculado; ninguém foi matriculado.'
      : `${count} alunos não podem ser matriculados; ninguém foi matriculado.`;
  return { ...state, refusals, errors: { form } };
}

interface RefusalDetail {
  readonly studentId: number;
  readonly code: string;
  readonly message: string;
}

function refusalDetails(error: AppError): RefusalDetail[] {
  if (!Array.isArray(error.details)) return [];
  const details: readonly unknown[] = error.details;
  return details.filter(isRefusalDetail);
}

function isRefusalDetail(value: unknown): value is RefusalDetail {
  if (typeof value !== 'object' || value === null) return false;
  const detail = value as Record<string, unknown>;
  return (
    typeof detail.studentId === 'number' &&
    typeof detail.code === 'string' &&
    typeof detail.message === 'string'
  );
}

function refusalReasonPt(detail: RefusalDetail): string {
  const elsewhere = /in the cohort "(.*)"$/.exec(detail.message);
  if (detail.code === 'OMAUM_ENROLLMENT_ACTIVE_ELSEWHERE' && elsewhere) {
    return `Já tem matrícula ativa na turma "${elsewhere[1]}".`;
  }
  if (/is archived$/.test(detail.message)) return 'O aluno está arquivado.';
  const situation = /is (\w+), not active$/.exec(detail.message);
  if (situation) return `O aluno não está ativo (${label('situation', situation[1] ?? '')}).`;
  return isErrorCode(detail.code) ? MESSAGES_PT[detail.code] : 'Não pode ser matriculado.';
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

function endingMessagePt(error: AppError): string {
  const message = Object.values(fieldErrors(error) ?? {})[0];
  if (message === undefined) return MESSAGES_PT[error.code];
  if (/must not be before the start/.test(message)) {
    return 'O término não pode ser anterior à data da matrícula.';
  }
  return fieldMessagePt(message);
}

async function namesOf(
  request: FastifyRequest,
  services: Services,
  ids: readonly number[],
): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  for (const id of ids) {
    try {
      names.set(id, (await services.students.get(actorOf(request), id)).fullName);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
  }
  return names;
}

/**
 * Active students with no enrollment in this cohort, searched by the server
 * when asked (the page's script also filters the list as one types).
 */
async function candidatesFor(
  request: FastifyRequest,
  services: Services,
  cohortId: number,
  search: string,
): Promise<{ candidates: Candidate[]; isTruncated: boolean }> {
  const actor = actorOf(request);
  const filter = { situation: 'active' as const, ...(search === '' ? {} : { search }) };
  const [students, enrolled] = await Promise.all([
    services.students.list(actor, filter, LOTS),
    services.enrollments.listForCohort(actor, cohortId, {}, LOTS),
  ]);
  const taken = new Set(enrolled.items.map((enrollment) => enrollment.studentId));
  const candidates = students.items
    .filter((student) => !taken.has(student.id))
    .map(({ id, fullName, initiaticName, initiaticNumber }) => ({
      id,
      fullName,
      initiaticName,
      initiaticNumber,
    }));
  return { candidates, isTruncated: students.total > students.items.length };
}

async function showEnrollForm(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  cohortId: number,
  state: EnrollFormState,
  status = 200,
): Promise<FastifyReply> {
  const cohort = await services.cohorts.get(actorOf(request), cohortId);
  const { candidates, isTruncated } = await candidatesFor(
    request,
    services,
    cohortId,
    state.search,
  );
  const reasons = new Map(state.refusals.map((refusal) => [refusal.studentId, refusal.reason]));
  return renderPage(
    request,
    reply,
    'cohorts/enroll',
    { title: `Matricular alunos – ${cohort.name}`, status },
    {
      cohort,
      candidates: candidates.map((candidate) => ({
        ...candidate,
        searchText: searchKey(
          [candidate.fullName, candidate.initiaticName ?? '', candidate.initiaticNumber].join(' '),
        ),
        isSelected: state.selected.includes(candidate.id),
        reason: reasons.get(candidate.id) ?? null,
      })),
      isTruncated,
      state,
    },
  );
}
