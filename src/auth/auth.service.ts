import type { Db } from '../platform/db/database.ts';
import type { User } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { Clock } from '../platform/clock.ts';
import { accountHash, NO_SECURITY_EVENTS } from '../platform/security/security-event.ts';
import type { SecurityEventRecorder } from '../platform/security/security-event.ts';
import { hashPassword, passwordWeakness, verifyPassword } from '../platform/security/passwords.ts';
import { generateToken, hashToken, looksLikeToken } from '../platform/security/tokens.ts';
import { UsersRepo } from '../users/users.repo.ts';
import type { Actor } from './actor.ts';

export interface AuthSettings {
  readonly tokenTtlHours: number;
  /** Failed sign-ins in a row that lock an account. */
  readonly maxFailedSignIns: number;
  readonly lockoutMinutes: number;
}

export const DEFAULT_AUTH_SETTINGS: AuthSettings = {
  tokenTtlHours: 720,
  maxFailedSignIns: 5,
  lockoutMinutes: 15,
};

/** Where a sign-in attempt came from, for the security events it may cause. */
export interface SignInOrigin {
  readonly address?: string | null;
}

export interface IssuedToken {
  readonly id: number;
  readonly token: string;
  readonly expiresAt: string;
}

// Verifying against a real hash keeps sign-ins for unknown e-mails as slow
// as for known ones, so response times do not reveal which accounts exist.
const DUMMY_HASH_PASSWORD = 'omaum-timing-equaliser';

/** Sign-in, bearer tokens, and password changes. */
export class AuthService {
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly settings: AuthSettings = DEFAULT_AUTH_SETTINGS,
    private readonly events: SecurityEventRecorder = NO_SECURITY_EVENTS,
  ) {}

  /**
   * Checks an e-mail and password. Counts failures and locks the account
   * after `maxFailedSignIns` of them in a row. Each failure is a security
   * event (`sign_in_failed`, and `account_locked` when it locks the account).
   */
  async signIn(email: string, password: string, origin: SignInOrigin = {}): Promise<User> {
    const users = new UsersRepo(this.db);
    const user = await users.findByEmail(email.trim());
    const failed = (reason: string, userId: number | null) =>
      this.signInFailed(email, reason, userId, origin);

    if (!user) {
      this.dummyHash ??= hashPassword(DUMMY_HASH_PASSWORD);
      await verifyPassword(password, await this.dummyHash);
      await failed('unknown_account', null);
      throw new AppError('OMAUM_AUTH_INVALID_CREDENTIALS');
    }
    if (this.isLocked(user)) {
      await failed('account_locked', user.id);
      throw new AppError('OMAUM_AUTH_ACCOUNT_LOCKED');
    }

    const isValid = await verifyPassword(password, user.passwordHash);
    if (!isValid) {
      await failed('wrong_password', user.id);
      await this.recordFailure(users, user, origin);
      throw new AppError('OMAUM_AUTH_INVALID_CREDENTIALS');
    }
    if (!user.isActive) {
      await failed('account_inactive', user.id);
      throw new AppError('OMAUM_AUTH_ACCOUNT_INACTIVE');
    }

    const now = this.clock.now().toISOString();
    await users.update(user.id, { failedSignIns: 0, lockedUntil: null, lastSignInAt: now });
    return user;
  }

  async issueToken(user: User, name = 'api'): Promise<IssuedToken> {
    const token = generateToken();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.settings.tokenTtlHours * 3_600_000);
    const row = await new UsersRepo(this.db).insertToken({
      userId: user.id,
      tokenHash: hashToken(token),
      name,
      expiresAt: expiresAt.toISOString(),
      createdAt: now.toISOString(),
    });
    return { id: row.id, token, expiresAt: row.expiresAt };
  }

  /** The actor behind a bearer token; throws 401 when it is unknown, expired or revoked. */
  async authenticateToken(token: string): Promise<Actor> {
    if (!looksLikeToken(token)) throw new AppError('OMAUM_AUTH_TOKEN_INVALID');
    const users = new UsersRepo(this.db);
    const row = await users.findTokenByHash(hashToken(token));
    const now = this.clock.now().toISOString();

    if (!row || row.revokedAt !== null || row.expiresAt <= now) {
      throw new AppError('OMAUM_AUTH_TOKEN_INVALID');
    }
    const user = await users.findById(row.userId);
    if (!user?.isActive) throw new AppError('OMAUM_AUTH_TOKEN_INVALID');

    await users.touchToken(row.id, now);
    return toActor(user, 'token');
  }

  /** The actor of a browser session, or null when the user is gone or deactivated. */
  async actorForSession(userId: number): Promise<{ actor: Actor; user: User } | null> {
    const user = await new UsersRepo(this.db).findById(userId);
    if (!user?.isActive) return null;
    return { actor: toActor(user, 'session'), user };
  }

  async revokeToken(actor: Actor, tokenId: number): Promise<void> {
    const now = this.clock.now().toISOString();
    const isRevoked = await new UsersRepo(this.db).revokeToken(tokenId, actor.userId, now);
    if (!isRevoked) {
      throw new AppError('OMAUM_AUTH_TOKEN_NOT_FOUND', `You have no active token ${tokenId}`);
    }
  }

  listTokens(actor: Actor) {
    return new UsersRepo(this.db).listTokens(actor.userId);
  }

  /** Changes the actor's own password after checking the current one; returns the user. */
  async changePassword(actor: Actor, currentPassword: string, newPassword: string): Promise<User> {
    const users = new UsersRepo(this.db);
    const user = await users.findById(actor.userId);
    if (!user) throw new AppError('OMAUM_USER_NOT_FOUND');

    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      throw invalidFields([{ field: 'currentPassword', message: 'does not match your password' }]);
    }
    const weakness = passwordWeakness(newPassword);
    if (weakness) throw new AppError('OMAUM_AUTH_PASSWORD_WEAK', `The new password ${weakness}`);
    if (newPassword === currentPassword) {
      throw invalidFields([{ field: 'newPassword', message: 'must differ from the current one' }]);
    }
    const updated = await users.update(user.id, {
      passwordHash: await hashPassword(newPassword),
      mustChangePassword: false,
      updatedAt: this.clock.now().toISOString(),
    });
    if (!updated) throw new AppError('OMAUM_USER_NOT_FOUND');
    return updated;
  }

  private isLocked(user: User): boolean {
    return user.lockedUntil !== null && user.lockedUntil > this.clock.now().toISOString();
  }

  // The count goes up in the database, not from the row read before the
  // (slow) password check: guesses sent at once must all count.
  private async recordFailure(users: UsersRepo, user: User, origin: SignInOrigin): Promise<void> {
    const failures = await users.addFailedSignIn(user.id);
    if (failures < this.settings.maxFailedSignIns) return;
    const lockoutMs = this.settings.lockoutMinutes * 60_000;
    const lockedUntil = new Date(this.clock.now().getTime() + lockoutMs).toISOString();
    await users.update(user.id, { failedSignIns: 0, lockedUntil });
    await this.events.record({
      kind: 'account_locked',
      address: origin.address ?? null,
      userId: user.id,
      detail: { failures, lockedUntil },
    });
  }

  // The e-mail is personal data: events keep a hash of it, enough to see
  // that many attempts named the same account.
  private signInFailed(email: string, reason: string, userId: number | null, origin: SignInOrigin) {
    return this.events.record({
      kind: 'sign_in_failed',
      address: origin.address ?? null,
      userId,
      detail: { reason, account: accountHash(email) },
    });
  }
}

export function toActor(user: User, via: Actor['via']): Actor {
  return { userId: user.id, role: user.role, studentId: user.studentId, via };
}
