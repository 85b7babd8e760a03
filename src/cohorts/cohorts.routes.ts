import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import type { Services } from '../services.ts';

// Skeleton: filled in by the cohorts work of issue #2.
export const cohortRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = () =>
  Promise.resolve();
