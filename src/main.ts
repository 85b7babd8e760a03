/**
 * The `omaum` command. Every command exits non-zero on failure, writes its
 * data to stdout and its diagnostics (errors, logs of one-shot commands) to
 * stderr, so that `--json` output can be piped straight into another program.
 */
import cluster from 'node:cluster';

import { Command, Option } from 'commander';

import type * as BackupModule from './cli/backup.command.ts';
import type * as DeployModule from './cli/deploy.command.ts';
import type { HealthCommandOptions } from './cli/health.command.ts';
import {
  parseChecks,
  parseId,
  parseMetricsPort,
  parseMonthOption,
  parseQueues,
} from './cli/options.ts';
import type { Runtime } from './cli/runtime.ts';
import { omaumVersion } from './cli/version.ts';
import type { Role } from './platform/db/tables.ts';
import { JOB_STATES, QUEUE_NAMES } from './platform/jobs/job-queue.ts';
import type { JobState, QueueName } from './platform/jobs/job-queue.ts';
import { CHECK_NAMES } from './system/health/health-report.ts';

// Command modules are imported by the command that runs them, not here: `omaum --help`
// and the primary of a web cluster (which only forks and gathers) then load a fraction.

const ROLES: readonly Role[] = ['admin', 'secretary', 'instructor', 'viewer'];

interface JsonOption {
  readonly json: boolean;
}

interface UsersCreateOptions extends JsonOption {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly studentId?: number;
}

const program = new Command()
  .name('omaum')
  .description('OMAUM: alunos, turmas, frequência e relatórios')
  .version(omaumVersion(), '-V, --version', 'print the version')
  .showHelpAfterError()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

addServerCommands(program);
addMigrateCommands(program);
addUsersCommands(program);
addDemoCommand(program);
addStatsCommands(program);
addBackupCommands(program);
addJobCommands(program);
addSecurityCommands(program);
addHealthCommand(program);
addDeployCommands(program);

function addServerCommands(cli: Command): void {
  cli
    .command('start')
    .description('run everything in one process: migrations, web server (embedded default)')
    .action(() =>
      runForever(async (runtime) => {
        const { serve } = await import('./cli/serve.command.ts');
        return serve(runtime, { shouldMigrate: true, shouldRunJobs: true });
      }),
    );

  cli
    .command('serve')
    .description('run the web server only (migrations must be applied with `omaum migrate`)')
    .option('--migrate', 'apply pending migrations first', false)
    .option('--instances <n>', 'web processes sharing the port (a cluster)', parseId, 1)
    .action((options: { migrate: boolean; instances: number }) => {
      if (options.instances > 1 && cluster.isPrimary) return startWebCluster(options.instances);
      return runForever(async (runtime) => {
        const { serve } = await import('./cli/serve.command.ts');
        return serve(runtime, { shouldMigrate: options.migrate, shouldRunJobs: false });
      });
    });
}

/** The primary of `serve --instances N`: it forks the web processes and serves nothing. */
async function startWebCluster(instances: number): Promise<void> {
  try {
    const { loadConfig } = await import('./config/config.ts');
    const { createLogger } = await import('./platform/logging/logger.ts');
    const { runWebCluster } = await import('./system/web-cluster.ts');
    const { SHUTDOWN_GRACE_MS } = await import('./cli/grace.ts');
    const config = loadConfig();
    const logger = createLogger({ level: config.logLevel }).child({ pid: process.pid });
    runWebCluster({
      instances,
      dataDir: config.dataDir,
      logger,
      shutdownGraceMs: SHUTDOWN_GRACE_MS,
    });
  } catch (error) {
    await reportError(error);
    process.exit(1);
  }
}

interface HealthFlags {
  readonly format: 'summary' | 'json';
  readonly json: boolean;
  readonly checks?: HealthCommandOptions['checks'];
  readonly verbose: boolean;
  readonly strict: boolean;
}

function healthOptions(flags: HealthFlags): HealthCommandOptions {
  return {
    format: flags.json ? 'json' : flags.format,
    checks: flags.checks ?? [...CHECK_NAMES],
    isVerbose: flags.verbose,
    isStrict: flags.strict,
  };
}

function withHealthOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--format <format>', 'summary table or one JSON document')
        .choices(['summary', 'json'])
        .default('summary'),
    )
    .option('--json', 'the same as --format json', false)
    .option('--checks <a,b>', `only these checks (${CHECK_NAMES.join(', ')})`, parseChecks)
    .option('--verbose', 'show the figures behind each check', false)
    .option('--strict', 'exit 1 on a warning too', false);
}

function addHealthCommand(cli: Command): void {
  withHealthOptions(
    cli
      .command('health')
      .description(
        'check database, cache, queue, performance, security and system; exit 1 on a fail',
      ),
  ).action((flags: HealthFlags) => runHealthOrExit(healthOptions(flags)));
}

async function runHealthOrExit(options: HealthCommandOptions): Promise<void> {
  try {
    const { healthCommand } = await import('./cli/health.command.ts');
    await healthCommand(options);
  } catch (error) {
    await reportError(error);
    process.exit(1);
  }
}

function addDeployCommands(cli: Command): void {
  const deploy = cli.command('deploy').description('run OMAUM on this host (docs/deploy.md)');
  deploy
    .command('setup')
    .description('check configuration, create folders, migrate, analyze, first admin, schedules')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      deployCommand((deploy) =>
        deploy.runDeployCommand((c) => deploy.setupCommand(c, options.json)),
      ),
    );
  deploy
    .command('start')
    .description('start web, worker and scheduler processes; returns once /readyz is green')
    .option('--web <n>', 'web processes sharing the port', parseId, 1)
    .option('--workers <n>', 'worker processes', parseId, 1)
    .option('--timeout <seconds>', 'how long to wait for readiness', parseId, 60)
    .option('--json', 'print JSON', false)
    .action((options: { web: number; workers: number; timeout: number; json: boolean }) =>
      deployCommand((deploy) =>
        deploy.runDeployCommand((c) =>
          deploy.startCommand(c, {
            web: options.web,
            workers: options.workers,
            timeoutMs: options.timeout * 1000,
            isJson: options.json,
          }),
        ),
      ),
    );
  deploy
    .command('stop')
    .description('stop the processes deploy started: SIGTERM, then SIGKILL after the timeout')
    .option('--timeout <seconds>', 'how long they get to finish', parseId, 45)
    .option('--json', 'print JSON', false)
    .action((options: { timeout: number; json: boolean }) =>
      deployCommand((deploy) =>
        deploy.runDeployCommand((c) =>
          deploy.stopCommand(c, { timeoutMs: options.timeout * 1000, isJson: options.json }),
        ),
      ),
    );
  deploy
    .command('status')
    .description('each process, its uptime, memory and liveness; queue depths; readiness')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      deployCommand((deploy) =>
        deploy.runDeployCommand((c) => deploy.statusCommand(c, options.json)),
      ),
    );
  withHealthOptions(deploy.command('health').description('the same as `omaum health`')).action(
    (flags: HealthFlags) =>
      deployCommand(async (deploy) => {
        const { runHealth } = await import('./cli/health.command.ts');
        return deploy.runDeployCommand(({ config }) => runHealth(config, healthOptions(flags)));
      }),
  );
  deploy
    .command('systemd')
    .description('print systemd unit files for web, worker and scheduler')
    .option('--web <n>', 'web processes sharing the port', parseId, 1)
    .option('--output <dir>', 'write the files there instead of printing them')
    .action((options: { web: number; output?: string }) =>
      deployCommand((deploy) => deploy.runDeployCommand((c) => deploy.systemdCommand(c, options))),
    );
}

function addMigrateCommands(cli: Command): void {
  const migrate = cli.command('migrate').description('database migrations');
  migrate
    .command('latest', { isDefault: true })
    .description('apply every pending migration')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      runOnce(async (runtime) => {
        const { migrateLatest } = await import('./cli/migrate.command.ts');
        await migrateLatest(runtime, options.json);
      }),
    );
  migrate
    .command('status')
    .description('list migrations; exits 1 when some are pending')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      runOnce(async (runtime) => {
        const { showMigrationStatus } = await import('./cli/migrate.command.ts');
        const isUpToDate = await showMigrationStatus(runtime, options.json);
        if (!isUpToDate) process.exitCode = 1;
      }),
    );
}

function addUsersCommands(cli: Command): void {
  const users = cli.command('users').description('user accounts');
  users
    .command('create')
    .description('create a user; the password is read from standard input')
    .requiredOption('--email <email>', 'e-mail used to sign in')
    .requiredOption('--name <name>', 'full name')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).makeOptionMandatory())
    .option('--student-id <id>', 'student record of an instructor (required for them)', parseId)
    .requiredOption('--password-stdin', 'read the password from standard input')
    .option('--json', 'print the created user as JSON', false)
    .action((options: UsersCreateOptions) =>
      runOnce(async (runtime) => {
        const { createUser } = await import('./cli/users.command.ts');
        await createUser(runtime, { ...options, isJson: options.json });
      }),
    );
}

function addDemoCommand(cli: Command): void {
  cli
    .command('demo')
    .description('fill an empty database with a believable demo institution')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      runOnce(async (runtime) => {
        const { loadDemo } = await import('./cli/demo.command.ts');
        await loadDemo(runtime, options.json);
      }),
    );
}

function addStatsCommands(cli: Command): void {
  cli
    .command('stats')
    .description('attendance statistics')
    .command('rebuild')
    .description('recompute the monthly attendance counters from the marks')
    .option('--cohort <id>', 'only this cohort', parseId)
    .option('--from <YYYY-MM>', 'first month', parseMonthOption)
    .option('--to <YYYY-MM>', 'last month', parseMonthOption)
    .option('--json', 'print JSON', false)
    .action((options: { cohort?: number; from?: string; to?: string; json: boolean }) =>
      runOnce(async (runtime) => {
        const { rebuildStatistics } = await import('./cli/stats.command.ts');
        await rebuildStatistics(
          runtime,
          { cohortId: options.cohort, fromMonth: options.from, toMonth: options.to },
          options.json,
        );
      }),
    );
}

function addJobCommands(cli: Command): void {
  cli
    .command('worker')
    .description('run background jobs until SIGTERM (then finish or hand back running ones)')
    .option('--queues <a,b>', 'queues to take jobs from (default: all)', parseQueues)
    .option('--concurrency <n>', 'jobs run at the same time', parseId, 1)
    .option(
      '--metrics-port <n>',
      "serve this process's /metrics on this port; 0: none (default: OMAUM_WORKER_METRICS_PORT)",
      parseMetricsPort,
    )
    .action((options: { queues?: QueueName[]; concurrency: number; metricsPort?: number | null }) =>
      runForever(async (runtime) => {
        const { runWorker } = await import('./cli/worker.command.ts');
        return runWorker(runtime, {
          queues: options.queues ?? [...QUEUE_NAMES],
          concurrency: options.concurrency,
          handlers: 'all',
          // The option wins over the setting, 0 included (it turns the server off).
          metricsPort:
            options.metricsPort === undefined
              ? runtime.config.workerMetricsPort
              : options.metricsPort,
        });
      }),
    );
  cli
    .command('scheduler')
    .description('fire the cron schedules until SIGTERM (one job per tick, even with several)')
    .action(() =>
      runForever(async (runtime) => {
        const { runScheduler } = await import('./cli/worker.command.ts');
        return runScheduler(runtime);
      }),
    );

  const jobs = cli.command('jobs').description('background jobs');
  jobs
    .command('list')
    .description('list jobs, newest first')
    .addOption(new Option('--queue <queue>', 'only this queue').choices(QUEUE_NAMES))
    .addOption(new Option('--state <state>', 'only this state').choices(JOB_STATES))
    .option('--limit <n>', 'at most this many (max 500)', parseId, 50)
    .option('--json', 'print JSON', false)
    .action((options: { queue?: QueueName; state?: JobState; limit: number; json: boolean }) =>
      runOnce(async (runtime) => {
        const { listJobs } = await import('./cli/jobs.command.ts');
        await listJobs(
          runtime,
          { queue: options.queue, state: options.state, limit: options.limit },
          options.json,
        );
      }),
    );
  jobs
    .command('retry')
    .description('run a failed job again, with a fresh set of attempts')
    .argument('<id>', 'job id')
    .option('--json', 'print the job as JSON', false)
    .action((id: string, options: JsonOption) =>
      runOnce(async (runtime) => {
        const { retryJob } = await import('./cli/jobs.command.ts');
        await retryJob(runtime, id, options.json);
      }),
    );
}

function addBackupCommands(cli: Command): void {
  const backup = cli.command('backup').description('database backups (see docs/backups.md)');
  backup
    .command('create')
    .description('back up the database now, with a checksum; the application stays online')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      backupCommand((backup) =>
        backup.runBackupCommand((service) => backup.createBackup(service, options.json)),
      ),
    );
  backup
    .command('list')
    .description('list the backups, newest first, with size, date and checksum status')
    .option('--no-checksum', 'do not read the files to check their checksums')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption & { checksum: boolean }) =>
      backupCommand((backup) =>
        backup.runBackupCommand((service) =>
          backup.listBackups(service, {
            isJson: options.json,
            isChecksumChecked: options.checksum,
          }),
        ),
      ),
    );
  backup
    .command('verify [file]')
    .description('check the checksum and open the backup (default: the newest); exits 1 if bad')
    .option('--json', 'print JSON', false)
    .action((file: string | undefined, options: JsonOption) =>
      backupCommand((backup) =>
        backup.runBackupCommand((service) => backup.verifyBackup(service, file, options.json)),
      ),
    );
  backup
    .command('restore <file>')
    .description('verify a backup, then replace the database with it (stop OMAUM first)')
    .option('--yes', 'confirm: the current data is replaced', false)
    .option('--json', 'print JSON', false)
    .action((file: string, options: JsonOption & { yes: boolean }) =>
      backupCommand((backup) =>
        backup.runBackupCommand((service, { config, logger }) => {
          const clearCache = backup.sharedCacheClearer(config, logger);
          return backup.restoreBackup(service, file, {
            isJson: options.json,
            isConfirmed: options.yes,
            ...(clearCache ? { clearCache } : {}),
          });
        }),
      ),
    );
}

function addSecurityCommands(cli: Command): void {
  const security = cli
    .command('security')
    .description('address blocks, from the host (needs OMAUM_REDIS_URL; see docs/security.md)');
  security
    .command('blocks')
    .description('list the addresses blocked now')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      runOnce(async (runtime) => {
        const { listBlocksCommand } = await import('./cli/security.command.ts');
        await listBlocksCommand(runtime, options.json);
      }),
    );
  security
    .command('unblock')
    .description('lift the block of an address at once (recorded as a security event)')
    .argument('<address>', 'the blocked address, as `security blocks` shows it')
    .action((address: string) =>
      runOnce(async (runtime) => {
        const { unblockCommand } = await import('./cli/security.command.ts');
        await unblockCommand(runtime, address);
      }),
    );
}

/** A `deploy` subcommand, with the deploy module loaded. */
async function deployCommand(task: (deploy: typeof DeployModule) => Promise<void>): Promise<void> {
  await task(await import('./cli/deploy.command.ts'));
}

/** A `backup` subcommand, with the backup module loaded. */
async function backupCommand(task: (backup: typeof BackupModule) => Promise<void>): Promise<void> {
  await task(await import('./cli/backup.command.ts'));
}

/** Says what went wrong on stderr, in the words the error catalogue gives it. */
async function reportError(error: unknown): Promise<void> {
  const { reportError: report } = await import('./cli/cli-error.ts');
  report(error);
}

/** A command that does its work and ends; its logs go to stderr, keeping stdout for data. */
async function runOnce(task: (runtime: Runtime) => Promise<void>): Promise<void> {
  const runtime = await openOrExit({ logToStderr: true });
  try {
    await task(runtime);
  } catch (error) {
    await reportError(error);
    process.exitCode = 1;
  } finally {
    await runtime.close();
  }
}

/** A server: it runs until a signal stops it, and exits 1 if it cannot start. */
async function runForever(task: (runtime: Runtime) => Promise<unknown>): Promise<void> {
  const runtime = await openOrExit({});
  try {
    await task(runtime);
  } catch (error) {
    await reportError(error);
    await runtime.close().catch(() => undefined);
    process.exit(1);
  }
}

async function openOrExit(options: { logToStderr?: boolean }): Promise<Runtime> {
  try {
    const { openRuntime } = await import('./cli/runtime.ts');
    return openRuntime(options);
  } catch (error) {
    await reportError(error);
    process.exit(1);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander reports its own usage errors; this catches what escapes an action.
  await reportError(error);
  process.exitCode = 1;
}
