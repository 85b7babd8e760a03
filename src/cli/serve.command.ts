import cluster from 'node:cluster';

import { buildApp } from '../app.ts';
import type { App } from '../app.ts';
import { hasPendingMigrations, migrateToLatest } from '../platform/db/migrate.ts';
import {
  isWebClusterProcess,
  shareMetricsWithCluster,
} from '../platform/metrics/cluster-metrics.ts';
import { Metrics } from '../platform/metrics/metrics.ts';
import { resolveSessionSecret } from '../platform/security/session-secret.ts';
import { createServices } from '../services.ts';
import { systemClock } from '../platform/clock.ts';
import { createJobHandlers, defaultSchedules } from '../jobs/job-handlers.ts';
import { QUEUE_NAMES } from '../platform/jobs/job-queue.ts';
import type { JobBackend, JobScheduler, JobWorker } from '../platform/jobs/job-queue.ts';
import { createJobBackend } from '../platform/jobs/jobs.ts';
import { startHeartbeat } from '../system/heartbeats.ts';
import type { HeartbeatReporter } from '../system/heartbeats.ts';
import { CliError } from './cli-error.ts';
import { JOB_GRACE_MS, SHUTDOWN_GRACE_MS } from './grace.ts';
import type { Runtime } from './runtime.ts';

export interface ServeOptions {
  /** Apply pending migrations first (the embedded default does). */
  readonly shouldMigrate: boolean;
  /** Run a worker for every queue and the scheduler in this process (`omaum start`). */
  readonly shouldRunJobs: boolean;
}

/** Jobs run at once by the worker inside an all-in-one process. */
const IN_PROCESS_CONCURRENCY = 2;

/**
 * Migrates, makes sure an administrator exists, and serves HTTP until
 * SIGTERM or SIGINT, then finishes in-flight requests and closes the database.
 */
export async function serve(base: Runtime, options: ServeOptions): Promise<App> {
  const runtime = withProcessId(base);
  const { config, logger, database } = runtime;
  const metrics = new Metrics();
  // First thing: until a web process answers the primary, no scrape of the cluster succeeds.
  if (isWebClusterProcess()) shareMetricsWithCluster(metrics);

  await prepareSchema(runtime, options.shouldMigrate);
  // Before listening, so that whoever sees the server answer can also sign in.
  // In a cluster only the first web process does it: two would race on the empty table.
  if (!cluster.isWorker || cluster.worker?.id === 1) await announceInitialAdmin(runtime);

  const backend = await createJobBackend(runtime);
  const app = await buildApp({
    config,
    database,
    logger,
    jobs: backend.queue,
    sessionSecret: resolveSessionSecret(config),
    metrics,
  });
  const jobs = options.shouldRunJobs ? await startJobs(runtime, backend, app) : null;
  stopOnSignals(app, runtime, backend, jobs);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ url: config.baseUrl, database: database.description }, 'omaum is listening');
  return app;
}

/** Web processes of a cluster write one log: each line says which process wrote it. */
function withProcessId(runtime: Runtime): Runtime {
  if (!cluster.isWorker) return runtime;
  return { ...runtime, logger: runtime.logger.child({ pid: process.pid }) };
}

interface RunningJobs {
  readonly worker: JobWorker;
  readonly scheduler: JobScheduler;
  readonly heartbeats: readonly HeartbeatReporter[];
}

/** The all-in-one process: a worker for every queue and the scheduler, beside the web server. */
async function startJobs(runtime: Runtime, backend: JobBackend, app: App): Promise<RunningJobs> {
  const handlers = createJobHandlers({ ...runtime, services: app.services });
  for (const schedule of defaultSchedules(runtime.config)) {
    await backend.queue.upsertSchedule(schedule);
  }
  const worker = backend.createWorker({
    queues: [...QUEUE_NAMES],
    concurrency: IN_PROCESS_CONCURRENCY,
    handlers,
    logger: runtime.logger,
  });
  const scheduler = backend.createScheduler(runtime.logger);
  await worker.start();
  await scheduler.start();
  const { db } = runtime.database;
  const heartbeats = [
    await startHeartbeat(db, { role: 'worker', queues: QUEUE_NAMES, logger: runtime.logger }),
    await startHeartbeat(db, { role: 'scheduler', queues: [], logger: runtime.logger }),
  ];
  runtime.logger.info({ backend: backend.kind }, 'worker and scheduler started in process');
  return { worker, scheduler, heartbeats };
}

async function prepareSchema(runtime: Runtime, shouldMigrate: boolean): Promise<void> {
  if (!shouldMigrate) {
    // Without this the first query fails with a missing table, which says less.
    if (await hasPendingMigrations(runtime.database)) {
      throw new CliError(
        'the database has pending migrations: ' +
          'run `omaum migrate latest` or `omaum serve --migrate`',
      );
    }
    return;
  }
  const results = await migrateToLatest(runtime.database);
  for (const result of results) {
    runtime.logger.info({ migration: result.migrationName }, 'migration applied');
  }
}

async function announceInitialAdmin(runtime: Runtime): Promise<void> {
  const { config } = runtime;
  const services = createServices({ ...runtime, clock: systemClock });
  const admin = await services.users
    .ensureInitialAdmin({ email: config.adminEmail, password: config.adminPassword })
    .finally(() => services.cache.close());
  if (!admin) return;

  if (admin.generatedPassword === null) {
    runtime.logger.info('initial administrator created from OMAUM_ADMIN_EMAIL');
    return;
  }
  // Printed once, on the terminal only: the password is never logged.
  process.stderr.write(
    [
      '',
      '  OMAUM: administrador inicial criado / initial administrator created',
      `    e-mail: ${admin.email}`,
      `    senha / password: ${admin.generatedPassword}`,
      '  Troque a senha no primeiro acesso. / Change it at first sign-in.',
      '',
      '',
    ].join('\n'),
  );
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, finish in-flight requests
 * (closing the app also closes the cache and its Redis connection), let
 * running jobs finish or hand them back, close the job backend (Redis) and
 * the database, then exit 0. The exit is explicit so that a forgotten timer
 * or socket cannot keep a stopped server alive.
 */
function stopOnSignals(
  app: App,
  runtime: Runtime,
  backend: JobBackend,
  jobs: RunningJobs | null,
): void {
  let isStopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (isStopping) return;
    isStopping = true;
    runtime.logger.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      runtime.logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    forced.unref();
    app
      .close()
      .then(() => jobs?.worker.stop(JOB_GRACE_MS))
      .then(() => jobs?.scheduler.stop())
      .then(() => Promise.all((jobs?.heartbeats ?? []).map((beat) => beat.stop())))
      .then(() => backend.close())
      .then(() => runtime.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        runtime.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
