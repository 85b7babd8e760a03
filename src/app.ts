import { createHash, randomUUID } from 'node:crypto';

import csrf from '@fastify/csrf-protection';
import secureSession from '@fastify/secure-session';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import helmet from 'helmet';
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from 'fastify';

import accessPlugin, { actorIfSignedIn } from './auth/access.plugin.ts';
import { authRoutes } from './auth/auth.routes.ts';
import type { Config } from './config/config.ts';
import { activityRoutes } from './activities/activities.routes.ts';
import { attendanceRoutes } from './attendance/attendance.routes.ts';
import { importRoutes } from './attendance/import/import.routes.ts';
import { cohortRoutes } from './cohorts/cohorts.routes.ts';
import { courseRoutes } from './courses/courses.routes.ts';
import { enrollmentRoutes } from './enrollments/enrollments.routes.ts';
import { exportRoutes } from './exports/exports.routes.ts';
import { jobRoutes } from './jobs/jobs.routes.ts';
import { reportScheduleRoutes } from './reports/report-schedules.routes.ts';
import type { Cache } from './platform/cache/cache.ts';
import type { Clock } from './platform/clock.ts';
import { systemClock } from './platform/clock.ts';
import type { Database } from './platform/db/database.ts';
import { handleFrameworkError, registerErrorHandling } from './platform/http/error-handler.ts';
import { JOB_STATES, QUEUE_NAMES } from './platform/jobs/job-queue.ts';
import type { JobQueue } from './platform/jobs/job-queue.ts';
import type { Logger } from './platform/logging/logger.ts';
import { Metrics } from './platform/metrics/metrics.ts';
import { metricsRoutes } from './platform/monitoring/metrics.routes.ts';
import { Monitor } from './platform/monitoring/monitor.ts';
import monitoringPlugin from './platform/monitoring/monitoring.plugin.ts';
import { startSnapshotWriter } from './platform/monitoring/snapshot-writer.ts';
import type { RateLimitStore } from './platform/security/rate-limit/store.ts';
import { setUpRateLimits } from './security/rate-limits.ts';
import { securityRoutes } from './security/security.routes.ts';
import { createServices } from './services.ts';
import type { Services } from './services.ts';
import { sessionRoutes } from './sessions/sessions.routes.ts';
import { sheetRoutes } from './sheets/sheets.routes.ts';
import { studentRoutes } from './students/students.routes.ts';
import { healthRoutes } from './system/health.routes.ts';
import { systemPages } from './system/system.pages.ts';
import { systemRoutes } from './system/system.routes.ts';
import { MESSAGES_PT } from './web/messages.ts';
import { errorPage, registerPages, registerWeb } from './web/web.plugin.ts';
import { authPages } from './auth/auth.pages.ts';
import { coursePages } from './courses/courses.pages.ts';
import { homePages } from './home/home.pages.ts';
import { attendancePages } from './attendance/attendance.pages.ts';
import { cohortPages } from './cohorts/cohorts.pages.ts';
import { sheetPages } from './sheets/sheets.pages.ts';
import { exportPages } from './exports/exports.pages.ts';
import { jobPages } from './jobs/jobs.pages.ts';
import { reportSchedulePages } from './reports/report-schedules.pages.ts';
import { attendanceImportPages } from './attendance/import/import.pages.ts';
import { studentPages } from './students/students.pages.ts';
import { userPages } from './users/users.pages.ts';
import { userRoutes } from './users/users.routes.ts';

export interface AppDeps {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Background jobs (exports, e-mail, rebuilds); absent in processes and tests without one. */
  readonly jobs?: JobQueue | null;
  /** Shared with other processes so that a session cookie works on all of them. */
  readonly sessionSecret: string;
  /** The process's metrics (with process metrics); a fresh registry when absent. */
  readonly metrics?: Metrics;
  /** Where sheets and reports are cached; made from the configuration when absent. */
  readonly cache?: Cache;
  /** How often the monitoring snapshot is written for other processes (default 60 s; 0: never). */
  readonly snapshotEveryMs?: number;
  /**
   * `off` leaves out monitoring and security headers (rate limits follow the
   * configuration): only the bench's reference run uses it.
   */
  readonly operations?: 'on' | 'off';
  /** More routes, registered last (tests build deliberately faulty ones this way). */
  readonly extraRoutes?: FastifyPluginAsync;
  /** Rate-limit counters and blocks; Redis with OMAUM_REDIS_URL, else in process, when absent. */
  readonly rateLimitStore?: RateLimitStore;
}

export type App = FastifyInstance & { readonly services: Services };

/** Builds a ready Fastify instance; it does not listen (tests use `inject`). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? new Metrics();
  const monitor = new Monitor(config.monitoring, metrics, clock);
  const services = createServices({ ...deps, clock, metrics, monitor });
  if (deps.jobs) watchQueueDepths(metrics, deps.jobs, deps.logger);
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    // One line per request is logged by `logEachRequest`, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
    genReqId: requestId,
    frameworkErrors: handleFrameworkError,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('services', services);
  const snapshotEveryMs = deps.snapshotEveryMs ?? 60_000;
  if (snapshotEveryMs > 0) {
    const stopSnapshots = startSnapshotWriter(
      deps.database.db,
      monitor,
      deps.logger,
      snapshotEveryMs,
    );
    app.addHook('onClose', async () => {
      stopSnapshots();
    });
  }
  app.addHook('onClose', async () => {
    await services.cache.close();
  });
  registerErrorHandling(app, config.isProduction, {
    notFoundPage: async (request, reply) => {
      request.actor = await actorIfSignedIn(request, services.auth);
      return errorPage(request, reply, 404, MESSAGES_PT.OMAUM_ROUTE_NOT_FOUND);
    },
  });
  const isOperationsOn = deps.operations !== 'off';
  if (isOperationsOn) await app.register(monitoringPlugin, { monitor });
  await registerSecurity(app, deps, isOperationsOn);
  const blocks = await setUpRateLimits(app, {
    config,
    services,
    logger: deps.logger,
    clock,
    ...(deps.rateLimitStore ? { store: deps.rateLimitStore } : {}),
  });
  await app.register(accessPlugin, { auth: services.auth });
  await registerOpenApi(app);

  await app.register(healthRoutes, { database: deps.database, jobs: deps.jobs ?? null });
  await app.register(metricsRoutes, { metrics, token: config.metricsToken });
  await registerWeb(app, config.isProduction);
  await registerPages(app, async (pages) => {
    await authPages(pages, services);
    await homePages(pages, services);
    await coursePages(pages, services);
    await studentPages(pages, services);
    await userPages(pages, services);
    await cohortPages(pages, services);
    await attendancePages(pages, services);
    await sheetPages(pages, services);
    await exportPages(pages, services);
    await jobPages(pages, services);
    await reportSchedulePages(pages, services, deps.database.db);
    await attendanceImportPages(pages, services, deps.database.db);
    await systemPages(pages, services, deps.database.db, blocks);
  });
  await app.register(
    async (api) => {
      await api.register(authRoutes, { services, config });
      await api.register(userRoutes, { services });
      await api.register(courseRoutes, { services });
      await api.register(studentRoutes, { services });
      await api.register(cohortRoutes, { services });
      await api.register(activityRoutes, { services });
      await api.register(enrollmentRoutes, { services });
      await api.register(sessionRoutes, { services });
      await api.register(attendanceRoutes, { services });
      await api.register(importRoutes, { services, db: deps.database.db });
      await api.register(sheetRoutes, { services });
      await api.register(exportRoutes, { services });
      await api.register(jobRoutes, { services });
      await api.register(systemRoutes, {
        config,
        database: deps.database,
        jobs: deps.jobs ?? null,
        cache: services.cache,
        logger: deps.logger,
      });
      await api.register(reportScheduleRoutes, { services, db: deps.database.db });
      await api.register(securityRoutes, { services, blocks });
    },
    { prefix: '/api/v1' },
  );

  if (deps.extraRoutes) await app.register(deps.extraRoutes);

  await app.ready();
  return app as unknown as App;
}

function requestId(request: { headers: Record<string, unknown> }): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && /^[\w.-]{8,64}$/.test(incoming) ? incoming : randomUUID();
}

/** Queue depths are read from the backend when Prometheus scrapes, never in between. */
function watchQueueDepths(metrics: Metrics, jobs: JobQueue, logger: Logger): void {
  metrics.onScrape(async () => {
    try {
      for (const queue of QUEUE_NAMES) {
        const counts = await jobs.counts(queue);
        for (const state of JOB_STATES) metrics.queueJobs.set({ queue, state }, counts[state]);
      }
    } catch (error) {
      logger.warn({ err: error }, 'queue depths could not be read for /metrics');
    }
  });
}

async function registerSecurity(
  app: FastifyInstance,
  deps: AppDeps,
  withHeaders: boolean,
): Promise<void> {
  if (withHeaders) registerSecurityHeaders(app, deps.config.isProduction);
  await app.register(secureSession, {
    key: createHash('sha256').update(deps.sessionSecret).digest(),
    cookieName: 'omaum_session',
    expiry: 12 * 3600,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: deps.config.isProduction,
    },
  });
  await app.register(csrf, {
    sessionPlugin: '@fastify/secure-session',
    getToken: (request) => {
      const header = request.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      const body = request.body as { _csrf?: unknown } | undefined;
      return typeof body?._csrf === 'string' ? body._csrf : undefined;
    },
  });
}

/**
 * CSP without inline script or style, HSTS in production, nosniff,
 * frame-ancestors none, same-origin referrer. None of helmet's headers
 * depends on the request, so they are worked out once and copied onto each
 * reply; building them per request, as helmet's Fastify wrapper does, cost
 * several percent of a cached read.
 */
function registerSecurityHeaders(app: FastifyInstance, isProduction: boolean): void {
  const headers = securityHeaders(isProduction);
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}

function securityHeaders(isProduction: boolean): Record<string, string> {
  const headers = new Map<string, string>();
  const collector = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  const applyHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        // Only behind HTTPS; on a plain-http development server it would break every asset.
        upgradeInsecureRequests: isProduction ? [] : null,
      },
    },
    strictTransportSecurity: isProduction,
    referrerPolicy: { policy: 'same-origin' },
  });
  // Helmet only ever sets and removes headers, whatever the request.
  const noRequest = Object.create(null) as Parameters<typeof applyHeaders>[0];
  applyHeaders(noRequest, collector as unknown as Parameters<typeof applyHeaders>[1], () => {
    // Helmet throws rather than calling back with an error.
  });
  return Object.fromEntries(headers);
}

async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OMAUM API',
        version: '1.0.0',
        description:
          'Academic life and attendance of an initiatic school. JSON in camelCase; lists are ' +
          '`{items, total}` with `limit`/`offset`; ' +
          'errors are `{statusCode, code, error, message, details?}`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
  });
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () =>
    app.swagger(),
  );
}
