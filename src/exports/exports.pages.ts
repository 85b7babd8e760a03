import type { FastifyInstance, FastifyRequest } from 'fastify';

import { monthParam } from '../attendance/attendance.pages.ts';
import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES } from '../auth/actor.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Services } from '../services.ts';
import { formatDateTime, formatMonth } from '../web/format.ts';
import { PageError } from '../web/page-error.ts';
import { field, renderPage } from '../web/page.ts';
import type { ExportFormat, ExportKind } from './export-types.ts';
import { EXPORT_FORMATS, EXPORT_KINDS } from './exports.schemas.ts';
import type { ExportRequestBody, ExportView } from './exports.schemas.ts';

export const KIND_LABELS: Readonly<Record<ExportKind, string>> = {
  sheet: 'Relatório de frequência',
  marks: 'Presenças',
  'student-report': 'Relatório do aluno',
  'roll-call': 'Lista de chamada',
};

export const STATUS_LABELS: Readonly<Record<ExportView['status'], string>> = {
  queued: 'Na fila',
  running: 'Em andamento',
  ready: 'Pronto',
  failed: 'Falhou',
};

function isKind(value: string): value is ExportKind {
  return (EXPORT_KINDS as readonly string[]).includes(value);
}

function isFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

function positiveId(text: string): number {
  const id = Number(text);
  return Number.isSafeInteger(id) && id > 0 && id <= 2147483647 ? id : 0;
}

/** The export the form asks for, or a 400 page in Portuguese. */
export function requestFromForm(body: unknown): ExportRequestBody {
  const kind = field(body, 'kind');
  const format = field(body, 'format');
  const cohortId = positiveId(field(body, 'cohortId'));
  if (!isKind(kind) || !isFormat(format) || cohortId === 0) {
    throw new PageError('OMAUM_REQUEST_INVALID', 'Pedido de exportação inválido.');
  }
  const from = monthParam(field(body, 'from'));
  const optional = (name: 'to' | 'month') => {
    const value = field(body, name);
    return value === '' ? {} : { [name]: monthParam(value) };
  };
  const studentId = positiveId(field(body, 'studentId'));
  return {
    kind,
    format,
    cohortId,
    from,
    ...optional('to'),
    ...optional('month'),
    ...(studentId > 0 ? { studentId } : {}),
  };
}

/** One export as the pages show it. */
export function exportRowView(item: ExportView, timeZone: string) {
  const { from, to } = item.params;
  return {
    id: item.id,
    kind: KIND_LABELS[item.kind],
    format: item.format.toUpperCase(),
    period: from === to ? formatMonth(from) : `${formatMonth(from)} a ${formatMonth(to)}`,
    status: item.status,
    statusLabel: STATUS_LABELS[item.status],
    progress: item.progress,
    isFinal: item.status === 'ready' || item.status === 'failed',
    fileName: item.fileName,
    downloadUrl: item.downloadUrl,
    created: formatDateTime(item.createdAt, timeZone),
    expires: item.expiresAt ? formatDateTime(item.expiresAt, timeZone) : '—',
  };
}

function exportIdParam(request: FastifyRequest): number {
  const id = positiveId((request.params as { id?: string }).id ?? '');
  if (id === 0) throw new AppError('OMAUM_EXPORT_NOT_FOUND');
  return id;
}

/** `/exportacoes`: request an export without JavaScript, follow it, list your own. */
export async function exportPages(app: FastifyInstance, services: Services): Promise<void> {
  const access = ALL_ROLES;

  app.get('/exportacoes', { config: { access } }, async (request, reply) => {
    const { items } = await services.exports.list(actorOf(request));
    const rows = items.map((item) => exportRowView(item, services.timeZone));
    return renderPage(request, reply, 'exports/list', { title: 'Exportações' }, { rows });
  });

  app.post('/exportacoes', { config: { access, rateLimit: 'export' } }, async (request, reply) => {
    const created = await services.exports.request(actorOf(request), requestFromForm(request.body));
    return reply.code(303).redirect(`/exportacoes/${created.id}`);
  });

  app.get('/exportacoes/:id', { config: { access } }, async (request, reply) => {
    const item = await services.exports.get(actorOf(request), exportIdParam(request));
    const row = exportRowView(item, services.timeZone);
    return renderPage(
      request,
      reply,
      'exports/show',
      { title: `Exportação nº ${row.id}` },
      { row },
    );
  });
}
