import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';

import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { handleFrameworkError, registerErrorHandling } from '../http/error-handler.ts';
import { metricsRoutes } from './metrics.routes.ts';

export interface MetricsServerOptions {
  readonly metrics: Metrics;
  /** OMAUM_METRICS_TOKEN; without one, only loopback callers may read. */
  readonly token: string | null;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly isProduction: boolean;
}

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one given for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` alone, for a process that serves no web app (`omaum worker`):
 * the same route, access rule and error bodies as the web `/metrics`.
 * Listen errors (a port in use) are thrown as they are, for the caller to word.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const server = Fastify({
    loggerInstance,
    // A scrape every few seconds is not worth a log line; refusals are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: handleFrameworkError,
    // A hanging scrape must not hold a stopping worker: close() drops every connection.
    forceCloseConnections: true,
  });
  registerErrorHandling(server, options.isProduction);
  await server.register(metricsRoutes, { metrics: options.metrics, token: options.token });
  try {
    await server.listen({ host: options.host, port: options.port });
  } catch (error) {
    await server.close();
    throw error;
  }
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return { port, close: () => server.close() };
}
