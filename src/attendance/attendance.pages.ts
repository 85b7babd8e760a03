import type { FastifyInstance, FastifyRequest } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, hasRole } from '../auth/actor.ts';
import type { CohortView } from '../cohorts/cohorts.repo.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { ErrorCode } from '../platform/errors/catalogue.ts';
import type { Services } from '../services.ts';
import { ATTENDANCE_ROLES } from '../sessions/sessions.service.ts';
import { formatMonth } from '../web/format.ts';
import { MESSAGES_PT } from '../web/messages.ts';
import { PageError } from '../web/page-error.ts';
import { renderPage } from '../web/page.ts';
import { currentMonth, todayIso } from '../web/time.ts';
import { isValidMonth, monthsBetween } from './calendar.ts';

/** Error codes the grid's script may meet, with their pt-BR text. */
const GRID_MESSAGE_CODES: readonly ErrorCode[] = [
  'OMAUM_AUTH_REQUIRED',
  'OMAUM_AUTH_TOKEN_INVALID',
  'OMAUM_AUTH_FORBIDDEN',
  'OMAUM_AUTH_CSRF_INVALID',
  'OMAUM_REQUEST_INVALID',
  'OMAUM_COHORT_NOT_FOUND',
  'OMAUM_COHORT_ARCHIVED',
  'OMAUM_ACTIVITY_NOT_FOUND',
  'OMAUM_SESSION_NOT_FOUND',
  'OMAUM_SESSION_HAS_MARKS',
  'OMAUM_SESSION_DUPLICATE',
  'OMAUM_SESSION_NOT_ALLOWED',
  'OMAUM_MARK_STUDENT_UNKNOWN',
  'OMAUM_MARK_RULE_VIOLATION',
  'OMAUM_MARK_VERSION_CONFLICT',
  'OMAUM_INTERNAL',
  'OMAUM_UNAVAILABLE',
];

/** `2026-03` and a number of months → another `YYYY-MM`. */
export function addMonths(month: string, count: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + count;
  const year = String(Math.floor(index / 12)).padStart(4, '0');
  const number = String((index % 12) + 1).padStart(2, '0');
  return `${year}-${number}`;
}

/** A `YYYY-MM` from the address, or a 400 page in Portuguese. */
export function monthParam(text: string | undefined): string {
  if (text !== undefined && isValidMonth(text)) return text;
  throw new PageError('OMAUM_REQUEST_INVALID', 'Mês inválido no endereço: use aaaa-mm.');
}

/** `:id` of the address; anything else is a cohort that does not exist. */
export function cohortIdParam(request: FastifyRequest): number {
  const id = Number((request.params as { id?: string }).id);
  if (!Number.isSafeInteger(id) || id < 1 || id > 2147483647) {
    throw new AppError('OMAUM_COHORT_NOT_FOUND');
  }
  return id;
}

/**
 * Months a picker offers: the cohort's life, widened to include `shown` and
 * the current month `now`.
 */
export function monthOptions(cohort: CohortView, shown: readonly string[], now: string) {
  const start = [cohort.initiationDate, cohort.activitiesStartDate, cohort.firstLessonDate]
    .filter((date): date is string => date !== null)
    .sort()[0];
  const first = [start?.slice(0, 7) ?? addMonths(now, -12), ...shown].sort()[0] ?? now;
  const last = [cohort.endDate?.slice(0, 7) ?? now, addMonths(now, 2), ...shown].sort().at(-1);
  // At most ten years, the most recent ones, so a wrong date cannot make a huge list.
  const months = monthsBetween(first, last ?? now).slice(-120);
  return months.reverse().map((value) => ({ value, label: formatMonth(value) }));
}

/**
 * JSON for a `<script type="application/json">` data island: `<` and `>` are
 * escaped so a name containing `</script>` cannot end the element.
 */
export function dataIsland(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

async function cohortChoices(services: Services, actor: Actor) {
  const page = await services.cohorts.list(actor, {}, { limit: 500, offset: 0 });
  return page.items.map((cohort) => ({ id: cohort.id, name: cohort.name }));
}

/** `03/2026` or `2026-03` from a picker → `2026-03`, or null. */
function pickedMonth(text: string | undefined): string | null {
  const value = (text ?? '').trim();
  if (isValidMonth(value)) return value;
  const match = /^(\d{1,2})\/(\d{4})$/.exec(value);
  if (!match) return null;
  const month = `${match[2]}-${(match[1] ?? '').padStart(2, '0')}`;
  return isValidMonth(month) ? month : null;
}

/** The attendance grid ("Frequência") of a cohort and month, and how to get there. */
export async function attendancePages(app: FastifyInstance, services: Services): Promise<void> {
  app.get('/frequencia', { config: { access: ALL_ROLES } }, async (request, reply) => {
    const query = request.query as { turma?: string; mes?: string };
    const cohortId = Number(query.turma);
    const month = pickedMonth(query.mes) ?? currentMonth(services);
    if (Number.isSafeInteger(cohortId) && cohortId > 0) {
      return reply.redirect(`/turmas/${cohortId}/frequencia/${month}`);
    }
    const cohorts = await cohortChoices(services, actorOf(request));
    return renderPage(
      request,
      reply,
      'attendance/pick',
      { title: 'Frequência' },
      { cohorts, month, monthLabel: formatMonth(month) },
    );
  });

  app.get('/turmas/:id/frequencia', { config: { access: ALL_ROLES } }, async (request, reply) =>
    reply.redirect(`/turmas/${cohortIdParam(request)}/frequencia/${currentMonth(services)}`),
  );

  app.get(
    '/turmas/:id/frequencia/:mes',
    { config: { access: ALL_ROLES } },
    async (request, reply) => {
      const actor = actorOf(request);
      const cohortId = cohortIdParam(request);
      const month = monthParam((request.params as { mes?: string }).mes);
      const [cohort, grid, cohorts] = await Promise.all([
        services.cohorts.get(actor, cohortId),
        services.monthAttendance.read(actor, cohortId, month),
        cohortChoices(services, actor),
      ]);
      const canEdit = hasRole(actor, ATTENDANCE_ROLES) && cohort.archivedAt === null;
      const island = {
        grid,
        cohort: { id: cohort.id, name: cohort.name, minAttendancePct: cohort.minAttendancePct },
        month,
        today: todayIso(services),
        canEdit,
        messages: Object.fromEntries(GRID_MESSAGE_CODES.map((code) => [code, MESSAGES_PT[code]])),
      };
      return renderPage(
        request,
        reply,
        'attendance/grid',
        { title: `Frequência · ${cohort.name}` },
        {
          cohort,
          cohorts,
          month,
          monthLabel: formatMonth(month),
          previousMonth: addMonths(month, -1),
          nextMonth: addMonths(month, 1),
          months: monthOptions(cohort, [month], currentMonth(services)),
          canEdit,
          gridJson: dataIsland(island),
        },
      );
    },
  );
}
