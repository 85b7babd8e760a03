import { buildApp } from '../app.ts';
import type { App } from '../app.ts';
import { hasPendingMigrations, migrateToLatest } from '../platform/db/migrate.ts';
import { resolveSessionSecret } from '../platform/security/session-secret.ts';
import { createServices } from '../services.ts';
import { systemClock } from '../platform/clock.ts';
import { CliError } from './cli-error.ts';
import type { Runtime } from './runtime.ts';

export interface ServeOptions {
  /** Apply pending migrations first (the embedded default does). */
  readonly shouldMigrate: boolean;
}

/**
 * Migrates, makes sure an administrator exists, and serves HTTP until
 * SIGTERM or SIGINT, then finishes in-flight requests and closes the database.
 */
export async function serve(runtime: Runtime, options: ServeOptions): Promise<App> {
  const { config, logger, database } = runtime;

  await prepareSchema(runtime, options.shouldMigrate);
  // Before listening, so that whoever sees the server answer can also sign in.
  await announceInitialAdmin(runtime);

  const app = await buildApp({
    config,
    database,
    logger,
    sessionSecret: resolveSessionSecret(config),
  });
  stopOnSignals(app, runtime);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ url: config.baseUrl, database: database.description }, 'omaum is listening');
  return app;
}

async function prepareSchema(runtime: Runtime, shouldMigrate: boolean): Promise<void> {
  if (!shouldMigrate) {
    // Without this the first query fails with a missing table, which says less.
    if (await hasPendingMigrations(runtime.database)) {
      throw new CliError(
        'the database has pending migrations: run `omaum migrate latest` or `omaum serve --migrate`',
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
  const admin = await services.users.ensureInitialAdmin({
    email: config.adminEmail,
    password: config.adminPassword,
  });
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

// How long in-flight requests get to finish before the process gives up on them.
const SHUTDOWN_GRACE_MS = 15_000;

/**
 * On SIGTERM or SIGINT: stop accepting connections, finish in-flight requests,
 * close the database, then exit 0. The exit is explicit so that a forgotten
 * timer or socket cannot keep a stopped server alive.
 */
function stopOnSignals(app: App, runtime: Runtime): void {
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
