import type { FastifyInstance } from 'fastify';

import type { Services } from '../services.ts';

// Skeleton: the cohorts pages of issue #4 are written here.
export async function cohortPages(_app: FastifyInstance, _services: Services): Promise<void> {
  // Nothing registered yet.
}
