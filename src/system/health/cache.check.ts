import { messageOf, roundMs, withTimeout } from './health-report.ts';
import type { Finding, HealthDeps } from './health-report.ts';

/** A write and read round trip through the cache's value store. */
export async function checkCache(deps: HealthDeps): Promise<Finding> {
  if (deps.cache === null) {
    const why = deps.cacheError === undefined ? 'não configurado' : messageOf(deps.cacheError);
    return { status: 'warn', reason: `não verificado: ${why}` };
  }
  const kind = deps.config.redisUrl === null ? 'memory' : 'redis';
  try {
    const roundTripMs = roundMs(await withTimeout(deps.cache.ping(), deps.probeTimeoutMs ?? 2000));
    return {
      status: 'pass',
      reason: `gravação e leitura em ${roundTripMs} ms (${kind})`,
      details: { kind, roundTripMs },
    };
  } catch (error) {
    return { status: 'fail', reason: `sem resposta (${kind}): ${messageOf(error)}` };
  }
}
