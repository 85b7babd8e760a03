/**
 * `omaum deploy setup|start|stop|status|health|systemd`: running OMAUM on one
 * host as several processes (see docs/deploy.md). Data goes to stdout
 * (`--json` for one JSON document), diagnostics to stderr; any failure exits 1.
 */
import fs from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../config/config.ts';
import type { Config } from '../config/config.ts';
import type { IndexReport } from '../platform/db/indexes.ts';
import { createLogger } from '../platform/logging/logger.ts';
import type { Logger } from '../platform/logging/logger.ts';
import { DeployError, localBaseUrl } from '../system/deploy/deploy-common.ts';
import { deploySetup } from '../system/deploy/deploy-setup.ts';
import type { SetupReport } from '../system/deploy/deploy-setup.ts';
import { deployStart } from '../system/deploy/deploy-start.ts';
import type { StartOptions } from '../system/deploy/deploy-start.ts';
import { deployStatus } from '../system/deploy/deploy-status.ts';
import type { DeployStatus, ProcessStatus } from '../system/deploy/deploy-status.ts';
import { deployStop } from '../system/deploy/deploy-stop.ts';
import type { StopReport } from '../system/deploy/deploy-stop.ts';
import type { DeployRecords } from '../system/deploy/process-records.ts';
import { defaultUnitOptions, systemdUnits } from '../system/deploy/systemd-units.ts';
import { exitStatusOf } from '../system/health/health-report.ts';
import { formatHealthSummary } from '../system/health/health-summary.ts';
import { CliError, reportError } from './cli-error.ts';
import { writeOut } from './health.command.ts';

interface Context {
  readonly config: Config;
  readonly logger: Logger;
}

/** Runs one deploy step; a failure is reported on stderr (with the log tail) and exits 1. */
export async function runDeployCommand(task: (context: Context) => Promise<number>): Promise<void> {
  let status: number;
  try {
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel, destination: process.stderr });
    status = await task({ config, logger });
  } catch (error) {
    if (error instanceof DeployError) {
      reportError(new CliError(error.message));
      if (error.logTail !== '') process.stderr.write(`--- end of the log ---\n${error.logTail}\n`);
    } else {
      reportError(error);
    }
    status = 1;
  }
  // Connections to a Redis that went away leave timers behind: they must not hold the exit.
  process.exit(status);
}

export async function setupCommand({ config, logger }: Context, isJson: boolean): Promise<number> {
  const report = await deploySetup(config, logger);
  if (report.admin?.generatedPassword)
    announcePassword(report.admin.email, report.admin.generatedPassword);
  await writeOut(isJson ? `${JSON.stringify(setupJson(report))}\n` : formatSetup(report));
  return exitStatusOf(report.health, false);
}

function setupJson(report: SetupReport): unknown {
  const { admin, ...rest } = report;
  // The password is shown once on the terminal (stderr), never in data a script may keep.
  return {
    ...rest,
    admin: admin && { email: admin.email, isPasswordGenerated: admin.generatedPassword !== null },
  };
}

function formatSetup(report: SetupReport): string {
  const applied = report.appliedMigrations;
  const lines = [
    `data folder: ${report.dataDir}`,
    applied.length === 0 ? 'migrations: up to date' : `migrations applied: ${applied.join(', ')}`,
    ...formatIndexes(report.indexes),
    'statistics: ANALYZE done',
    report.admin
      ? `administrator created: ${report.admin.email}`
      : 'administrator: users exist already',
    `schedules registered: ${report.schedules.join(', ')}`,
    '',
  ];
  return `${lines.join('\n')}\n${formatHealthSummary(report.health)}`;
}

function formatIndexes(report: IndexReport): string[] {
  const { checked, recreated, rebuilt, extra } = report;
  if (recreated.length + rebuilt.length + extra.length === 0)
    return [`indexes: ${checked} checked, all present`];
  const lines = [`indexes: ${checked} checked`];
  if (recreated.length > 0) lines.push(`indexes recreated: ${recreated.join(', ')}`);
  if (rebuilt.length > 0) lines.push(`indexes rebuilt (were INVALID): ${rebuilt.join(', ')}`);
  // Not dropped: an operator may have added it on purpose.
  if (extra.length > 0) lines.push(`indexes not in the migrations, kept: ${extra.join(', ')}`);
  return lines;
}

function announcePassword(email: string, password: string): void {
  process.stderr.write(
    [
      '',
      '  OMAUM: administrador inicial criado / initial administrator created',
      `    e-mail: ${email}`,
      `    senha / password: ${password}`,
      '  Troque a senha no primeiro acesso. / Change it at first sign-in.',
      '',
      '',
    ].join('\n'),
  );
}

export async function startCommand(
  { config }: Context,
  options: StartOptions & { isJson: boolean },
): Promise<number> {
  const records = await deployStart(config, options);
  await writeOut(isJsonText(options.isJson, records) ?? formatStart(config, records));
  return 0;
}

function formatStart(config: Config, records: DeployRecords): string {
  const lines = records.processes.map((record) => {
    const count = record.instances && record.instances > 1 ? `, ${record.instances} processes` : '';
    const metrics = record.metricsPort === undefined ? '' : `, /metrics on :${record.metricsPort}`;
    return `started ${record.name} (pid ${record.pid}${count}${metrics}) → ${record.logFile}`;
  });
  lines.push(`ready at ${localBaseUrl(config)}`);
  return `${lines.join('\n')}\n`;
}

export async function stopCommand(
  { config }: Context,
  options: { timeoutMs: number; isJson: boolean },
): Promise<number> {
  const report = await deployStop(config, { timeoutMs: options.timeoutMs });
  await writeOut(isJsonText(options.isJson, report) ?? formatStop(report));
  const killed = report.processes.filter((p) => p.outcome === 'killed');
  if (killed.length === 0) return 0;
  process.stderr.write(
    `omaum: ${killed.map((p) => p.name).join(', ')} did not stop in time and were killed\n`,
  );
  return 1;
}

function formatStop(report: StopReport): string {
  if (report.processes.length === 0) return 'nothing to stop: no process was started by deploy\n';
  return report.processes.map((p) => `${p.outcome} ${p.name} (pid ${p.pid})\n`).join('');
}

export async function statusCommand({ config, logger }: Context, isJson: boolean): Promise<number> {
  const status = await deployStatus(config, logger);
  await writeOut(isJsonText(isJson, status) ?? formatStatus(status));
  return status.isHealthy ? 0 : 1;
}

function formatStatus(status: DeployStatus): string {
  if (!status.isDeployed) return `not started by deploy\nreadiness: ${status.readiness.message}\n`;
  // The METRICS column only when some worker serves its own /metrics.
  const hasMetrics = status.processes.some((p) => p.metricsPort !== null);
  const header = [
    'ROLE',
    'NAME',
    'PID',
    'UPTIME',
    'MEMORY',
    'ALIVE',
    ...(hasMetrics ? ['METRICS'] : []),
  ];
  const rows = status.processes.map((p) => processRow(p).slice(0, header.length));
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((r) => r[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();

  const lines = [line(header), ...rows.map(line), ''];
  const ready = status.readiness;
  lines.push(`readiness: ${ready.isReady ? 'ready' : `not ready (${ready.message})`}`);
  if (status.queues === null) {
    lines.push(`queues: unknown (${status.queueError ?? 'no answer'})`);
  } else {
    for (const [queue, counts] of Object.entries(status.queues)) {
      const figures = Object.entries(counts)
        .map(([state, n]) => `${state} ${n}`)
        .join(', ');
      lines.push(`queue ${queue.padEnd(10)} ${figures}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function processRow(p: ProcessStatus): string[] {
  return [
    p.parentPid === null ? p.role : `  ${p.role}`,
    p.name,
    String(p.pid),
    p.uptimeMs === null ? '-' : formatDuration(p.uptimeMs),
    p.memoryBytes === null ? '-' : `${Math.round(p.memoryBytes / 1024 / 1024)} MiB`,
    !p.isRunning ? 'not running' : p.isLive ? 'yes' : 'no',
    // Web processes answer on OMAUM_PORT; a worker, on its own port when it serves one.
    p.metricsPort === null ? '' : `:${p.metricsPort}`,
  ];
}

function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export async function systemdCommand(
  { config }: Context,
  options: { web: number; output?: string },
): Promise<number> {
  const units = systemdUnits(defaultUnitOptions(config.dataDir, options.web));
  if (options.output === undefined) {
    await writeOut(units.map((unit) => `# ${unit.name}\n${unit.content}`).join('\n'));
    return 0;
  }
  fs.mkdirSync(options.output, { recursive: true });
  for (const unit of units) {
    const file = path.join(options.output, unit.name);
    fs.writeFileSync(file, unit.content);
    await writeOut(`wrote ${file}\n`);
  }
  return 0;
}

function isJsonText(isJson: boolean, value: unknown): string | null {
  return isJson ? `${JSON.stringify(value)}\n` : null;
}
