import type { FastifyInstance } from 'fastify';

import { actorOf } from '../auth/access.plugin.ts';
import { ALL_ROLES } from '../auth/actor.ts';
import type { Services } from '../services.ts';
import { renderPage } from '../web/page.ts';
import { chartJson, homeStats } from './home-stats.ts';

/**
 * The home page: counts, the cohorts that need attention this month (pending
 * marks, students not cleared) and the monthly attendance of each cohort.
 */
export async function homePages(app: FastifyInstance, services: Services): Promise<void> {
  app.get('/', { config: { access: ALL_ROLES } }, async (request, reply) => {
    const actor = actorOf(request);
    // A browser session brings the name with it; a bearer token does not.
    const userName = request.userName ?? (await services.users.get(actor, actor.userId)).name;
    const stats = await homeStats(services, actor);
    return renderPage(
      request,
      reply,
      'home/index',
      { title: 'Início', userName },
      { stats, chartJson: chartJson(stats) },
    );
  });
}
