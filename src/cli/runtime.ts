import type { Config } from '../config/config.ts';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../platform/db/database.ts';
import type { Database } from '../platform/db/database.ts';
import { createLogger } from '../platform/logging/logger.ts';
import type { Logger } from '../platform/logging/logger.ts';

/** What every command starts from: configuration, a logger and the database. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  close(): Promise<void>;
}

export function openRuntime(options: { logToStderr?: boolean } = {}): Runtime {
  const config = loadConfig();
  const logger = createLogger({
    level: config.logLevel,
    isPretty: !config.isProduction && process.stdout.isTTY,
    // Commands that print data keep stdout for it.
    ...(options.logToStderr ? { destination: process.stderr } : {}),
  });
  const database = openDatabase(config.database);
  return {
    config,
    logger,
    database,
    close: () => database.close(),
  };
}
