import type { FastifyReply, FastifyRequest } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import { STAFF_ROLES, hasRole } from '../auth/actor.ts';
import type { CohortEnrollment } from '../enrollments/enrollments.repo.ts';
import type { Activity } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { ErrorCode } from '../platform/errors/catalogue.ts';
import type { Services } from '../services.ts';
import * as format from '../web/format.ts';
import { renderPage } from '../web/page.ts';
import type { FormErrors } from './cohort-form.ts';
import { currentMonth, todayIso } from '../web/time.ts';

const ALL: { limit: number; offset: number } = { limit: 500, offset: 0 };

export interface ActivityDraft {
  readonly name: string;
  readonly kind: string;
  readonly mode: string;
}

/** The activities block of a cohort page; also answered alone to htmx. */
export interface ActivitySection {
  readonly cohortId: number;
  readonly activities: readonly Activity[];
  readonly canEdit: boolean;
  /** What the "add" form shows (kept after an error). */
  readonly draft: ActivityDraft;
  /** Errors of the "add" form by field, and `form` for the block. */
  readonly errors: FormErrors;
  /** A rename that was refused: the name typed and why. */
  readonly rename: { readonly id: number; readonly value: string; readonly error: string } | null;
  /** What just happened, announced to screen readers. */
  readonly status: string | null;
}

/** The enrollments block of a cohort page. */
export interface EnrollmentSection {
  readonly cohortId: number;
  readonly enrollments: readonly CohortEnrollment[];
  readonly canEdit: boolean;
  /** Today as `dd/mm/aaaa`: the default end date. */
  readonly today: string;
  /** An end that was refused: the date typed and why. */
  readonly ending: { readonly id: number; readonly value: string; readonly error: string } | null;
}

export const EMPTY_DRAFT: ActivityDraft = { name: '', kind: 'service', mode: 'convocation' };

/** A positive integer route parameter, or the not-found error given. */
export function numberParam(request: FastifyRequest, name: string, code: ErrorCode): number {
  const value = Number((request.params as Record<string, string | undefined>)[name]);
  if (!Number.isSafeInteger(value) || value < 1) throw new AppError(code);
  return value;
}

export function cohortIdParam(request: FastifyRequest): number {
  return numberParam(request, 'id', 'OMAUM_COHORT_NOT_FOUND');
}

export function isHtmx(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true';
}

export function canEdit(request: FastifyRequest): boolean {
  return hasRole(actorOf(request), STAFF_ROLES);
}

/** A template without the layout (an htmx swap), with the CSRF token and formatters. */
export async function renderFragment(
  reply: FastifyReply,
  template: string,
  data: Record<string, unknown>,
): Promise<FastifyReply> {
  const html = await reply.viewAsync(template, {
    ...data,
    csrfToken: reply.generateCsrf(),
    fmt: format,
  });
  return reply
    .code(200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(html);
}

export async function loadActivitySection(
  request: FastifyRequest,
  services: Services,
  cohortId: number,
  changes: Partial<ActivitySection> = {},
): Promise<ActivitySection> {
  const page = await services.activities.list(actorOf(request), cohortId, {}, ALL);
  return {
    cohortId,
    activities: page.items,
    canEdit: canEdit(request),
    draft: EMPTY_DRAFT,
    errors: {},
    rename: null,
    status: null,
    ...changes,
  };
}

async function loadEnrollmentSection(
  request: FastifyRequest,
  services: Services,
  cohortId: number,
  changes: Partial<EnrollmentSection>,
): Promise<EnrollmentSection> {
  const page = await services.enrollments.listForCohort(actorOf(request), cohortId, {}, ALL);
  return {
    cohortId,
    enrollments: page.items,
    canEdit: canEdit(request),
    today: format.formatDate(todayIso(services)),
    ending: null,
    ...changes,
  };
}

export interface CohortPageChanges {
  readonly activities?: Partial<ActivitySection>;
  readonly enrollments?: Partial<EnrollmentSection>;
  readonly status?: number;
}

/** The cohort page ("Turma"): header, instructors, thresholds, activities, enrollments. */
export async function showCohortPage(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  cohortId: number,
  changes: CohortPageChanges = {},
): Promise<FastifyReply> {
  const cohort = await services.cohorts.get(actorOf(request), cohortId);
  // An archived cohort refuses changes: its page offers none.
  const editable = { canEdit: canEdit(request) && cohort.archivedAt === null };
  const activitySection = await loadActivitySection(request, services, cohortId, {
    ...editable,
    ...changes.activities,
  });
  const enrollmentSection = await loadEnrollmentSection(
    request,
    services,
    cohortId,
    changes.enrollments ?? {},
  );
  const activeCount = enrollmentSection.enrollments.filter((e) => e.status === 'active').length;
  const options = { title: cohort.name, status: changes.status ?? 200 };
  return renderPage(request, reply, 'cohorts/show', options, {
    cohort,
    activeCount,
    month: currentMonth(services),
    canEdit: canEdit(request),
    activitySection,
    enrollmentSection,
  });
}
