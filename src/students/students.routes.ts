import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import type { Services } from '../services.ts';

// Skeleton: filled in by the students work of issue #2.
export const studentRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = () =>
  Promise.resolve();
