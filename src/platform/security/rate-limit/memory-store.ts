import type {
  AddressBlock,
  HitOutcome,
  RateLimitStore,
  WindowLimit,
  WindowState,
} from './store.ts';

// TODO(#6): a sliding log holds one instant per counted request; at limits of thousands a
// minute a two-bucket sliding-window counter would hold two numbers instead.
interface Log {
  /** Instants of the hits still inside the window, oldest first. */
  stamps: number[];
  windowMs: number;
}

// Forgotten counters are swept at most this often, on the way of a hit.
const SWEEP_EVERY_MS = 60_000;

/**
 * Counters and blocks inside this process: right for one process (the
 * embedded setup and tests); several instances need the Redis store to
 * share them.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory';
  private readonly logs = new Map<string, Log>();
  private readonly blocks = new Map<string, AddressBlock>();
  private lastSweepMs = 0;

  async hit(limits: readonly WindowLimit[], nowMs: number): Promise<HitOutcome> {
    this.sweepNow(nowMs);
    const logs = limits.map((limit) => this.logOf(limit, nowMs));
    const isAllowed = limits.every((limit, i) => (logs[i]?.stamps.length ?? 0) < limit.max);

    if (isAllowed) for (const log of logs) log.stamps.push(nowMs);
    const windows = limits.map((limit, i): WindowState => {
      const stamps = logs[i]?.stamps ?? [];
      const oldest = stamps[0];
      return {
        remaining: Math.max(0, limit.max - stamps.length),
        resetMs: oldest === undefined ? limit.windowMs : oldest + limit.windowMs - nowMs,
        isExceeded: !isAllowed && stamps.length >= limit.max,
      };
    });
    return { isAllowed, windows };
  }

  async block(block: AddressBlock): Promise<void> {
    this.blocks.set(block.address, block);
  }

  async blockOf(address: string, nowMs: number): Promise<AddressBlock | null> {
    const block = this.blocks.get(address);
    if (!block) return null;
    if (Date.parse(block.until) > nowMs) return block;
    this.blocks.delete(address);
    return null;
  }

  async listBlocks(nowMs: number): Promise<AddressBlock[]> {
    return [...this.blocks.values()]
      .filter((block) => Date.parse(block.until) > nowMs)
      .sort((a, b) => a.until.localeCompare(b.until));
  }

  async unblock(address: string): Promise<boolean> {
    return this.blocks.delete(address);
  }

  async close(): Promise<void> {
    this.logs.clear();
    this.blocks.clear();
  }

  /** Counters and blocks held now; tests use it to see that sweeping works. */
  get size(): number {
    return this.logs.size + this.blocks.size;
  }

  private logOf(limit: WindowLimit, nowMs: number): Log {
    let log = this.logs.get(limit.key);
    if (!log) {
      log = { stamps: [], windowMs: limit.windowMs };
      this.logs.set(limit.key, log);
    }
    log.windowMs = limit.windowMs;
    dropOld(log, nowMs);
    return log;
  }

  // Without this, every address ever seen would stay in memory.
  private sweepNow(nowMs: number): void {
    if (nowMs - this.lastSweepMs < SWEEP_EVERY_MS) return;
    this.lastSweepMs = nowMs;
    for (const [key, log] of this.logs) {
      dropOld(log, nowMs);
      if (log.stamps.length === 0) this.logs.delete(key);
    }
    for (const [address, block] of this.blocks) {
      if (Date.parse(block.until) <= nowMs) this.blocks.delete(address);
    }
  }
}

/** Drops the hits that left the window `(now - windowMs, now]`. */
function dropOld(log: Log, nowMs: number): void {
  const edge = nowMs - log.windowMs;
  let first = 0;
  while (first < log.stamps.length && (log.stamps[first] ?? 0) <= edge) first += 1;
  if (first > 0) log.stamps.splice(0, first);
}
