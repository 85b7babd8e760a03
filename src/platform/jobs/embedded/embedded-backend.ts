import type { Database } from '../../db/database.ts';
import type { Logger } from '../../logging/logger.ts';
import type { JobBackend, JobScheduler, JobWorker, WorkerOptions } from '../job-queue.ts';
import { resolveJobOptions } from './embedded-options.ts';
import type { EmbeddedJobOptions } from './embedded-options.ts';
import { EmbeddedJobQueue } from './embedded-queue.ts';
import { EmbeddedScheduler } from './embedded-scheduler.ts';
import { EmbeddedWorker } from './embedded-worker.ts';
import { JobStore } from './job-store.ts';

export type { EmbeddedJobOptions } from './embedded-options.ts';

/**
 * The embedded backend: jobs live in the application database (migration
 * 0003-jobs), so a single process needs nothing else, and several processes
 * on one PostgreSQL (or one SQLite file) share the work safely.
 */
export function createEmbeddedBackend(
  database: Database,
  options: EmbeddedJobOptions = {},
): JobBackend {
  const resolved = resolveJobOptions(options);
  const store = new JobStore(database);
  const queue = new EmbeddedJobQueue(store, resolved);
  const workers = new Set<JobWorker>();
  const schedulers = new Set<JobScheduler>();

  return {
    kind: 'embedded',
    queue,
    createWorker(workerOptions: WorkerOptions): JobWorker {
      const worker = new EmbeddedWorker(store, resolved, workerOptions);
      workers.add(worker);
      return worker;
    },
    createScheduler(logger: Logger): JobScheduler {
      const scheduler = new EmbeddedScheduler(store, queue, resolved, logger);
      schedulers.add(scheduler);
      return scheduler;
    },
    // Stops what it started; the database belongs to the caller.
    async close(): Promise<void> {
      await Promise.all([...workers].map((worker) => worker.stop()));
      await Promise.all([...schedulers].map((scheduler) => scheduler.stop()));
      await queue.close();
    },
  };
}
