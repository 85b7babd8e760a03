import type { FastifyInstance } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES } from '../auth/actor.ts';
import type { Services } from '../services.ts';
import { renderPage } from '../web/page.ts';

/** The home page: what needs attention this month. */
export async function homePages(app: FastifyInstance, services: Services): Promise<void> {
  app.get('/', { config: { access: ALL_ROLES } }, async (request, reply) => {
    const actor = actorOf(request);
    const me = await services.users.get(actor, actor.userId);
    const cohorts = await services.cohorts.list(
      actor,
      { status: 'active' },
      { limit: 100, offset: 0 },
    );
    return renderPage(
      request,
      reply,
      'home/index',
      { title: 'Início', userName: me.name },
      {
        cohorts: cohorts.items,
      },
    );
  });
}
