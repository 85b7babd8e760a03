import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

import { routePath } from '../http/error-handler.ts';
import type { Monitor } from './monitor.ts';
import { newTally, runMonitored } from './query-context.ts';
import type { QueryTally } from './query-context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The SQL this request has run so far. */
    queryTally: QueryTally;
  }
}

export interface MonitoringOptions {
  readonly monitor: Monitor;
}

/**
 * Per request: an `X-Request-Id` header, the queries counted through
 * AsyncLocalStorage, a `Server-Timing` header (database time and total), and
 * one log line with route, status, duration and queries (see Monitor).
 */
async function monitoring(app: FastifyInstance, options: MonitoringOptions): Promise<void> {
  const { monitor } = options;
  // Same destination and level as every other line, without the redaction pass (see Monitor).
  const accessLogger = app.log.child({}, { redact: [] });
  app.decorateRequest('queryTally', null as unknown as QueryTally);

  // Callback style on purpose: everything after `done` (hooks, handler,
  // serialization) runs inside the AsyncLocalStorage context.
  app.addHook('onRequest', (request, reply, done) => {
    const tally = newTally();
    request.queryTally = tally;
    void reply.header('x-request-id', request.id);
    runMonitored({ origin: originOf(request), tally, logger: request.log }, monitor, done);
  });

  // Synchronous hooks: an async one costs a promise per request, and with
  // AsyncLocalStorage active every promise also pays for context tracking.
  app.addHook('onSend', (request, reply, payload, done) => {
    const tally = request.queryTally;
    void reply.header(
      'server-timing',
      `db;dur=${tally.totalMs.toFixed(1)};desc="${tally.count} queries", ` +
        `total;dur=${reply.elapsedTime.toFixed(1)}`,
    );
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    monitor.finishRequest({
      method: request.method,
      route: request.routeOptions.url ?? null,
      path: routePath(request),
      statusCode: reply.statusCode,
      durationMs: reply.elapsedTime,
      tally: request.queryTally,
      userId: request.actor?.userId ?? null,
      requestId: request.id,
      logger: request.log,
      accessLogger,
    });
    done();
  });
}

function originOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions.url ?? '(unmatched)'}`;
}

export default fp(monitoring, { name: 'omaum-monitoring' });
