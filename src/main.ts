/**
 * The `omaum` command. Every command exits non-zero on failure, writes its
 * data to stdout and its diagnostics (errors, logs of one-shot commands) to
 * stderr, so that `--json` output can be piped straight into another program.
 */
import { Command, InvalidArgumentError, Option } from 'commander';

import { reportError } from './cli/cli-error.ts';
import { migrateLatest, showMigrationStatus } from './cli/migrate.command.ts';
import { openRuntime } from './cli/runtime.ts';
import type { Runtime } from './cli/runtime.ts';
import { serve } from './cli/serve.command.ts';
import { rebuildStatistics } from './cli/stats.command.ts';
import { createUser } from './cli/users.command.ts';
import { omaumVersion } from './cli/version.ts';
import type { Role } from './platform/db/tables.ts';

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

function addServerCommands(cli: Command): void {
  cli
    .command('start')
    .description('run everything in one process: migrations, web server (embedded default)')
    .action(() => runForever((runtime) => serve(runtime, { shouldMigrate: true })));

  cli
    .command('serve')
    .description('run the web server only (migrations must be applied with `omaum migrate`)')
    .option('--migrate', 'apply pending migrations first', false)
    .action((options: { migrate: boolean }) =>
      runForever((runtime) => serve(runtime, { shouldMigrate: options.migrate })),
    );
}

function addMigrateCommands(cli: Command): void {
  const migrate = cli.command('migrate').description('database migrations');
  migrate
    .command('latest', { isDefault: true })
    .description('apply every pending migration')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) => runOnce((runtime) => migrateLatest(runtime, options.json)));
  migrate
    .command('status')
    .description('list migrations; exits 1 when some are pending')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      runOnce(async (runtime) => {
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
      runOnce((runtime) => createUser(runtime, { ...options, isJson: options.json })),
    );
}

function addDemoCommand(cli: Command): void {
  cli
    .command('demo')
    .description('fill an empty database with a believable demo institution')
    .option('--json', 'print JSON', false)
    .action((options: JsonOption) =>
      runOnce(async (runtime) => {
        // Loaded on demand: the demo data is large and only this command needs it.
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
      runOnce((runtime) =>
        rebuildStatistics(
          runtime,
          { cohortId: options.cohort, fromMonth: options.from, toMonth: options.to },
          options.json,
        ),
      ),
    );
}

function parseMonthOption(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new InvalidArgumentError('must be YYYY-MM');
  return value;
}

function parseId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1) throw new InvalidArgumentError('must be a positive integer');
  return id;
}

/** A command that does its work and ends; its logs go to stderr, keeping stdout for data. */
async function runOnce(task: (runtime: Runtime) => Promise<void>): Promise<void> {
  const runtime = openOrExit({ logToStderr: true });
  try {
    await task(runtime);
  } catch (error) {
    reportError(error);
    process.exitCode = 1;
  } finally {
    await runtime.close();
  }
}

/** A server: it runs until a signal stops it, and exits 1 if it cannot start. */
async function runForever(task: (runtime: Runtime) => Promise<unknown>): Promise<void> {
  const runtime = openOrExit({});
  try {
    await task(runtime);
  } catch (error) {
    reportError(error);
    await runtime.close().catch(() => undefined);
    process.exit(1);
  }
}

function openOrExit(options: { logToStderr?: boolean }): Runtime {
  try {
    return openRuntime(options);
  } catch (error) {
    reportError(error);
    process.exit(1);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander reports its own usage errors; this catches what escapes an action.
  reportError(error);
  process.exitCode = 1;
}
