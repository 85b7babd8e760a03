import { Command, InvalidArgumentError, Option } from 'commander';

import { createUser } from './cli/users.command.ts';
import { migrateLatest, showMigrationStatus } from './cli/migrate.command.ts';
import { openRuntime } from './cli/runtime.ts';
import type { Runtime } from './cli/runtime.ts';
import { serve } from './cli/serve.command.ts';
import { ConfigError } from './config/config.ts';
import { AppError } from './platform/errors/app-error.ts';

const program = new Command()
  .name('omaum')
  .description('OMAUM: alunos, turmas, frequência e relatórios')
  .showHelpAfterError()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

program
  .command('start')
  .description('run everything in one process: migrations, web server (embedded default)')
  .action(() => runForever((runtime) => serve(runtime, { shouldMigrate: true })));

program
  .command('serve')
  .description('run the web server only (migrations must be applied with `omaum migrate`)')
  .option('--migrate', 'apply pending migrations first', false)
  .action((options: { migrate: boolean }) =>
    runForever((runtime) => serve(runtime, { shouldMigrate: options.migrate })),
  );

const migrate = program.command('migrate').description('database migrations');
migrate
  .command('latest', { isDefault: true })
  .description('apply every pending migration')
  .option('--json', 'print JSON', false)
  .action((options: { json: boolean }) =>
    runOnce((runtime) => migrateLatest(runtime, options.json)),
  );
migrate
  .command('status')
  .description('list migrations; exits 1 when some are pending')
  .option('--json', 'print JSON', false)
  .action((options: { json: boolean }) =>
    runOnce(async (runtime) => {
      if (!(await showMigrationStatus(runtime, options.json))) process.exitCode = 1;
    }),
  );

const users = program.command('users').description('user accounts');
users
  .command('create')
  .description('create a user; the password is read from standard input')
  .requiredOption('--email <email>', 'e-mail used to sign in')
  .requiredOption('--name <name>', 'full name')
  .addOption(
    new Option('--role <role>', 'role')
      .choices(['admin', 'secretary', 'instructor', 'viewer'])
      .makeOptionMandatory(),
  )
  .option('--student-id <id>', 'student record of an instructor', parseId)
  .requiredOption('--password-stdin', 'read the password from standard input')
  .option('--json', 'print JSON', false)
  .action(
    (options: { email: string; name: string; role: 'admin'; studentId?: number; json: boolean }) =>
      runOnce((runtime) => createUser(runtime, { ...options, isJson: options.json })),
  );

program
  .command('demo')
  .description('fill an empty database with a believable demo institution')
  .option('--json', 'print JSON', false)
  .action((options: { json: boolean }) =>
    runOnce(async (runtime) => {
      const { loadDemo } = await import('./cli/demo.command.ts');
      await loadDemo(runtime, options.json);
    }),
  );

function parseId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1) throw new InvalidArgumentError('must be a positive integer');
  return id;
}

async function runOnce(task: (runtime: Runtime) => Promise<void>): Promise<void> {
  const runtime = openOrExit({ logToStderr: true });
  try {
    await task(runtime);
  } catch (error) {
    report(error);
    process.exitCode = 1;
  } finally {
    await runtime.close();
  }
}

async function runForever(task: (runtime: Runtime) => Promise<unknown>): Promise<void> {
  const runtime = openOrExit({});
  try {
    await task(runtime);
  } catch (error) {
    report(error);
    await runtime.close();
    process.exit(1);
  }
}

function openOrExit(options: { logToStderr?: boolean }): Runtime {
  try {
    return openRuntime(options);
  } catch (error) {
    report(error);
    process.exit(1);
  }
}

function report(error: unknown): void {
  if (error instanceof ConfigError || error instanceof AppError) {
    const details = error instanceof AppError && Array.isArray(error.details) ? error.details : [];
    process.stderr.write(`omaum: ${error.message}\n`);
    for (const detail of details as { field: string; message: string }[]) {
      process.stderr.write(`  - ${detail.field}: ${detail.message}\n`);
    }
    return;
  }
  process.stderr.write(
    `omaum: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
}

await program.parseAsync(process.argv);
