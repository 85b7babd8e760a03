import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Value } from 'typebox/value';

import { actorOf } from '../auth/access.plugin.ts';
import { STAFF_ROLES } from '../auth/actor.ts';
import { cohortIdParam, numberParam } from '../cohorts/cohort-page.ts';
import type { CohortView } from '../cohorts/cohorts.repo.ts';
import type { Db } from '../platform/db/database.ts';
import { AppError } from '../platform/errors/app-error.ts';
import { Email } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import { formatDateTime } from '../web/format.ts';
import { fieldMessagePt, MESSAGES_PT } from '../web/messages.ts';
import { field, renderPage, setFlash } from '../web/page.ts';
import { fieldErrors } from '../web/web.plugin.ts';
import {
  CreateReportScheduleBody,
  MAX_RECIPIENTS,
  REPORT_FORMATS,
  REPORT_KINDS,
} from './report-schedules.schemas.ts';
import type { ReportScheduleView } from './report-schedules.schemas.ts';
import { nextRunAt, ReportSchedulesService, scheduleProblems } from './report-schedules.service.ts';

type Errors = Record<string, string>;
type ReportKind = (typeof REPORT_KINDS)[number];
type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_LABELS: Readonly<Record<ReportKind, string>> = {
  'sheet-month': 'Relatório mensal (mês anterior)',
  'sheet-accumulated': 'Relatório acumulado (até o mês anterior)',
};

export const FORMAT_LABELS: Readonly<Record<ReportFormat, string>> = {
  xlsx: 'Planilha (XLSX)',
  pdf: 'PDF',
  csv: 'CSV',
};

/** The usual moments to send last month's sheet; anything else is typed as cron. */
export const FREQUENCY_PRESETS: readonly { readonly cron: string; readonly label: string }[] = [
  { cron: '0 7 1 * *', label: 'Todo dia 1º, às 07:00' },
  { cron: '0 18 1 * *', label: 'Todo dia 1º, às 18:00' },
  { cron: '0 7 2 * *', label: 'Todo dia 2, às 07:00' },
  { cron: '0 7 5 * *', label: 'Todo dia 5, às 07:00' },
  { cron: '0 7 10 * *', label: 'Todo dia 10, às 07:00' },
];

/** The frequency choice whose cron is typed in the free field. */
const CUSTOM = 'outra';

/** Brazil's zones, offered as suggestions; any IANA zone is accepted. */
const BRAZIL_TIME_ZONES = [
  'America/Sao_Paulo',
  'America/Bahia',
  'America/Fortaleza',
  'America/Recife',
  'America/Maceio',
  'America/Belem',
  'America/Araguaina',
  'America/Santarem',
  'America/Manaus',
  'America/Cuiaba',
  'America/Campo_Grande',
  'America/Porto_Velho',
  'America/Boa_Vista',
  'America/Rio_Branco',
  'America/Eirunepe',
  'America/Noronha',
];

const ALL = { limit: 500, offset: 0 };

/** The form as typed: every value is kept to be shown again after an error. */
interface ScheduleForm {
  readonly report: string;
  readonly format: string;
  readonly recipients: string;
  readonly frequency: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly isActive: boolean;
}

interface FormState {
  readonly cohort: CohortView;
  /** The schedule being changed; null on the "new" form. */
  readonly scheduleId: number | null;
  readonly form: ScheduleForm;
  readonly errors: Errors;
}

function listPath(cohortId: number): string {
  return `/turmas/${cohortId}/envios`;
}

/**
 * `/turmas/:id/envios`: a cohort's report schedules ("Envios programados"),
 * their form, switching them on and off, deleting them and sending one now.
 * Staff only, as the service allows.
 */
export async function reportSchedulePages(
  app: FastifyInstance,
  services: Services,
  db: Db,
): Promise<void> {
  const schedules = new ReportSchedulesService({
    db,
    clock: services.clock,
    jobs: services.jobs,
    timeZone: services.timeZone,
  });
  const staff = { config: { access: STAFF_ROLES } };

  app.get('/turmas/:id/envios', staff, async (request, reply) => {
    const cohort = await services.cohorts.get(actorOf(request), cohortIdParam(request));
    const page = await schedules.list(actorOf(request), cohort.id, ALL);
    const now = services.clock.now();
    const rows = page.items.map((item) => scheduleRow(item, now, services.timeZone));
    const title = `Envios programados · ${cohort.name}`;
    return renderPage(
      request,
      reply,
      'reports/schedules',
      { title },
      {
        cohort,
        rows,
        hasQueue: services.jobs !== null,
        institutionTimeZone: services.timeZone,
      },
    );
  });

  app.get('/turmas/:id/envios/novo', staff, async (request, reply) => {
    const cohort = await services.cohorts.get(actorOf(request), cohortIdParam(request));
    const form = emptyForm(services.timeZone);
    return showForm(request, reply, { cohort, scheduleId: null, form, errors: {} });
  });

  app.post('/turmas/:id/envios', staff, async (request, reply) => {
    const cohort = await services.cohorts.get(actorOf(request), cohortIdParam(request));
    const form = readForm(request.body);
    const parsed = toInput(form, cohort.id);
    const state = { cohort, scheduleId: null, form };
    if (!parsed.input) return showForm(request, reply, { ...state, errors: parsed.errors }, 400);
    try {
      await schedules.create(actorOf(request), parsed.input);
    } catch (error) {
      return showRefusal(request, reply, state, error);
    }
    setFlash(request, { kind: 'success', message: 'Envio programado criado.' });
    return reply.redirect(listPath(cohort.id), 303);
  });

  app.get('/turmas/:id/envios/:envio/editar', staff, async (request, reply) => {
    const { cohort, schedule } = await load(request, services, schedules);
    const state = { cohort, scheduleId: schedule.id, form: scheduleToForm(schedule) };
    return showForm(request, reply, { ...state, errors: {} });
  });

  app.post('/turmas/:id/envios/:envio', staff, async (request, reply) => {
    const { cohort, schedule } = await load(request, services, schedules);
    const form = readForm(request.body);
    const parsed = toInput(form, cohort.id);
    const state = { cohort, scheduleId: schedule.id, form };
    if (!parsed.input) return showForm(request, reply, { ...state, errors: parsed.errors }, 400);
    const { cohortId: _same, ...changes } = parsed.input;
    try {
      await schedules.update(actorOf(request), schedule.id, changes);
    } catch (error) {
      return showRefusal(request, reply, state, error);
    }
    setFlash(request, { kind: 'success', message: 'Envio programado atualizado.' });
    return reply.redirect(listPath(cohort.id), 303);
  });

  for (const [action, isActive] of [
    ['ativar', true],
    ['desativar', false],
  ] as const) {
    app.post(`/turmas/:id/envios/:envio/${action}`, staff, async (request, reply) => {
      const { cohort, schedule } = await load(request, services, schedules);
      await schedules.update(actorOf(request), schedule.id, { isActive });
      const message = isActive ? 'Envio programado ativado.' : 'Envio programado desativado.';
      setFlash(request, { kind: 'success', message });
      return reply.redirect(listPath(cohort.id), 303);
    });
  }

  app.post('/turmas/:id/envios/:envio/excluir', staff, async (request, reply) => {
    const { cohort, schedule } = await load(request, services, schedules);
    await schedules.remove(actorOf(request), schedule.id);
    setFlash(request, { kind: 'success', message: 'Envio programado excluído.' });
    return reply.redirect(listPath(cohort.id), 303);
  });

  app.post('/turmas/:id/envios/:envio/enviar', staff, async (request, reply) => {
    const { cohort, schedule } = await load(request, services, schedules);
    try {
      await schedules.runNow(actorOf(request), schedule.id);
      setFlash(request, { kind: 'success', message: RUN_NOW_QUEUED });
    } catch (error) {
      setFlash(request, { kind: 'error', message: refusalMessage(error) });
    }
    return reply.redirect(listPath(cohort.id), 303);
  });
}

const RUN_NOW_QUEUED =
  'O envio foi colocado na fila e sai em instantes, ' +
  'mesmo que o relatório deste período já tenha sido enviado.';

/** The cohort of the address and its schedule; 404 when the schedule is another cohort's. */
async function load(
  request: FastifyRequest,
  services: Services,
  schedules: ReportSchedulesService,
): Promise<{ cohort: CohortView; schedule: ReportScheduleView }> {
  const actor = actorOf(request);
  const cohort = await services.cohorts.get(actor, cohortIdParam(request));
  const id = numberParam(request, 'envio', 'OMAUM_REPORT_SCHEDULE_NOT_FOUND');
  const schedule = await schedules.get(actor, id);
  if (schedule.cohortId !== cohort.id) throw new AppError('OMAUM_REPORT_SCHEDULE_NOT_FOUND');
  return { cohort, schedule };
}

/** One schedule as the list shows it, times in the schedule's zone. */
function scheduleRow(schedule: ReportScheduleView, now: Date, institutionTimeZone: string) {
  const zone = schedule.timeZone;
  const zoneNote = zone === institutionTimeZone ? '' : ` (${zone})`;
  const next = schedule.isActive ? nextRunAt(schedule.cron, zone, now) : null;
  return {
    id: schedule.id,
    report: REPORT_LABELS[schedule.report],
    format: FORMAT_LABELS[schedule.format],
    recipients: schedule.recipients,
    frequency: presetOf(schedule.cron)?.label ?? null,
    cron: schedule.cron,
    isActive: schedule.isActive,
    nextRun: next ? `${formatDateTime(next, zone)}${zoneNote}` : '—',
    lastRun: schedule.lastRunAt ? `${formatDateTime(schedule.lastRunAt, zone)}${zoneNote}` : '',
  };
}

function presetOf(cron: string) {
  const normal = cron.trim().replace(/\s+/g, ' ');
  return FREQUENCY_PRESETS.find((preset) => preset.cron === normal);
}

function emptyForm(timeZone: string): ScheduleForm {
  const first = FREQUENCY_PRESETS[0]?.cron ?? CUSTOM;
  return {
    report: 'sheet-month',
    format: 'xlsx',
    recipients: '',
    frequency: first,
    cron: '',
    timeZone,
    isActive: true,
  };
}

function scheduleToForm(schedule: ReportScheduleView): ScheduleForm {
  const preset = presetOf(schedule.cron);
  return {
    report: schedule.report,
    format: schedule.format,
    recipients: schedule.recipients.join('\n'),
    frequency: preset ? preset.cron : CUSTOM,
    cron: preset ? '' : schedule.cron,
    timeZone: schedule.timeZone,
    isActive: schedule.isActive,
  };
}

function readForm(body: unknown): ScheduleForm {
  const recipients = (body as Record<string, unknown> | null)?.recipients;
  return {
    report: field(body, 'report'),
    format: field(body, 'format'),
    // Kept as typed, line breaks included.
    recipients: typeof recipients === 'string' ? recipients : '',
    frequency: field(body, 'frequency'),
    cron: field(body, 'cron'),
    timeZone: field(body, 'timeZone'),
    isActive: field(body, 'isActive') === 'on',
  };
}

/** Addresses separated by lines, commas, semicolons or spaces. */
function splitRecipients(text: string): string[] {
  return text.split(/[\s,;]+/).filter((address) => address !== '');
}

type Parsed =
  | { readonly input: CreateReportScheduleBody; readonly errors: Errors }
  | { readonly input: null; readonly errors: Errors };

/**
 * The service's input, or everything the API's schema and the service's
 * checks would refuse, by field, in pt-BR (one round of corrections).
 */
function toInput(form: ScheduleForm, cohortId: number): Parsed {
  const errors: Errors = {};
  const isCustom = form.frequency === CUSTOM;
  if (!isCustom && !presetOf(form.frequency)) errors.frequency = 'Escolha uma frequência.';
  if (isCustom && form.cron === '') errors.cron = 'Informe a expressão cron.';
  const recipients = splitRecipients(form.recipients);
  const recipientsError = recipientsProblem(recipients);
  if (recipientsError) errors.recipients = recipientsError;
  const candidate = {
    cohortId,
    report: form.report,
    format: form.format,
    recipients,
    cron: isCustom ? form.cron : form.frequency,
    ...(form.timeZone === '' ? {} : { timeZone: form.timeZone }),
    isActive: form.isActive,
  };
  for (const problem of scheduleProblems(candidate)) {
    errors[problem.field] ??= fieldMessagePt(problem.message);
  }
  for (const problem of Value.Errors(CreateReportScheduleBody, candidate)) {
    const name = problem.instancePath.split('/')[1];
    if (name) errors[name] ??= schemaMessage(name);
  }
  if (Object.keys(errors).length > 0 || !Value.Check(CreateReportScheduleBody, candidate)) {
    return { input: null, errors };
  }
  return { input: candidate, errors };
}

function schemaMessage(name: string): string {
  if (name === 'report') return 'Escolha um relatório.';
  if (name === 'format') return 'Escolha um formato.';
  return 'Valor inválido.';
}

function recipientsProblem(recipients: readonly string[]): string | null {
  if (recipients.length === 0) return 'Informe pelo menos um e-mail.';
  if (recipients.length > MAX_RECIPIENTS) return `No máximo ${MAX_RECIPIENTS} destinatários.`;
  const wrong = recipients.filter((address) => !Value.Check(Email, address));
  if (wrong.length === 1) return `E-mail inválido: ${wrong.join('')}.`;
  if (wrong.length > 1) return `E-mails inválidos: ${wrong.join(', ')}.`;
  return null;
}

function showRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  state: Omit<FormState, 'errors'>,
  error: unknown,
) {
  if (!(error instanceof AppError)) throw error;
  const errors: Errors = {};
  for (const [name, message] of Object.entries(fieldErrors(error) ?? {})) {
    // The cohort is the page's own: a refusal of it is about the whole form.
    if (name !== 'cohortId') errors[name] = fieldMessagePt(message);
  }
  if (Object.keys(errors).length === 0) errors.form = MESSAGES_PT[error.code];
  return showForm(request, reply, { ...state, errors }, error.statusCode);
}

/** A refusal as one pt-BR sentence, for a flash message. */
function refusalMessage(error: unknown): string {
  if (!(error instanceof AppError)) throw error;
  const problem = Object.values(fieldErrors(error) ?? {})[0];
  return problem === undefined ? MESSAGES_PT[error.code] : fieldMessagePt(problem);
}

function showForm(request: FastifyRequest, reply: FastifyReply, state: FormState, status = 200) {
  const { cohort, scheduleId } = state;
  const isNew = scheduleId === null;
  const title = `${isNew ? 'Novo envio programado' : 'Editar envio programado'} · ${cohort.name}`;
  const timeZones = BRAZIL_TIME_ZONES.includes(state.form.timeZone)
    ? BRAZIL_TIME_ZONES
    : [...BRAZIL_TIME_ZONES, state.form.timeZone].filter((zone) => zone !== '');
  return renderPage(
    request,
    reply,
    'reports/schedule-form',
    { title, status },
    {
      ...state,
      heading: isNew ? 'Novo envio programado' : 'Editar envio programado',
      action: isNew ? listPath(cohort.id) : `${listPath(cohort.id)}/${scheduleId}`,
      backPath: listPath(cohort.id),
      reports: REPORT_KINDS.map((value) => ({ value, label: REPORT_LABELS[value] })),
      formats: REPORT_FORMATS.map((value) => ({ value, label: FORMAT_LABELS[value] })),
      frequencies: [
        ...FREQUENCY_PRESETS.map((preset) => ({ value: preset.cron, label: preset.label })),
        { value: CUSTOM, label: 'Outra (expressão cron)' },
      ],
      custom: CUSTOM,
      timeZones,
    },
  );
}
