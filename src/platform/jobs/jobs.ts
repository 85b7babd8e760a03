import type { Config } from '../../config/config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logging/logger.ts';
import { createEmbeddedBackend } from './embedded/embedded-backend.ts';
import type { EmbeddedJobOptions } from './embedded/embedded-backend.ts';
import type { JobBackend } from './job-queue.ts';

export interface JobBackendDeps {
  readonly config: Config;
  readonly database: Database;
  readonly logger: Logger;
  /** Timings of the embedded backend (tests shorten them). */
  readonly embedded?: EmbeddedJobOptions;
}

type BullmqFactory = (deps: JobBackendDeps) => JobBackend | Promise<JobBackend>;

/** Where the BullMQ backend lives; it exports `createBullmqBackend(deps)`. */
const BULLMQ_MODULE = './bullmq/bullmq-backend.ts';

/** The job backend the configuration asks for (`OMAUM_QUEUE_BACKEND`). */
export async function createJobBackend(deps: JobBackendDeps): Promise<JobBackend> {
  if (deps.config.queueBackend === 'embedded') {
    return createEmbeddedBackend(deps.database, deps.embedded);
  }
  const createBullmqBackend = await loadBullmqFactory();
  return createBullmqBackend(deps);
}

/**
 * Loaded on demand: processes on the embedded backend never load BullMQ and
 * ioredis, and this file does not depend on the BullMQ backend at build time.
 */
async function loadBullmqFactory(): Promise<BullmqFactory> {
  let loaded: { createBullmqBackend?: unknown };
  try {
    loaded = (await import(BULLMQ_MODULE)) as { createBullmqBackend?: unknown };
  } catch (error) {
    throw new Error(
      `OMAUM_QUEUE_BACKEND=bullmq, but the BullMQ backend (${BULLMQ_MODULE}) cannot be loaded`,
      { cause: error },
    );
  }
  if (typeof loaded.createBullmqBackend !== 'function') {
    throw new Error(`${BULLMQ_MODULE} does not export createBullmqBackend`);
  }
  return loaded.createBullmqBackend as BullmqFactory;
}
