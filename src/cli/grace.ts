/** Jobs still running when a process stops get this long before they are handed back. */
export const JOB_GRACE_MS = 10_000;

/** How long in-flight requests (and jobs, in process) get before the process gives up. */
export const SHUTDOWN_GRACE_MS = 15_000 + JOB_GRACE_MS;
