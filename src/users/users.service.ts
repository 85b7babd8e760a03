import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, requireRole } from '../auth/actor.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/database.ts';
import { isUniqueViolation } from '../platform/db/errors.ts';
import type { Role, User } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import {
  generatePassword,
  hashPassword,
  passwordWeakness,
} from '../platform/security/passwords.ts';
import { NO_SECURITY_EVENTS } from '../platform/security/security-event.ts';
import type { SecurityEventRecorder } from '../platform/security/security-event.ts';
import type { UserFilter } from './users.repo.ts';
import { UsersRepo } from './users.repo.ts';

export interface CreateUserInput {
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly password: string;
  readonly studentId?: number | null;
  readonly mustChangePassword?: boolean;
}

export interface UpdateUserInput {
  readonly name?: string;
  readonly role?: Role;
  readonly studentId?: number | null;
  readonly isActive?: boolean;
  /** Set by an admin to reset a password; the user must change it at next sign-in. */
  readonly password?: string;
}

/** What the API shows of a user: never the hash nor the lockout counters. */
export type PublicUser = Omit<User, 'passwordHash' | 'failedSignIns'>;

export function toPublicUser(user: User): PublicUser {
  const { passwordHash: _hash, failedSignIns: _failures, ...rest } = user;
  return rest;
}

export interface InitialAdmin {
  readonly email: string;
  /** Present only when OMAUM generated it: printed once, then forgotten. */
  readonly generatedPassword: string | null;
}

/** Accounts of the people who use OMAUM. Only admins manage them. */
export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly events: SecurityEventRecorder = NO_SECURITY_EVENTS,
  ) {}

  async create(actor: Actor, input: CreateUserInput): Promise<PublicUser> {
    requireRole(actor, ['admin'], 'manage users');
    const email = input.email.trim().toLowerCase();
    const weakness = passwordWeakness(input.password);
    if (weakness) throw invalidFields([{ field: 'password', message: weakness }]);
    await this.checkStudentLink(input.role, input.studentId ?? null);

    const users = new UsersRepo(this.db);
    if (await users.findByEmail(email)) throw duplicate(email);
    const now = this.clock.now().toISOString();
    try {
      const user = await users.insert({
        email,
        name: input.name.trim(),
        role: input.role,
        passwordHash: await hashPassword(input.password),
        studentId: input.studentId ?? null,
        isActive: true,
        mustChangePassword: input.mustChangePassword ?? false,
        failedSignIns: 0,
        createdAt: now,
        updatedAt: now,
      });
      await this.adminAction(actor, user.id, ['create_user'], { role: user.role });
      return toPublicUser(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(email);
      throw error;
    }
  }

  async get(actor: Actor, id: number): Promise<PublicUser> {
    if (actor.userId !== id) requireRole(actor, ['admin'], 'see other users');
    const user = await new UsersRepo(this.db).findById(id);
    if (!user) throw new AppError('OMAUM_USER_NOT_FOUND', `There is no user ${id}`);
    return toPublicUser(user);
  }

  /**
   * The display names of users, for showing who recorded a change; nothing
   * else of the account is revealed, so every role may ask.
   */
  async displayNames(actor: Actor, ids: readonly number[]): Promise<Map<number, string>> {
    requireRole(actor, ALL_ROLES, 'read who recorded a change');
    return new UsersRepo(this.db).namesOf(ids);
  }

  async list(actor: Actor, filter: UserFilter, page: PageRequest): Promise<Page<PublicUser>> {
    requireRole(actor, ['admin'], 'list users');
    const result = await new UsersRepo(this.db).list(filter, page);
    return { items: result.items.map(toPublicUser), total: result.total };
  }

  async update(actor: Actor, id: number, input: UpdateUserInput): Promise<PublicUser> {
    requireRole(actor, ['admin'], 'manage users');
    let before: User | undefined;
    const after = await this.db.transaction().execute(async (trx) => {
      const users = new UsersRepo(trx);
      const user = await users.findById(id);
      if (!user) throw new AppError('OMAUM_USER_NOT_FOUND', `There is no user ${id}`);
      before = user;

      const role = input.role ?? user.role;
      const isActive = input.isActive ?? user.isActive;
      const isLosingAdmin =
        user.role === 'admin' && user.isActive && (role !== 'admin' || !isActive);
      if (isLosingAdmin && (await users.lockActiveAdmins()) <= 1) {
        throw new AppError('OMAUM_USER_LAST_ADMIN');
      }
      const studentId = input.studentId === undefined ? user.studentId : input.studentId;
      await this.checkStudentLink(role, studentId);

      const changes = await this.changesFor(input, role, isActive, studentId);
      const updated = await users.update(id, changes);
      if (!isActive || input.password) await users.revokeAllTokens(id, changes.updatedAt);
      return toPublicUser(updated ?? user);
    });
    // Recorded after the commit: a refused change is no admin action.
    if (before) await this.recordUpdate(actor, before, after, input);
    return after;
  }

  /**
   * Makes sure someone can sign in to a new installation. With no users yet,
   * creates an admin from OMAUM_ADMIN_EMAIL/OMAUM_ADMIN_PASSWORD, or with a
   * generated password that must be changed at first sign-in.
   */
  async ensureInitialAdmin(env: {
    email: string | null;
    password: string | null;
  }): Promise<InitialAdmin | null> {
    const users = new UsersRepo(this.db);
    if ((await users.count()) > 0) return null;

    const email = env.email ?? 'admin@omaum.local';
    const generatedPassword = env.password === null ? generatePassword() : null;
    const now = this.clock.now().toISOString();
    await users.insert({
      email,
      name: 'Administrador',
      role: 'admin',
      passwordHash: await hashPassword(env.password ?? generatedPassword ?? ''),
      studentId: null,
      isActive: true,
      mustChangePassword: generatedPassword !== null,
      failedSignIns: 0,
      createdAt: now,
      updatedAt: now,
    });
    return { email, generatedPassword };
  }

  private async recordUpdate(
    actor: Actor,
    before: User,
    after: PublicUser,
    input: UpdateUserInput,
  ): Promise<void> {
    const actions: string[] = [];
    if (before.role !== after.role) actions.push('change_role');
    if (before.isActive && !after.isActive) actions.push('deactivate_user');
    if (!before.isActive && after.isActive) actions.push('activate_user');
    if (input.password) actions.push('reset_password');
    if (input.name !== undefined || input.studentId !== undefined) actions.push('update_user');
    if (actions.length === 0) return;
    const roles = before.role === after.role ? {} : { fromRole: before.role, toRole: after.role };
    await this.adminAction(actor, after.id, actions, roles);
  }

  // The system actor (CLI, start-up) has no user row: its actions carry no user id.
  private adminAction(
    actor: Actor,
    targetUserId: number,
    actions: readonly string[],
    extra: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    return this.events.record({
      kind: 'admin_action',
      userId: actor.via === 'system' ? null : actor.userId,
      detail: { actions, targetUserId, via: actor.via, ...extra },
    });
  }

  private async changesFor(
    input: UpdateUserInput,
    role: Role,
    isActive: boolean,
    studentId: number | null,
  ) {
    const updatedAt = this.clock.now().toISOString();
    const changes = {
      name: input.name?.trim(),
      role,
      isActive,
      studentId,
      updatedAt,
      ...(input.password ? await this.resetPassword(input.password) : {}),
    };
    return changes;
  }

  private async resetPassword(password: string) {
    const weakness = passwordWeakness(password);
    if (weakness) throw invalidFields([{ field: 'password', message: weakness }]);
    return { passwordHash: await hashPassword(password), mustChangePassword: true };
  }

  private async checkStudentLink(role: Role, studentId: number | null): Promise<void> {
    if (role === 'instructor' && studentId === null) {
      throw invalidFields([
        { field: 'studentId', message: 'an instructor must be linked to their student record' },
      ]);
    }
    if (studentId === null) return;
    const student = await this.db
      .selectFrom('students')
      .select('id')
      .where('id', '=', studentId)
      .executeTakeFirst();
    if (!student) throw invalidFields([{ field: 'studentId', message: `no student ${studentId}` }]);
  }
}

function duplicate(email: string): AppError {
  return new AppError('OMAUM_USER_DUPLICATE', `A user with e-mail ${email} already exists`, [
    { field: 'email', message: 'is already in use' },
  ]);
}
