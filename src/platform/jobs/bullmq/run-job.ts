import { UnrecoverableError } from 'bullmq';

import { UnrecoverableJobError } from '../job-queue.ts';

/** The reason handed to handlers whose worker gave up waiting for them. */
export class WorkerStoppingError extends Error {
  constructor() {
    super('The worker is shutting down; the job goes back to the queue');
    this.name = 'WorkerStoppingError';
  }
}

/** BullMQ only skips the remaining attempts for its own error class. */
export function toBullmqError(error: unknown): unknown {
  if (!(error instanceof UnrecoverableJobError)) return error;
  const converted = new UnrecoverableError(error.message);
  if (error.stack) converted.stack = error.stack;
  return converted;
}
