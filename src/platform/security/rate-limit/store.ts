/**
 * Where rate-limit counters and address blocks live: in the process
 * (`MemoryRateLimitStore`) or in Redis, shared by every instance
 * (`RedisRateLimitStore`). Both keep a sliding-window log: the instants of
 * the hits of the last window, so that "at most N in any window" holds at
 * every moment, not only per fixed slice of time.
 *
 * Times are passed in (`nowMs`, milliseconds since the epoch) rather than
 * read by the store, so that one clock rules a whole request and tests can
 * move time by hand.
 */

/** One counter to hit: at most `max` hits in any `windowMs`. */
export interface WindowLimit {
  readonly key: string;
  readonly max: number;
  readonly windowMs: number;
}

/** A counter after a hit (or after a refusal, which adds nothing). */
export interface WindowState {
  /** Hits still allowed in the current window. */
  readonly remaining: number;
  /** Milliseconds until the oldest hit leaves the window and frees a slot. */
  readonly resetMs: number;
  /** The counter was already at its maximum: it is the reason for a refusal. */
  readonly isExceeded: boolean;
}

export interface HitOutcome {
  /** True when every counter had room; only then was the hit added, to all of them. */
  readonly isAllowed: boolean;
  /** One state per limit, in the order given. */
  readonly windows: readonly WindowState[];
}

/** An address refused too often, turned away until `until`. */
export interface AddressBlock {
  readonly address: string;
  /** ISO instant the block began. */
  readonly blockedAt: string;
  /** ISO instant the block ends by itself. */
  readonly until: string;
  /** The rule whose refusals led to the block. */
  readonly rule: string;
}

export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Counts one hit on every counter, atomically: when any of them is full,
   * none is counted (a refused request does not use up the other rules).
   */
  hit(limits: readonly WindowLimit[], nowMs: number): Promise<HitOutcome>;
  /** Stores a block; it disappears by itself at `block.until`. */
  block(block: AddressBlock): Promise<void>;
  /** The block of an address still in force at `nowMs`, or null. */
  blockOf(address: string, nowMs: number): Promise<AddressBlock | null>;
  /** Every block in force at `nowMs`, soonest to end first. */
  listBlocks(nowMs: number): Promise<AddressBlock[]>;
  /** Lifts a block; false when the address was not blocked. */
  unblock(address: string): Promise<boolean>;
  close(): Promise<void>;
}
