import type { Actor } from '../auth/actor.ts';
import { requireRole } from '../auth/actor.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/database.ts';
import type { SecurityEventKind } from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Metrics } from '../platform/metrics/metrics.ts';
import type { SecurityEvent, SecurityEventRecorder } from '../platform/security/security-event.ts';
import type { SecurityEventFilter } from './security-events.repo.ts';
import { SecurityEventsRepo } from './security-events.repo.ts';

/** A security event as admins read it. */
export interface SecurityEventView {
  readonly id: number;
  readonly occurredAt: string;
  readonly kind: SecurityEventKind;
  readonly address: string | null;
  readonly userId: number | null;
  readonly detail: Record<string, unknown>;
}

/**
 * Security events in the database (`security_events`): refusals, blocks,
 * failed sign-ins, lockouts, permission denials and admin actions. Anyone
 * may record (requests, services); only admins read.
 */
export class SecurityEventsService implements SecurityEventRecorder {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics | null,
  ) {}

  /** Stores an event and counts it; a failure is logged, never thrown. */
  async record(event: SecurityEvent): Promise<void> {
    try {
      await new SecurityEventsRepo(this.db).insert({
        occurredAt: this.clock.now().toISOString(),
        kind: event.kind,
        address: event.address ?? null,
        userId: event.userId ?? null,
        detail: JSON.stringify(event.detail ?? {}),
      });
      this.metrics?.securityEvents.inc({ kind: event.kind });
    } catch (error) {
      this.logger.error({ err: error, kind: event.kind }, 'security event not recorded');
    }
  }

  async list(
    actor: Actor,
    filter: SecurityEventFilter,
    page: PageRequest,
  ): Promise<Page<SecurityEventView>> {
    requireRole(actor, ['admin'], 'read security events');
    const result = await new SecurityEventsRepo(this.db).list(filter, page);
    const items = result.items.map((row) => ({ ...row, detail: parseDetail(row.detail) }));
    return { items, total: result.total };
  }
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
