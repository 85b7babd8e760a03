import { rebuildCounters } from '../attendance/counters.ts';
import type { RebuildFilter } from '../attendance/counters.ts';
import type { Runtime } from './runtime.ts';

/**
 * `omaum stats rebuild`: recomputes the monthly attendance counters from the
 * marks, for one cohort, a range of months, or everything.
 */
export async function rebuildStatistics(
  runtime: Runtime,
  filter: RebuildFilter,
  isJson: boolean,
): Promise<void> {
  const startedAt = Date.now();
  const months = await rebuildCounters(runtime.database.db, filter, new Date().toISOString());
  const durationMs = Date.now() - startedAt;
  process.stdout.write(
    isJson
      ? `${JSON.stringify({ rebuiltMonths: months, durationMs })}\n`
      : `rebuilt the counters of ${months} cohort-month(s) in ${durationMs} ms\n`,
  );
}
