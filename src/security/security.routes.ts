import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import { actorOf } from '../auth/access.plugin.ts';
import { pageRequest } from '../platform/http/schemas.ts';
import type { Services } from '../services.ts';
import type { AddressBlocksService } from './address-blocks.service.ts';
import {
  AddressBlockList,
  AddressParams,
  SecurityEventList,
  SecurityEventQuery,
} from './security.schemas.ts';

const tags = ['security'];
const ADMIN = ['admin'] as const;

/** `/api/v1/security`: blocked addresses and security events, for admins. */
export const securityRoutes: FastifyPluginAsyncTypebox<{
  services: Services;
  blocks: AddressBlocksService;
}> = async (app, { services, blocks }) => {
  app.get(
    '/security/blocks',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'List the addresses blocked for hitting the rate limits',
        response: { 200: AddressBlockList },
      },
    },
    async (request) => {
      const items = await blocks.list(actorOf(request));
      return { items, total: items.length };
    },
  );

  app.delete(
    '/security/blocks/:address',
    {
      config: { access: ADMIN },
      schema: { tags, summary: 'Lift the block of an address', params: AddressParams },
    },
    async (request, reply) => {
      await blocks.lift(actorOf(request), request.params.address);
      return reply.code(204).send();
    },
  );

  app.get(
    '/security/events',
    {
      config: { access: ADMIN },
      schema: {
        tags,
        summary: 'List security events, newest first',
        querystring: SecurityEventQuery,
        response: { 200: SecurityEventList },
      },
    },
    (request) =>
      services.securityEvents.list(actorOf(request), request.query, pageRequest(request.query)),
  );
};
