import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import type { Services } from '../services.ts';

// Skeleton: the exports API of issue #5 is written here.
export const exportRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = () =>
  Promise.resolve();
