import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { ACTIVITY_KINDS, ACTIVITY_MODES } from '../activities/activities.schemas.ts';
import { actorOf } from '../auth/access.plugin.ts';
import { STAFF_ROLES } from '../auth/actor.ts';
import type { Activity } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Services } from '../services.ts';
import { fieldMessagePt, MESSAGES_PT } from '../web/messages.ts';
import { field, setFlash } from '../web/page.ts';
import { fieldErrors } from '../web/web.plugin.ts';
import type { FormErrors } from './cohort-form.ts';
import type { ActivityDraft, ActivitySection } from './cohort-page.ts';
import {
  cohortIdParam,
  isHtmx,
  loadActivitySection,
  numberParam,
  renderFragment,
  showCohortPage,
} from './cohort-page.ts';

const NAME_LIMIT = 120;

/** What a change did: a message to show, or the block's state to show again with errors. */
type Outcome =
  | { readonly ok: true; readonly message: string }
  | { readonly ok: false; readonly status: number; readonly changes: Partial<ActivitySection> };

/**
 * A cohort's activities on its page: add, rename, move up or down, archive.
 * Forms post normally; with htmx the block is swapped in place.
 */
export async function cohortActivityPages(app: FastifyInstance, services: Services) {
  const { activities } = services;
  const staff = { config: { access: STAFF_ROLES } };

  app.post('/turmas/:id/atividades', staff, async (request, reply) => {
    const cohortId = cohortIdParam(request);
    const draft = readDraft(request.body);
    const outcome = await attempt(
      () => addActivity(request, services, cohortId, draft),
      (errors) => ({ draft, errors }),
    );
    return answer(request, reply, services, cohortId, outcome);
  });

  app.post('/turmas/:id/atividades/:atividade/renomear', staff, async (request, reply) => {
    const cohortId = cohortIdParam(request);
    const activity = await activityOf(request, services, cohortId);
    const name = field(request.body, 'name');
    const outcome = await attempt(
      async () => {
        checkName(name);
        await activities.update(actorOf(request), activity.id, { name });
        return `Atividade "${activity.name}" renomeada para "${name}".`;
      },
      (errors) => ({
        rename: { id: activity.id, value: name, error: errors.name ?? errors.form ?? '' },
      }),
    );
    return answer(request, reply, services, cohortId, outcome);
  });

  app.post('/turmas/:id/atividades/:atividade/mover', staff, async (request, reply) => {
    const cohortId = cohortIdParam(request);
    const activity = await activityOf(request, services, cohortId);
    const isUp = field(request.body, 'direcao') === 'subir';
    const position = Math.max(1, activity.position + (isUp ? -1 : 1));
    const outcome = await attempt(
      async () => {
        await activities.update(actorOf(request), activity.id, { position });
        return `Atividade "${activity.name}" movida para a posição ${position}.`;
      },
      (errors) => ({ errors: { form: formMessage(errors) } }),
    );
    return answer(request, reply, services, cohortId, outcome);
  });

  app.post('/turmas/:id/atividades/:atividade/arquivar', staff, async (request, reply) => {
    const cohortId = cohortIdParam(request);
    const activity = await activityOf(request, services, cohortId);
    const outcome = await attempt(
      async () => {
        await activities.archive(actorOf(request), activity.id);
        return `Atividade "${activity.name}" arquivada.`;
      },
      (errors) => ({ errors: { form: formMessage(errors) } }),
    );
    return answer(request, reply, services, cohortId, outcome);
  });
}

function readDraft(body: unknown): ActivityDraft {
  return { name: field(body, 'name'), kind: field(body, 'kind'), mode: field(body, 'mode') };
}

async function addActivity(
  request: FastifyRequest,
  services: Services,
  cohortId: number,
  draft: ActivityDraft,
): Promise<string> {
  checkName(draft.name);
  const kind = ACTIVITY_KINDS.find((value) => value === draft.kind);
  const mode = ACTIVITY_MODES.find((value) => value === draft.mode);
  if (!kind || !mode) {
    throw new AppError('OMAUM_REQUEST_INVALID', 'kind or mode', [
      ...(kind ? [] : [{ field: 'kind', message: 'choose' }]),
      ...(mode ? [] : [{ field: 'mode', message: 'choose' }]),
    ]);
  }
  const name = draft.name;
  await services.activities.create(actorOf(request), cohortId, { name, kind, mode });
  return `Atividade "${name}" adicionada.`;
}

/** The page's own checks, with the service's field names so errors land in the same place. */
function checkName(name: string): void {
  if (name.length <= NAME_LIMIT) return;
  throw new AppError('OMAUM_REQUEST_INVALID', 'name too long', [
    { field: 'name', message: `at most ${NAME_LIMIT}` },
  ]);
}

async function activityOf(
  request: FastifyRequest,
  services: Services,
  cohortId: number,
): Promise<Activity> {
  const id = numberParam(request, 'atividade', 'OMAUM_ACTIVITY_NOT_FOUND');
  const activity = await services.activities.get(actorOf(request), id);
  if (activity.cohortId !== cohortId) throw new AppError('OMAUM_ACTIVITY_NOT_FOUND');
  return activity;
}

async function attempt(
  change: () => Promise<string>,
  toChanges: (errors: FormErrors) => Partial<ActivitySection>,
): Promise<Outcome> {
  try {
    return { ok: true, message: await change() };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ok: false, status: error.statusCode, changes: toChanges(errorsPt(error)) };
  }
}

function errorsPt(error: AppError): FormErrors {
  const errors: FormErrors = {};
  for (const [name, message] of Object.entries(fieldErrors(error) ?? {})) {
    errors[name] = activityMessagePt(message);
  }
  if (error.code === 'OMAUM_ACTIVITY_DUPLICATE') errors.name = MESSAGES_PT[error.code];
  if (Object.keys(errors).length === 0) errors.form = MESSAGES_PT[error.code];
  return errors;
}

function activityMessagePt(message: string): string {
  if (message === 'choose') return 'Escolha da lista.';
  if (message.startsWith('at most')) return `Use no máximo ${NAME_LIMIT} caracteres.`;
  if (/mandatory activity/.test(message)) return MESSAGES_PT.OMAUM_ACTIVITY_MANDATORY_LOCKED;
  return fieldMessagePt(message);
}

function formMessage(errors: FormErrors): string {
  return errors.form ?? Object.values(errors)[0] ?? MESSAGES_PT.OMAUM_REQUEST_INVALID;
}

/**
 * htmx gets the block alone (200 even on a refusal, so that it swaps it in);
 * a plain form gets post/redirect/get, or the whole page with the errors.
 */
async function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  cohortId: number,
  outcome: Outcome,
): Promise<FastifyReply> {
  if (isHtmx(request)) {
    const changes = outcome.ok ? { status: outcome.message } : outcome.changes;
    const section = await loadActivitySection(request, services, cohortId, changes);
    return renderFragment(reply, 'cohorts/activities-swap', { section });
  }
  if (outcome.ok) {
    setFlash(request, { kind: 'success', message: outcome.message });
    return reply.redirect(`/turmas/${cohortId}#atividades`);
  }
  const changes = { activities: outcome.changes, status: outcome.status };
  return showCohortPage(request, reply, services, cohortId, changes);
}
