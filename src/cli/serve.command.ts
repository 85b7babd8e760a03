import { buildApp } from '../app.ts';
import type { App } from '../app.ts';
import { migrateToLatest } from '../platform/db/migrate.ts';
import { resolveSessionSecret } from '../platform/security/session-secret.ts';
import { createServices } from '../services.ts';
import { systemClock } from '../platform/clock.ts';
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

  if (options.shouldMigrate) {
    const results = await migrateToLatest(database);
    for (const result of results)
      logger.info({ migration: result.migrationName }, 'migration applied');
  }
  await announceInitialAdmin(runtime);

  const app = await buildApp({
    config,
    database,
    logger,
    sessionSecret: resolveSessionSecret(config),
  });
  await app.listen({ host: config.host, port: config.port });
  logger.info({ url: config.baseUrl, database: database.description }, 'omaum is listening');
  stopOnSignals(app, runtime);
  return app;
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

function stopOnSignals(app: App, runtime: Runtime): void {
  let isStopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (isStopping) return;
    isStopping = true;
    runtime.logger.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      runtime.logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    forced.unref();
    app
      .close()
      .then(() => runtime.close())
      .then(() => {
        process.exitCode = 0;
      })
      .catch((error: unknown) => {
        runtime.logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
