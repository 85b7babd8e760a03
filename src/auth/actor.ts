import type { Role } from '../platform/db/tables.ts';
import { AppError } from '../platform/errors/app-error.ts';

/** Who is acting. Every service method takes one explicitly. */
export interface Actor {
  readonly userId: number;
  readonly role: Role;
  /** The student record of an instructor (how cohorts they teach are found). */
  readonly studentId: number | null;
  readonly via: 'token' | 'session' | 'system';
}

/** The actor of CLI commands, jobs and start-up tasks. */
export const SYSTEM_ACTOR: Actor = { userId: 0, role: 'admin', studentId: null, via: 'system' };

export const STAFF_ROLES: readonly Role[] = ['admin', 'secretary'];
export const ALL_ROLES: readonly Role[] = ['admin', 'secretary', 'instructor', 'viewer'];

export function hasRole(actor: Actor, roles: readonly Role[]): boolean {
  return roles.includes(actor.role);
}

/** Throws 403 unless the actor holds one of the roles. */
export function requireRole(actor: Actor, roles: readonly Role[], action: string): void {
  if (!hasRole(actor, roles)) {
    throw new AppError('OMAUM_AUTH_FORBIDDEN', `Your role (${actor.role}) may not ${action}`);
  }
}

/** Admins and secretaries see addresses, emergency contacts and medical notes. */
export function canSeePersonalData(actor: Actor): boolean {
  return hasRole(actor, STAFF_ROLES);
}
