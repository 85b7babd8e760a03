import { hasPendingMigrations } from '../platform/db/migrate.ts';
import type {
  JobBackend,
  JobHandlers,
  JobScheduler,
  QueueName,
} from '../platform/jobs/job-queue.ts';
import { createJobBackend } from '../platform/jobs/jobs.ts';
import { createJobHandlers, defaultSchedules } from '../jobs/job-handlers.ts';
import { systemClock } from '../platform/clock.ts';
import { Metrics } from '../platform/metrics/metrics.ts';
import { startMetricsServer } from '../platform/monitoring/metrics-server.ts';
import type { MetricsServer } from '../platform/monitoring/metrics-server.ts';
import { createServices } from '../services.ts';
import { startHeartbeat } from '../system/heartbeats.ts';
import { CliError } from './cli-error.ts';
import type { Runtime } from './runtime.ts';

export interface WorkerCommandOptions {
  readonly queues: readonly QueueName[];
  readonly concurrency: number;
  /** What the worker can run, by job name; 'all' is every feature's (src/jobs/job-handlers.ts). */
  readonly handlers: JobHandlers | 'all';
  /** Where to serve this process's `/metrics` (`--metrics-port`); null: no server. */
  readonly metricsPort: number | null;
}

/** Running jobs get this long to finish at SIGTERM before they are handed back. */
const WORKER_GRACE_MS = 25_000;

/** `omaum worker`: runs jobs of the given queues until SIGTERM or SIGINT. */
export async function runWorker(runtime: Runtime, options: WorkerCommandOptions): Promise<void> {
  await requireMigrated(runtime);
  const backend = await createJobBackend(runtime);
  // Process figures are collected only when someone can read them.
  const metrics = new Metrics({ collectProcessMetrics: options.metricsPort !== null });
  const handlers =
    options.handlers === 'all' ? allHandlers(runtime, backend, metrics) : options.handlers;
  if (Object.keys(handlers).length === 0) {
    runtime.logger.warn('worker: no job handlers are registered; every job it takes will fail');
  }
  // Before the first job: a port in use stops the worker before it takes any work.
  const metricsServer = await serveMetrics(runtime, metrics, options.metricsPort);
  const worker = backend.createWorker({ ...options, handlers, logger: runtime.logger });
  await worker.start();
  const heartbeat = await startHeartbeat(runtime.database.db, {
    role: 'worker',
    queues: options.queues,
    logger: runtime.logger,
  });
  runtime.logger.info(
    { queues: options.queues, concurrency: options.concurrency, backend: backend.kind },
    'worker started',
  );
  stopOnSignals(runtime, backend, async () => {
    await worker.stop(WORKER_GRACE_MS);
    // Only once its jobs are finished or handed back is the worker gone for good.
    await heartbeat.stop();
    // Last, so that a scrape during the grace still sees the outcomes of the last jobs.
    await metricsServer?.close();
  });
}

/** The handlers record job outcomes and durations into `metrics`, which `/metrics` serves. */
function allHandlers(runtime: Runtime, backend: JobBackend, metrics: Metrics): JobHandlers {
  const services = createServices({ ...runtime, clock: systemClock, jobs: backend.queue, metrics });
  return createJobHandlers({ ...runtime, services });
}

async function serveMetrics(
  runtime: Runtime,
  metrics: Metrics,
  port: number | null,
): Promise<MetricsServer | null> {
  if (port === null) return null;
  const { config, logger } = runtime;
  try {
    return await startMetricsServer({
      metrics,
      token: config.metricsToken,
      host: config.host,
      port,
      logger,
      isProduction: config.isProduction,
    });
  } catch (error) {
    throw new CliError(
      `cannot serve worker metrics on ${config.host}:${port}: ${(error as Error).message}; ` +
        'choose another port with OMAUM_WORKER_METRICS_PORT or --metrics-port',
    );
  }
}

/** `omaum scheduler`: fires the cron schedules until SIGTERM or SIGINT. */
export async function runScheduler(runtime: Runtime): Promise<void> {
  await requireMigrated(runtime);
  const backend = await createJobBackend(runtime);
  for (const schedule of defaultSchedules(runtime.config)) {
    await backend.queue.upsertSchedule(schedule);
  }
  const scheduler: JobScheduler = backend.createScheduler(runtime.logger);
  await scheduler.start();
  const heartbeat = await startHeartbeat(runtime.database.db, {
    role: 'scheduler',
    queues: [],
    logger: runtime.logger,
  });
  runtime.logger.info({ backend: backend.kind }, 'scheduler started');
  stopOnSignals(runtime, backend, async () => {
    await scheduler.stop();
    await heartbeat.stop();
  });
}

async function requireMigrated(runtime: Runtime): Promise<void> {
  // The embedded backend's tables come from a migration: say so rather than fail on a query.
  if (await hasPendingMigrations(runtime.database)) {
    throw new CliError('the database has pending migrations: run `omaum migrate latest` first');
  }
}

// The process is killed if stopping takes longer than the grace plus this margin.
const FORCED_EXIT_MARGIN_MS = 5_000;

/**
 * On SIGTERM or SIGINT: stop (which, for a worker, waits for running jobs,
 * then hands back the unfinished ones), close the backend and the database,
 * exit 0. The exit is explicit so that a stray timer cannot keep it alive.
 */
function stopOnSignals(runtime: Runtime, backend: JobBackend, stop: () => Promise<void>): void {
  let isStopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (isStopping) return;
    isStopping = true;
    runtime.logger.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      runtime.logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, WORKER_GRACE_MS + FORCED_EXIT_MARGIN_MS);
    forced.unref();
    stop()
      .then(() => backend.close())
      .then(() => runtime.close())
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        runtime.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
