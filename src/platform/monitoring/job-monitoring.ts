import { performance } from 'node:perf_hooks';

import type { JobHandler, JobHandlers } from '../jobs/job-queue.ts';
import type { Monitor } from './monitor.ts';
import { newTally, runMonitored } from './query-context.ts';

/**
 * The same watch over jobs as over requests: each run counts its queries,
 * reports slow ones and N+1 shapes, and ends with one log line and the
 * outcome and duration metrics.
 */
export function monitorHandlers(handlers: JobHandlers, monitor: Monitor): JobHandlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [name, monitored(name, handler, monitor)]),
  );
}

function monitored(name: string, handler: JobHandler<never>, monitor: Monitor): JobHandler<never> {
  return async (context) => {
    const tally = newTally();
    const startedAt = performance.now();
    const finish = (outcome: 'completed' | 'failed') => {
      monitor.finishJob({
        queue: context.job.queue,
        name,
        outcome,
        durationMs: performance.now() - startedAt,
        tally,
        logger: context.logger,
      });
    };
    try {
      const unit = { origin: `job ${name}`, tally, logger: context.logger };
      const result = await runMonitored(unit, monitor, () => handler(context));
      finish('completed');
      return result;
    } catch (error) {
      finish('failed');
      throw error;
    }
  };
}
