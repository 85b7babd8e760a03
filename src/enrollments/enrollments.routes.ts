import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

import type { Services } from '../services.ts';

// Skeleton: filled in by the enrollments work of issue #2.
export const enrollmentRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = () =>
  Promise.resolve();
