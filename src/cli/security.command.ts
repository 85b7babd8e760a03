/**
 * `omaum security blocks|unblock`: the address blocks from the host, for the
 * admin whose own address is blocked (the web page and API then refuse them).
 * Blocks are shared only through Redis; without OMAUM_REDIS_URL they live in
 * the memory of the web process, which no other process can reach.
 */
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { systemClock } from '../platform/clock.ts';
import { isAppError } from '../platform/errors/app-error.ts';
import { Metrics } from '../platform/metrics/metrics.ts';
import { RateLimiter } from '../platform/security/rate-limit/rate-limiter.ts';
import { RedisRateLimitStore } from '../platform/security/rate-limit/redis-store.ts';
import type { AddressBlock } from '../platform/security/rate-limit/store.ts';
import { AddressBlocksService } from '../security/address-blocks.service.ts';
import { RATE_LIMIT_KEY_PREFIX } from '../security/rate-limits.ts';
import { SecurityEventsService } from '../security/security-events.service.ts';
import { CliError } from './cli-error.ts';
import type { Runtime } from './runtime.ts';

export async function listBlocksCommand(runtime: Runtime, isJson: boolean): Promise<void> {
  await withBlocks(runtime, async (blocks) => {
    const items = await blocks.list(SYSTEM_ACTOR);
    if (isJson) {
      process.stdout.write(`${JSON.stringify({ items, total: items.length }, null, 2)}\n`);
      return;
    }
    process.stdout.write(items.length === 0 ? 'no address is blocked\n' : formatBlocks(items));
  });
}

export async function unblockCommand(runtime: Runtime, address: string): Promise<void> {
  await withBlocks(runtime, async (blocks) => {
    try {
      await blocks.lift(SYSTEM_ACTOR, address);
    } catch (error) {
      if (isAppError(error) && error.code === 'OMAUM_SECURITY_BLOCK_NOT_FOUND') {
        throw new CliError(`${address} is not blocked (omaum security blocks lists the blocks)`);
      }
      throw error;
    }
    process.stdout.write(`the block of ${address} is lifted\n`);
  });
}

async function withBlocks(
  runtime: Runtime,
  task: (blocks: AddressBlocksService) => Promise<void>,
): Promise<void> {
  const { config, logger } = runtime;
  if (config.redisUrl === null) {
    throw new CliError(
      'without OMAUM_REDIS_URL the blocks live in the memory of the web process: ' +
        'lift one from the Sistema page or the API from another address, or restart OMAUM',
    );
  }
  const store = new RedisRateLimitStore({ url: config.redisUrl, prefix: RATE_LIMIT_KEY_PREFIX });
  const metrics = new Metrics({ collectProcessMetrics: false });
  const events = new SecurityEventsService(runtime.database.db, systemClock, logger, metrics);
  const limiter = new RateLimiter({
    store,
    settings: config.rateLimits,
    clock: systemClock,
    events,
    metrics,
    logger,
  });
  try {
    await task(new AddressBlocksService(limiter, events));
  } finally {
    await store.close();
  }
}

function formatBlocks(items: readonly AddressBlock[]): string {
  const width = Math.max(...items.map((block) => block.address.length), 'endereço'.length);
  const line = (address: string, blockedAt: string, until: string, rule: string) =>
    `${address.padEnd(width)}  ${blockedAt.padEnd(24)}  ${until.padEnd(24)}  ${rule}\n`;
  const rows = items.map((block) => line(block.address, block.blockedAt, block.until, block.rule));
  return line('endereço', 'bloqueado em', 'até', 'regra') + rows.join('');
}
