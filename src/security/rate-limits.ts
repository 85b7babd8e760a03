import type { FastifyInstance } from 'fastify';

import type { Config } from '../config/config.ts';
import type { Clock } from '../platform/clock.ts';
import { isAppError } from '../platform/errors/app-error.ts';
import { routePath } from '../platform/http/error-handler.ts';
import type { Logger } from '../platform/logging/logger.ts';
import { MemoryRateLimitStore } from '../platform/security/rate-limit/memory-store.ts';
import rateLimitPlugin from '../platform/security/rate-limit/rate-limit.plugin.ts';
import { RateLimiter } from '../platform/security/rate-limit/rate-limiter.ts';
import { RedisRateLimitStore } from '../platform/security/rate-limit/redis-store.ts';
import type { RateLimitStore } from '../platform/security/rate-limit/store.ts';
import type { Services } from '../services.ts';
import { AddressBlocksService } from './address-blocks.service.ts';

/** The key prefix of the counters and blocks in Redis. */
export const RATE_LIMIT_KEY_PREFIX = 'omaum:rate:';

export interface RateLimitSetup {
  readonly config: Config;
  readonly services: Services;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Where counters and blocks live; by default Redis with OMAUM_REDIS_URL, else in process. */
  readonly store?: RateLimitStore;
}

/**
 * Puts the rate limits and the security events of requests on an app: call
 * it after the security headers and before the access plugin. Returns the
 * service behind the admin's block endpoints. A store made here is closed
 * with the app; a store passed in stays open (its owner closes it).
 */
export async function setUpRateLimits(
  app: FastifyInstance,
  setup: RateLimitSetup,
): Promise<AddressBlocksService> {
  const { config, services } = setup;
  const store = setup.store ?? createStore(config);
  if (!setup.store) app.addHook('onClose', () => store.close());

  const limiter = new RateLimiter({
    store,
    settings: config.rateLimits,
    clock: setup.clock,
    events: services.securityEvents,
    metrics: services.metrics,
    logger: setup.logger,
  });
  if (config.isRateLimitOn) {
    await app.register(rateLimitPlugin, { limiter, metrics: services.metrics });
  }
  recordPermissionDenials(app, services);
  return new AddressBlocksService(limiter, services.securityEvents);
}

function createStore(config: Config): RateLimitStore {
  if (config.redisUrl === null) return new MemoryRateLimitStore();
  return new RedisRateLimitStore({ url: config.redisUrl, prefix: RATE_LIMIT_KEY_PREFIX });
}

/** Every 403 for a role that may not do something becomes a `permission_denied` event. */
function recordPermissionDenials(app: FastifyInstance, services: Services): void {
  app.addHook('onError', async (request, _reply, error) => {
    if (!isAppError(error) || error.code !== 'OMAUM_AUTH_FORBIDDEN') return;
    await services.securityEvents.record({
      kind: 'permission_denied',
      address: request.ip,
      userId: request.actor?.userId ?? null,
      detail: {
        method: request.method,
        route: request.routeOptions.url ?? routePath(request),
        role: request.actor?.role ?? null,
      },
    });
  });
}
