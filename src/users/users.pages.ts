import type { FastifyInstance } from 'fastify';

import type { Services } from '../services.ts';

// Skeleton: the users pages of issue #4 are written here.
export async function userPages(_app: FastifyInstance, _services: Services): Promise<void> {
  // Nothing registered yet.
}
