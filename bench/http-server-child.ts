/**
 * One OMAUM web process for the `http.sheet.cached` figure: the real app on
 * the bench's SQLite file, listening on a free port, with monitoring, rate
 * limiting and security headers either all on or all off. Prints
 * `listening <port>` on stdout when ready; SIGTERM ends it.
 *
 * argv: <sqlite file> <on|off> <log file>
 */
import pino from 'pino';

import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { createLogger } from '../src/platform/logging/logger.ts';

const [file = '', mode = 'on', logFile = '/dev/null'] = process.argv.slice(2);
const isOn = mode === 'on';

// Limits far above what the load reaches: every rule is evaluated, none refuses.
const UNREACHABLE = '100000000/1m';
const config = loadConfig(
  {
    OMAUM_DATABASE_URL: `sqlite:${file}`,
    OMAUM_RATE_LIMIT: isOn ? 'on' : 'off',
    OMAUM_RATE_LIMIT_GENERAL: UNREACHABLE,
    OMAUM_RATE_LIMIT_API: UNREACHABLE,
    OMAUM_RATE_LIMIT_BURST: '100000000/10s',
    OMAUM_LOG_LEVEL: 'info',
  },
  { useDotenv: false },
);
// Asynchronous file writes, as pino writes to stdout in production.
const logger = createLogger({
  level: 'info',
  destination: pino.destination({ dest: logFile, sync: false }),
});
const database = openDatabase(config.database, isOn ? {} : { onQuery: null });
const app = await buildApp({
  config,
  database,
  logger,
  sessionSecret: 'bench-session-secret-long-enough-0123456789',
  operations: isOn ? 'on' : 'off',
  snapshotEveryMs: 0,
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);

process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => database.close())
    .then(() => process.exit(0));
});
