/**
 * `omaum health`: runs the health checks against the configured installation
 * and prints the report, as a short table or as one JSON document. Exit
 * status 0 when nothing fails, 1 when something does (or warns, with
 * `--strict`). It sends no load of its own: it probes and reads what the
 * running processes recorded.
 */

import { loadConfig } from '../config/config.ts';
import type { Config } from '../config/config.ts';
import { createLogger } from '../platform/logging/logger.ts';
import { buildHealthReport, openHealthDeps } from '../system/health/health.ts';
import { exitStatusOf } from '../system/health/health-report.ts';
import type { CheckName, HealthReport } from '../system/health/health-report.ts';
import { formatHealthSummary } from '../system/health/health-summary.ts';

export interface HealthCommandOptions {
  readonly format: 'summary' | 'json';
  readonly checks: readonly CheckName[];
  readonly isVerbose: boolean;
  readonly isStrict: boolean;
}

/** Runs the checks and prints the report; resolves with the exit status. */
export async function runHealth(config: Config, options: HealthCommandOptions): Promise<0 | 1> {
  // The backends' own connection warnings would bury the report; --verbose shows them.
  const logger = createLogger({
    level: options.isVerbose ? config.logLevel : 'fatal',
    destination: process.stderr,
  });
  const deps = await openHealthDeps(config, logger);
  let report: HealthReport;
  try {
    report = await buildHealthReport(deps, options.checks);
  } finally {
    await deps.close();
  }
  await writeOut(
    options.format === 'json'
      ? `${JSON.stringify(report)}\n`
      : formatHealthSummary(report, options.isVerbose),
  );
  return exitStatusOf(report, options.isStrict);
}

/** `omaum health` as a command: loads the configuration, then exits with the status. */
export async function healthCommand(options: HealthCommandOptions): Promise<never> {
  const config = loadConfig();
  const status = await runHealth(config, options);
  // A Redis that went away leaves reconnection timers behind; they must not keep us here.
  process.exit(status);
}

/** Resolves once the text is handed to the OS, so that an exit right after loses nothing. */
export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}
