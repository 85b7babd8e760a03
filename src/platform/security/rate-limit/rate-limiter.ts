import type { Clock } from '../../clock.ts';
import type { RateLimitSettings, RateRule } from '../../../config/config.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { accountHash } from '../security-event.ts';
import type { SecurityEventRecorder } from '../security-event.ts';
import type { AddressBlock, RateLimitStore, WindowLimit } from './store.ts';

/** The rules of `config.rateLimits` that count requests. */
export type RuleName = 'general' | 'api' | 'burst' | 'signInAccount' | 'signInAddress' | 'exports';

/**
 * Whom a counter counts: a signed-in user, a client address, or the account
 * a sign-in names (a hash of the e-mail: keys and events hold no e-mail).
 */
export type Subject = `user:${number}` | `address:${string}` | `account:${string}`;

export interface RuleCheck {
  readonly rule: RuleName;
  readonly subject: Subject;
}

/** Where a counted request came from, for refusals, events and blocks. */
export interface RequestOrigin {
  readonly address: string;
  readonly userId: number | null;
  readonly method: string;
  readonly route: string;
}

/** A rule as it stands after a request was counted against it. */
export interface RuleState {
  readonly rule: RuleName;
  readonly max: number;
  readonly windowMs: number;
  readonly remaining: number;
  readonly resetMs: number;
  readonly isExceeded: boolean;
}

export interface Verdict {
  readonly isAllowed: boolean;
  readonly states: readonly RuleState[];
}

const ALLOW_ALL: Verdict = { isAllowed: true, states: [] };

export interface RateLimiterDeps {
  readonly store: RateLimitStore;
  readonly settings: RateLimitSettings;
  readonly clock: Clock;
  readonly events: SecurityEventRecorder;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** The subject of a request: its user when signed in, else its address. */
export function requester(userId: number | null, address: string): Subject {
  return userId === null ? `address:${address}` : `user:${userId}`;
}

/** The subject of a sign-in attempt for an e-mail, without the e-mail itself. */
export function accountSubject(email: string): Subject {
  return `account:${accountHash(email)}`;
}

/**
 * The rate-limit rules and address blocks, independent of HTTP. A store that
 * fails (Redis down) lets requests through and logs it: an outage of the
 * limiter must not become an outage of the school's records.
 */
export class RateLimiter {
  constructor(private readonly deps: RateLimiterDeps) {}

  get settings(): RateLimitSettings {
    return this.deps.settings;
  }

  /** Counts a request against the rules; refusals are metered, recorded and may block. */
  async check(checks: readonly RuleCheck[], origin: RequestOrigin): Promise<Verdict> {
    if (checks.length === 0) return ALLOW_ALL;
    const rules = checks.map((check) => this.ruleOf(check.rule));
    const limits: WindowLimit[] = checks.map((check, i) => ({
      key: `hits:${check.rule}:${check.subject}`,
      max: rules[i]?.max ?? 1,
      windowMs: rules[i]?.windowMs ?? 1000,
    }));

    let verdict: Verdict;
    try {
      const outcome = await this.deps.store.hit(limits, this.nowMs());
      const states = checks.map((check, i): RuleState => {
        const window = outcome.windows[i] ?? { remaining: 0, resetMs: 0, isExceeded: false };
        return { rule: check.rule, ...this.ruleOf(check.rule), ...window };
      });
      verdict = { isAllowed: outcome.isAllowed, states };
    } catch (error) {
      this.deps.logger.error({ err: error }, 'rate limit store failed; request let through');
      return ALLOW_ALL;
    }
    if (!verdict.isAllowed) await this.refused(checks, verdict, origin);
    return verdict;
  }

  /** The block in force for an address, or null (also when the store fails). */
  async blockOf(address: string): Promise<AddressBlock | null> {
    try {
      return await this.deps.store.blockOf(address, this.nowMs());
    } catch (error) {
      this.deps.logger.error({ err: error }, 'rate limit store failed; block not checked');
      return null;
    }
  }

  listBlocks(): Promise<AddressBlock[]> {
    return this.deps.store.listBlocks(this.nowMs());
  }

  /** Lifts a block; false when there was none. */
  unblock(address: string): Promise<boolean> {
    return this.deps.store.unblock(address);
  }

  private async refused(checks: readonly RuleCheck[], verdict: Verdict, origin: RequestOrigin) {
    const index = verdict.states.findIndex((state) => state.isExceeded);
    const check = checks[index] ?? checks[0];
    if (!check) return;
    this.deps.metrics.rateLimitRejections.inc({ rule: check.rule });
    try {
      await this.recordRefusal(check, origin);
      await this.countTowardsBlock(check.rule, origin);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'rate limit refusal could not be accounted');
    }
  }

  // One event per subject and rule per window: a client hammering away at
  // a limit would otherwise write a row per refused request.
  private async recordRefusal(check: RuleCheck, origin: RequestOrigin): Promise<void> {
    const { windowMs } = this.ruleOf(check.rule);
    const throttle = { key: `event:${check.rule}:${check.subject}`, max: 1, windowMs };
    const outcome = await this.deps.store.hit([throttle], this.nowMs());
    if (!outcome.isAllowed) return;

    const subject = check.subject.slice(0, check.subject.indexOf(':'));
    await this.deps.events.record({
      kind: 'rate_limited',
      address: origin.address,
      userId: origin.userId,
      detail: { rule: check.rule, subject, method: origin.method, route: origin.route },
    });
  }

  private async countTowardsBlock(rule: RuleName, origin: RequestOrigin): Promise<void> {
    const { blockAfter, blockSeconds } = this.deps.settings;
    const key = `refusals:${origin.address}`;
    const outcome = await this.deps.store.hit([{ key, ...blockAfter }], this.nowMs());
    const isDue = !outcome.isAllowed || outcome.windows[0]?.remaining === 0;
    if (!isDue) return;

    const now = this.deps.clock.now();
    const block: AddressBlock = {
      address: origin.address,
      blockedAt: now.toISOString(),
      until: new Date(now.getTime() + blockSeconds * 1000).toISOString(),
      rule,
    };
    await this.deps.store.block(block);
    // The address itself is in the event, not in the log (logs redact addresses).
    this.deps.logger.warn({ rule, blockSeconds }, 'address blocked');
    await this.deps.events.record({
      kind: 'address_blocked',
      address: origin.address,
      userId: origin.userId,
      detail: { rule, until: block.until, refusals: blockAfter.max },
    });
  }

  private ruleOf(name: RuleName): RateRule {
    return this.deps.settings[name];
  }

  /** Milliseconds since the epoch by the limiter's clock. */
  nowMs(): number {
    return this.deps.clock.now().getTime();
  }
}
