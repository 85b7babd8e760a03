import { Writable } from 'node:stream';

import type { EmbeddedJobOptions } from '../../src/platform/jobs/embedded/embedded-options.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';

/** Short timings for the embedded backend, so a queued job is picked up at once in a test. */
export const FAST_EMBEDDED: EmbeddedJobOptions = {
  pollIntervalMs: 25,
  busyPollIntervalMs: 5,
  // Long enough that a loaded test machine never lets a live job's lease lapse.
  leaseMs: 3000,
  sweepIntervalMs: 100,
  schedulerIntervalMs: 50,
  stopGraceMs: 1000,
};

/** A logger for workers and handlers in tests: errors only, and those dropped. */
export const silentLogger = createLogger({
  level: 'error',
  destination: new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  }),
});
