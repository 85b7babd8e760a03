import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import type { Services } from '../services.ts';

// Skeleton: filled in by the activities work of issue #2.
export const activityRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = () =>
  Promise.resolve();
