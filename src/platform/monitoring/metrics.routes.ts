import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyInstance, FastifyRequest } from 'fastify';

import { AppError } from '../errors/app-error.ts';
import type { Metrics } from '../metrics/metrics.ts';

export interface MetricsRouteOptions {
  readonly metrics: Metrics;
  /** Bearer token Prometheus sends; without one, only loopback callers may read. */
  readonly token: string | null;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * `GET /metrics` in Prometheus text format. Not public: it answers a caller
 * with the configured token, or one on this machine when no proxy stands in
 * between (a forwarded request is never taken for a local one, even from a
 * proxy on loopback that is not in OMAUM_TRUST_PROXY).
 */
export async function metricsRoutes(
  app: FastifyInstance,
  options: MetricsRouteOptions,
): Promise<void> {
  app.get(
    '/metrics',
    // Public for the access layer (no user session): the guard below is its own check.
    { config: { access: 'public' }, schema: { hide: true } },
    async (request, reply) => {
      if (!mayRead(request, options.token)) {
        throw new AppError(
          'OMAUM_AUTH_REQUIRED',
          'Send the metrics token (OMAUM_METRICS_TOKEN) as a bearer token, or ask from this host',
        );
      }
      const text = await options.metrics.render();
      return reply.header('content-type', options.metrics.contentType).send(text);
    },
  );
}

function mayRead(request: FastifyRequest, token: string | null): boolean {
  const header = request.headers.authorization;
  if (token !== null && typeof header === 'string' && header.startsWith('Bearer ')) {
    return sameSecret(header.slice('Bearer '.length), token);
  }
  const isForwarded =
    request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  return !isForwarded && LOOPBACK.has(request.ip);
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison time says nothing about the token.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
