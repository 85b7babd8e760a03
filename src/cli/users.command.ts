import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { systemClock } from '../platform/clock.ts';
import { hasPendingMigrations } from '../platform/db/migrate.ts';
import type { Role } from '../platform/db/tables.ts';
import { UsersService } from '../users/users.service.ts';
import { CliError } from './cli-error.ts';
import type { Runtime } from './runtime.ts';

export interface CreateUserOptions {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly studentId?: number;
  readonly isJson: boolean;
}

/**
 * `omaum users create`: the password comes on stdin, never on the command line
 * (where `ps` and shell history would show it). A user made this way chose
 * their password, so they are not forced to change it.
 */
export async function createUser(runtime: Runtime, options: CreateUserOptions): Promise<void> {
  const password = await readPassword();
  if (await hasPendingMigrations(runtime.database)) {
    throw new CliError('the database has pending migrations: run `omaum migrate latest` first');
  }
  const users = new UsersService(runtime.database.db, systemClock);
  const user = await users.create(SYSTEM_ACTOR, {
    email: options.email,
    name: options.name,
    role: options.role,
    password,
    studentId: options.studentId ?? null,
    mustChangePassword: false,
  });
  process.stdout.write(
    options.isJson
      ? `${JSON.stringify(user)}\n`
      : `created user ${user.id} <${user.email}> with role ${user.role}\n`,
  );
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliError(
      '--password-stdin expects the password on standard input, ' +
        'e.g. printf \'%s\' "$PASSWORD" | omaum users create ...',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // `echo` adds one line break; anything else is part of the password.
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') throw new CliError('no password was given on standard input');
  return password;
}
