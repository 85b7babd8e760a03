/**
 * Unit files for hosts that run OMAUM under systemd instead of
 * `omaum deploy start`: systemd then starts, restarts and stops the same
 * three roles (web cluster, workers as a template, scheduler).
 */
import os from 'node:os';
import path from 'node:path';

export interface UnitOptions {
  /** The folder OMAUM runs from (its `.env` is read from there). */
  readonly workingDir: string;
  readonly dataDir: string;
  readonly webInstances: number;
  readonly user: string;
  readonly nodePath: string;
}

export interface UnitFile {
  readonly name: string;
  readonly content: string;
}

const BIN = path.resolve(import.meta.dirname, '..', '..', '..', 'bin', 'omaum.js');

export function defaultUnitOptions(dataDir: string, webInstances: number): UnitOptions {
  return {
    workingDir: process.cwd(),
    dataDir,
    webInstances,
    user: os.userInfo().username,
    nodePath: process.execPath,
  };
}

/** `omaum-web.service`, `omaum-worker@.service` (one per `@N`), `omaum-scheduler.service`. */
export function systemdUnits(options: UnitOptions): UnitFile[] {
  const web = options.webInstances > 1 ? `serve --instances ${options.webInstances}` : 'serve';
  return [
    unit('omaum-web.service', 'OMAUM web processes', options, web, 40),
    unit('omaum-worker@.service', 'OMAUM job worker %i', options, 'worker', 45),
    unit('omaum-scheduler.service', 'OMAUM scheduler', options, 'scheduler', 15),
  ];
}

function unit(
  name: string,
  description: string,
  options: UnitOptions,
  args: string,
  stopSeconds: number,
): UnitFile {
  const lines = [
    '[Unit]',
    `Description=${description}`,
    'After=network-online.target postgresql.service redis-server.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${options.user}`,
    `WorkingDirectory=${options.workingDir}`,
    `EnvironmentFile=-${path.join(options.workingDir, '.env')}`,
    `Environment=OMAUM_DATA_DIR=${options.dataDir}`,
    `ExecStart=${options.nodePath} ${BIN} ${args}`,
    // SIGTERM lets requests and jobs finish; systemd kills only after the timeout.
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    `TimeoutStopSec=${stopSeconds}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return { name, content: lines.join('\n') };
}
