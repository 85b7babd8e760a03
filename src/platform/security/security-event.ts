import { createHash } from 'node:crypto';

import type { SecurityEventKind } from '../db/tables.ts';

/** Something worth an operator's attention, as a request or a service saw it. */
export interface SecurityEvent {
  readonly kind: SecurityEventKind;
  /** The client address, when the event came from a request. */
  readonly address?: string | null;
  /** The user the event is about, or the admin who acted. */
  readonly userId?: number | null;
  /** What happened (rule, route, action...). Never passwords, tokens or raw e-mails. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * Where security events go. Recording never throws: a failure is logged and
 * the request that caused the event goes on.
 */
export interface SecurityEventRecorder {
  record(event: SecurityEvent): Promise<void>;
}

/**
 * A stable, non-reversible name for an account's e-mail (lower-cased), for
 * events and rate-limit keys: they show that attempts named the same
 * account without holding the e-mail, which is personal data.
 */
export function accountHash(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 24);
}

/** A recorder that keeps nothing, for services built without one (some CLI commands). */
export const NO_SECURITY_EVENTS: SecurityEventRecorder = { record: async () => undefined };
