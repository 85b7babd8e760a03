import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import type { Db } from '../platform/db/database.ts';
import type { SecurityEventKind } from '../platform/db/tables.ts';
import type { Services } from '../services.ts';
import * as format from '../web/format.ts';
import { PageError } from '../web/page-error.ts';
import { field, renderPage, setFlash } from '../web/page.ts';
import type { AddressBlockSource, SystemSecurity } from './system-figures.ts';
import { systemFigures } from './system-figures.ts';
import { isEventKind, systemView } from './system-view.ts';

const ADMIN = ['admin'] as const;

/** `?tipo=sign_in_failed` filters the security events; anything else shows them all. */
function eventKindOf(request: FastifyRequest): SecurityEventKind | null {
  const { tipo } = (request.query ?? {}) as { tipo?: string };
  return isEventKind(tipo) ? tipo : null;
}

/** Where the panel refreshes from, keeping the page's filter. */
function panelUrl(eventKind: SecurityEventKind | null): string {
  return eventKind ? `/sistema/painel?tipo=${encodeURIComponent(eventKind)}` : '/sistema/painel';
}

async function loadView(
  request: FastifyRequest,
  services: Services,
  db: Db,
  security: SystemSecurity,
) {
  const eventKind = eventKindOf(request);
  const figures = await systemFigures(services, db, security, {
    actor: actorOf(request),
    eventKind: eventKind ?? undefined,
  });
  return {
    ...systemView(figures, { timeZone: services.timeZone, eventKind }),
    panelUrl: panelUrl(eventKind),
  };
}

/** The panel alone, without the layout: what htmx swaps in every 30 s. */
async function renderPanel(reply: FastifyReply, data: Record<string, unknown>) {
  const html = await reply.viewAsync('system/panel', {
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

/**
 * `/sistema`: latencies, slow queries, N+1 reports, cache, queues, rate
 * limits, blocks and security events, for administrators. Without `blocks`
 * (a process with no rate limiter) the page says that blocks are unavailable.
 */
export async function systemPages(
  app: FastifyInstance,
  services: Services,
  db: Db,
  blocks: AddressBlockSource | null = null,
): Promise<void> {
  const security: SystemSecurity = { events: services.securityEvents, blocks };
  app.get('/sistema', { config: { access: ADMIN } }, async (request, reply) => {
    const view = await loadView(request, services, db, security);
    return renderPage(request, reply, 'system/index', { title: 'Sistema' }, view);
  });

  app.get('/sistema/painel', { config: { access: ADMIN } }, async (request, reply) => {
    const view = await loadView(request, services, db, security);
    return renderPanel(reply, view);
  });

  app.post('/sistema/desbloquear', { config: { access: ADMIN } }, async (request, reply) => {
    const address = field(request.body, 'endereco');
    if (!security.blocks) {
      throw new PageError('OMAUM_ROUTE_NOT_FOUND', 'Este servidor não bloqueia endereços.');
    }
    if (address === '') {
      throw new PageError('OMAUM_REQUEST_INVALID', 'Informe o endereço a desbloquear.');
    }

    await security.blocks.lift(actorOf(request), address);
    setFlash(request, { kind: 'success', message: `O endereço ${address} foi desbloqueado.` });
    return reply.redirect('/sistema', 303);
  });
}
