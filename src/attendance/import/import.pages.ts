import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { actorOf } from '../../auth/access.plugin.ts';
import { cohortIdParam, isHtmx, renderFragment } from '../../cohorts/cohort-page.ts';
import type { CohortView } from '../../cohorts/cohorts.repo.ts';
import type { Db } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors/app-error.ts';
import type { JobState } from '../../platform/jobs/job-queue.ts';
import type { Services } from '../../services.ts';
import { ATTENDANCE_ROLES } from '../../sessions/sessions.service.ts';
import { formatDateTime } from '../../web/format.ts';
import { MESSAGES_PT } from '../../web/messages.ts';
import { field, renderPage } from '../../web/page.ts';
import type { ImportFormat } from './import-parse.ts';
import type { ImportStatus } from './import.service.ts';
import { AttendanceImportService } from './import.service.ts';

type Errors = Record<string, string>;

export const IMPORT_STATE_LABELS: Readonly<Record<JobState, string>> = {
  waiting: 'Na fila',
  delayed: 'Aguardando nova tentativa',
  active: 'Importando…',
  completed: 'Concluída',
  failed: 'Falhou',
};

const FORMATS: readonly { readonly value: ImportFormat; readonly label: string }[] = [
  { value: 'csv', label: 'CSV (colunas separadas por ponto e vírgula)' },
  { value: 'json', label: 'JSON (lista de presenças)' },
];

/** The form as typed, shown again whole after an error. */
interface ImportForm {
  readonly format: string;
  readonly content: string;
  readonly partial: boolean;
}

const EMPTY_FORM: ImportForm = { format: 'csv', content: '', partial: false };

function importPath(cohortId: number): string {
  return `/turmas/${cohortId}/importar-frequencia`;
}

/**
 * `/turmas/:id/importar-frequencia`: marks imported from a CSV or JSON file
 * by a background job, followed on its own page until the per-row report.
 * Whoever may take attendance, within the cohorts the service lets them see.
 */
export async function attendanceImportPages(
  app: FastifyInstance,
  services: Services,
  db: Db,
): Promise<void> {
  const imports = new AttendanceImportService(db, services.jobs);
  const access = { config: { access: ATTENDANCE_ROLES } };

  app.get('/turmas/:id/importar-frequencia', access, async (request, reply) => {
    const cohort = await services.cohorts.get(actorOf(request), cohortIdParam(request));
    return showForm(request, reply, services, { cohort, form: EMPTY_FORM, errors: {} });
  });

  app.post('/turmas/:id/importar-frequencia', access, async (request, reply) => {
    const cohort = await services.cohorts.get(actorOf(request), cohortIdParam(request));
    const form = readForm(request.body);
    const errors = formErrors(form);
    const format = FORMATS.find((choice) => choice.value === form.format)?.value;
    if (Object.keys(errors).length > 0 || !format) {
      return showForm(request, reply, services, { cohort, form, errors }, 400);
    }
    let jobId: string;
    try {
      const input = { format, content: form.content, partial: form.partial };
      ({ jobId } = await imports.request(actorOf(request), cohort.id, input));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const refused = { form: MESSAGES_PT[error.code] };
      return showForm(
        request,
        reply,
        services,
        { cohort, form, errors: refused },
        error.statusCode,
      );
    }
    return reply.redirect(`${importPath(cohort.id)}/${encodeURIComponent(jobId)}`, 303);
  });

  app.get('/turmas/:id/importar-frequencia/:importacao', access, async (request, reply) => {
    const actor = actorOf(request);
    const cohort = await services.cohorts.get(actor, cohortIdParam(request));
    const status = await imports.status(actor, jobIdParam(request));
    if (status.cohortId !== cohort.id) throw new AppError('OMAUM_JOB_NOT_FOUND');
    const view = statusView(status, cohort.id, services.timeZone);
    if (isHtmx(request)) return renderFragment(reply, 'attendance/import-status', { view });
    const title = `Importação de frequência · ${cohort.name}`;
    return renderPage(request, reply, 'attendance/import-show', { title }, { cohort, view });
  });
}

function jobIdParam(request: FastifyRequest): string {
  const value = (request.params as { importacao?: string }).importacao ?? '';
  if (value.length < 1 || value.length > 200) throw new AppError('OMAUM_JOB_NOT_FOUND');
  return value;
}

function readForm(body: unknown): ImportForm {
  const content = (body as Record<string, unknown> | null)?.content;
  return {
    format: field(body, 'format'),
    // As pasted: the spaces and line breaks of a file matter.
    content: typeof content === 'string' ? content : '',
    partial: field(body, 'partial') === 'true',
  };
}

function formErrors(form: ImportForm): Errors {
  const errors: Errors = {};
  if (!FORMATS.some((choice) => choice.value === form.format)) {
    errors.format = 'Escolha CSV ou JSON.';
  }
  if (form.content.trim() === '') {
    errors.content = 'Escolha um arquivo ou cole o conteúdo dele aqui.';
  }
  return errors;
}

interface FormState {
  readonly cohort: CohortView;
  readonly form: ImportForm;
  readonly errors: Errors;
}

function showForm(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  state: FormState,
  status = 200,
) {
  const title = `Importar frequência · ${state.cohort.name}`;
  return renderPage(
    request,
    reply,
    'attendance/import',
    { title, status },
    {
      ...state,
      action: importPath(state.cohort.id),
      formats: FORMATS,
      hasQueue: services.jobs !== null,
    },
  );
}

/** An import as its page shows it. */
function statusView(status: ImportStatus, cohortId: number, timeZone: string) {
  const isFinal = status.state === 'completed' || status.state === 'failed';
  const report = status.report;
  return {
    url: `${importPath(cohortId)}/${encodeURIComponent(status.jobId)}`,
    formUrl: importPath(cohortId),
    state: status.state,
    stateLabel: IMPORT_STATE_LABELS[status.state],
    progress: Math.round(status.progress),
    isFinal,
    mode: status.partial ? 'Importar as linhas válidas' : 'Tudo ou nada',
    created: formatDateTime(status.createdAt, timeZone),
    finished: status.finishedAt ? formatDateTime(status.finishedAt, timeZone) : '',
    failure: status.state === 'failed' ? failureText(status.failedReason) : null,
    report: report && {
      total: report.total,
      saved: report.saved,
      rejected: report.rejected,
      outcome: outcomeText(report.total, report.saved, report.rejected, status.partial),
      rows: report.rows
        .filter((row) => row.status === 'rejected')
        .map((row) => ({ row: row.row, reason: row.reason ?? 'linha rejeitada' })),
    },
  };
}

function failureText(reason: string | null): string {
  return reason ? `A importação falhou: ${reason}` : 'A importação falhou.';
}

/** `1 linha`, `3 linhas`. */
function lines(count: number): string {
  return count === 1 ? '1 linha' : `${count} linhas`;
}

/** What happened to the file, in one or two sentences. */
function outcomeText(total: number, saved: number, rejected: number, partial: boolean): string {
  if (total === 0) return 'O arquivo não tem linhas de presença: nada foi importado.';
  if (rejected === 0) {
    return total === 1
      ? 'A linha do arquivo foi importada.'
      : `As ${total} linhas foram importadas.`;
  }
  const were = rejected === 1 ? 'foi rejeitada' : 'foram rejeitadas';
  const refused = `${lines(rejected)} de ${total} ${were}`;
  if (!partial) {
    return (
      `Nada foi importado: ${refused} e a importação era "tudo ou nada". ` +
      'Corrija as linhas abaixo e importe de novo, ou escolha "Importar as linhas válidas".'
    );
  }
  const kept = saved === 1 ? '1 linha foi importada' : `${saved} linhas foram importadas`;
  return `${kept}; ${refused} e ${rejected === 1 ? 'ficou' : 'ficaram'} de fora.`;
}
