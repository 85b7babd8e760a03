import type { Actor } from '../auth/actor.ts';
import { requireRole } from '../auth/actor.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { RateLimiter } from '../platform/security/rate-limit/rate-limiter.ts';
import type { AddressBlock } from '../platform/security/rate-limit/store.ts';
import type { SecurityEventRecorder } from '../platform/security/security-event.ts';

/** Addresses blocked for hitting the rate limits too often, as admins see and lift them. */
export class AddressBlocksService {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly events: SecurityEventRecorder,
  ) {}

  async list(actor: Actor): Promise<AddressBlock[]> {
    requireRole(actor, ['admin'], 'list blocked addresses');
    return this.limiter.listBlocks();
  }

  /** Lifts the block of an address at once; 404 when it is not blocked. */
  async lift(actor: Actor, address: string): Promise<void> {
    requireRole(actor, ['admin'], 'lift address blocks');
    const block = await this.limiter.blockOf(address);
    const isLifted = await this.limiter.unblock(address);
    if (!isLifted) {
      throw new AppError('OMAUM_SECURITY_BLOCK_NOT_FOUND', `The address ${address} is not blocked`);
    }

    const detail = { blockedAt: block?.blockedAt ?? null, rule: block?.rule ?? null };
    // The system actor (the CLI) is no user: its events have none.
    const userId = actor.via === 'system' ? null : actor.userId;
    await this.events.record({ kind: 'block_lifted', address, userId, detail });
    await this.events.record({
      kind: 'admin_action',
      userId,
      detail: { actions: ['lift_block'], address },
    });
  }
}
