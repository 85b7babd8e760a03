import { UnrecoverableError, Worker } from 'bullmq';
import type { ConnectionOptions } from 'bullmq';

import type { Logger } from '../../logging/logger.ts';
import type { JobContext, JobHandler, JobWorker, QueueName, WorkerOptions } from '../job-queue.ts';
import { LazyAbortController, runWithTimeout } from '../worker-runtime.ts';
import type { BullmqQueue } from './bullmq-queue.ts';
import { fromBullmqJobId } from './job-ids.ts';
import { clampProgress, timeoutOf, toRecord } from './records.ts';
import type { BullmqJob } from './records.ts';
import { WorkerStoppingError, toBullmqError } from './run-job.ts';

export interface WorkerSettings {
  readonly connection: ConnectionOptions;
  readonly prefix: string;
  /** How long a worker's claim on a job lasts unless renewed (BullMQ renews at half). */
  readonly lockDurationMs: number;
  /** How often workers look for jobs whose worker died (their lock expired). */
  readonly stalledIntervalMs: number;
  /** A job found stalled more often than this fails instead of running again. */
  readonly maxStalledCount: number;
  readonly defaultTimeoutMs: number;
  /** The producer side, used to hand unfinished jobs back on a forced stop. */
  readonly queueFor: (name: QueueName) => BullmqQueue;
}

const DEFAULT_GRACE_MS = 30_000;

interface RunningJob {
  readonly queue: QueueName;
  readonly job: BullmqJob;
  readonly token: string;
  readonly controller: LazyAbortController;
}

/** Never settles: BullMQ must not record anything for a job handed back. */
const handedBack = new Promise<never>(() => undefined);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class BullmqJobWorker implements JobWorker {
  private workers: Worker<unknown, unknown>[] = [];
  private readonly running = new Map<string, RunningJob>();
  /**
   * Per start: handlers still running from an abandoned session must not
   * report to BullMQ even after the worker has been started again.
   */
  private session = { abandoned: false };

  constructor(
    private readonly settings: WorkerSettings,
    private readonly options: WorkerOptions,
  ) {}

  async start(): Promise<void> {
    if (this.workers.length > 0) return;
    this.session = { abandoned: false };
    this.workers = this.options.queues.map((queue) => this.createWorker(queue));
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
    this.options.logger.info({ queues: this.options.queues }, 'BullMQ worker started');
  }

  private createWorker(queue: QueueName): Worker<unknown, unknown> {
    // Two parameters, not three: BullMQ then creates no abort signal of its
    // own per job (we never cancel through BullMQ; our signal is lazy).
    const worker = new Worker<unknown, unknown, string>(
      queue,
      (job, token) => this.process(queue, job, token),
      {
        connection: this.settings.connection,
        prefix: this.settings.prefix,
        concurrency: Math.max(1, this.options.concurrency ?? 1),
        lockDuration: this.settings.lockDurationMs,
        stalledInterval: this.settings.stalledIntervalMs,
        maxStalledCount: this.settings.maxStalledCount,
      },
    );
    worker.on('error', (err) => {
      this.options.logger.error({ err, queue }, 'BullMQ worker error');
    });
    return worker;
  }

  private async process(
    queue: QueueName,
    job: BullmqJob,
    token: string | undefined,
  ): Promise<unknown> {
    const handler = this.options.handlers[job.name];
    if (!handler) {
      this.options.logger.error({ queue, jobName: job.name }, 'no handler for this job name');
      throw new UnrecoverableError(`No handler for job "${job.name}" on this worker`);
    }
    const controller = new LazyAbortController();
    const key = `${queue}\u0000${job.id ?? ''}`;
    this.running.set(key, { queue, job, token: token ?? '', controller });
    try {
      return await this.runHandler(queue, job, handler, controller);
    } finally {
      this.running.delete(key);
    }
  }

  private async runHandler(
    queue: QueueName,
    job: BullmqJob,
    handler: JobHandler<never>,
    controller: LazyAbortController,
  ): Promise<unknown> {
    const session = this.session;
    const context = this.contextFor(queue, job, controller);
    const timeoutMs = timeoutOf(job, this.settings.defaultTimeoutMs);
    try {
      const result = await runWithTimeout(handler(context), timeoutMs, controller);
      if (session.abandoned) return await handedBack;
      if (this.options.logger.isLevelEnabled('debug')) context.logger.debug('job completed');
      return result;
    } catch (error) {
      if (session.abandoned) return await handedBack;
      context.logger.warn({ err: error }, 'job run failed');
      throw toBullmqError(error);
    }
  }

  /**
   * The record, the signal and the child logger are each built when first
   * read. Built eagerly they cost more per job than BullMQ's own work for a
   * short job (the child logger most: pino serialises and redacts its
   * bindings), which the bench (jobs.bullmq.throughput) showed.
   */
  private contextFor(
    queue: QueueName,
    job: BullmqJob,
    controller: LazyAbortController,
  ): JobContext<never> {
    const parent = this.options.logger;
    let record: JobContext<never>['job'] | undefined;
    let logger: Logger | undefined;
    return {
      get job() {
        record ??= toRecord(job, queue, 'active') as JobContext<never>['job'];
        return record;
      },
      get signal() {
        return controller.signal;
      },
      get logger() {
        logger ??= parent.child({
          queue,
          jobId: fromBullmqJobId(job.id ?? ''),
          jobName: job.name,
          attempt: job.attemptsMade + 1,
        });
        return logger;
      },
      updateProgress: (progress) => job.updateProgress(clampProgress(progress)),
    };
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for the running ones. Those
   * still running then are aborted and moved straight back to waiting; if
   * that fails, their lock expires and BullMQ's stalled-job check (in any
   * worker) puts them back.
   */
  async stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    if (this.workers.length === 0) return;
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((worker) => worker.pause(true)));
    const finished = await this.waitForRunning(graceMs);
    if (!finished) {
      await this.abandonRunning(workers);
      return;
    }
    await Promise.all(workers.map((worker) => worker.close()));
    this.options.logger.info('BullMQ worker stopped');
  }

  private async waitForRunning(graceMs: number): Promise<boolean> {
    const deadline = Date.now() + graceMs;
    while (this.running.size > 0) {
      if (Date.now() >= deadline) return false;
      await delay(Math.min(50, deadline - Date.now()));
    }
    return true;
  }

  private async abandonRunning(workers: readonly Worker[]): Promise<void> {
    this.session.abandoned = true;
    const unfinished = [...this.running.values()];
    for (const run of unfinished) run.controller.abort(new WorkerStoppingError());
    // Closing first stops lock renewal, so the hand-back cannot race with it.
    await Promise.all(workers.map((worker) => worker.close(true)));
    await Promise.all(unfinished.map((run) => this.handBack(run)));
    this.running.clear();
    this.options.logger.warn(
      { jobs: unfinished.map((run) => run.job.id) },
      'BullMQ worker stopped before its jobs finished; they went back to the queue',
    );
  }

  private async handBack(run: RunningJob): Promise<void> {
    try {
      const job = await this.settings.queueFor(run.queue).getJob(run.job.id ?? '');
      await job?.moveToWait(run.token);
    } catch (err) {
      this.options.logger.warn(
        { err, queue: run.queue, jobId: run.job.id },
        'could not hand the job back; the stalled-job check will',
      );
    }
  }
}
