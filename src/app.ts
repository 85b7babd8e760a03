import { createHash, randomUUID } from 'node:crypto';

import csrf from '@fastify/csrf-protection';
import helmet from '@fastify/helmet';
import secureSession from '@fastify/secure-session';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

import accessPlugin from './auth/access.plugin.ts';
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
import type { Clock } from './platform/clock.ts';
import { systemClock } from './platform/clock.ts';
import type { Database } from './platform/db/database.ts';
import {
  handleFrameworkError,
  registerErrorHandling,
  routePath,
} from './platform/http/error-handler.ts';
import type { JobQueue } from './platform/jobs/job-queue.ts';
import type { Logger } from './platform/logging/logger.ts';
import { createServices } from './services.ts';
import type { Services } from './services.ts';
import { sessionRoutes } from './sessions/sessions.routes.ts';
import { sheetRoutes } from './sheets/sheets.routes.ts';
import { studentRoutes } from './students/students.routes.ts';
import { healthRoutes } from './system/health.routes.ts';
import { registerPages, registerWeb } from './web/web.plugin.ts';
import { authPages } from './auth/auth.pages.ts';
import { coursePages } from './courses/courses.pages.ts';
import { homePages } from './home/home.pages.ts';
import { attendancePages } from './attendance/attendance.pages.ts';
import { cohortPages } from './cohorts/cohorts.pages.ts';
import { sheetPages } from './sheets/sheets.pages.ts';
import { exportPages } from './exports/exports.pages.ts';
import { jobPages } from './jobs/jobs.pages.ts';
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
}

export type App = FastifyInstance & { readonly services: Services };

/** Builds a ready Fastify instance; it does not listen (tests use `inject`). */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config } = deps;
  const services = createServices({ ...deps, clock: deps.clock ?? systemClock });
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
  registerErrorHandling(app, config.isProduction);
  logEachRequest(app);
  await registerSecurity(app, deps);
  await app.register(accessPlugin, { auth: services.auth });
  await registerOpenApi(app);

  await app.register(healthRoutes, { database: deps.database });
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
      await api.register(reportScheduleRoutes, { services, db: deps.database.db });
    },
    { prefix: '/api/v1' },
  );

  await app.ready();
  return app as unknown as App;
}

function requestId(request: { headers: Record<string, unknown> }): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && /^[\w.-]{8,64}$/.test(incoming) ? incoming : randomUUID();
}

// One line per request: Fastify's default logs two, and with the query string.
function logEachRequest(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        userId: request.actor?.userId,
        method: request.method,
        route: request.routeOptions.url ?? routePath(request),
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
  });
}

async function registerSecurity(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        // Only behind HTTPS; on a plain-http development server it would break every asset.
        upgradeInsecureRequests: deps.config.isProduction ? [] : null,
      },
    },
    hsts: deps.config.isProduction,
    referrerPolicy: { policy: 'same-origin' },
  });
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
