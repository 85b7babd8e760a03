import { randomUUID } from 'node:crypto';

import type { JobRow } from '../../db/tables.ts';
import type { Logger } from '../../logging/logger.ts';
import { UnrecoverableJobError } from '../job-queue.ts';
import type { JobContext, JobHandler, JobWorker, WorkerOptions } from '../job-queue.ts';
import {
  backoffDelay,
  clampProgress,
  describeFailure,
  runWithTimeout,
  sleep,
} from '../worker-runtime.ts';
import type { ResolvedJobOptions } from './embedded-options.ts';
import { toJobRecord } from './job-store.ts';
import type { Claim, FailureOutcome, JobStore } from './job-store.ts';

interface RunningJob {
  readonly claim: Claim;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

/**
 * Polls the job table, runs claimed jobs with a concurrency limit, keeps
 * their leases alive, and sweeps leases that other (dead) workers left.
 */
export class EmbeddedWorker implements JobWorker {
  readonly id = `worker-${randomUUID()}`;
  private readonly running = new Map<string, RunningJob>();
  private readonly concurrency: number;
  private readonly logger: Logger;
  private stopping = new AbortController();
  /** Aborted to cut the current poll wait short (a slot freed up, or stop). */
  private wake = new AbortController();
  private loop: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private lastSweepAt = 0;

  constructor(
    private readonly store: JobStore,
    private readonly options: ResolvedJobOptions,
    private readonly worker: WorkerOptions,
  ) {
    this.concurrency = Math.max(1, worker.concurrency ?? 1);
    this.logger = worker.logger.child({ workerId: this.id });
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = new AbortController();
    this.heartbeat = setInterval(() => void this.renewLeases(), this.options.heartbeatMs);
    this.loop = this.pollLoop();
    this.logger.info({ queues: this.worker.queues, concurrency: this.concurrency }, 'worker up');
  }

  async stop(graceMs: number = this.options.stopGraceMs): Promise<void> {
    if (!this.loop) return;
    this.stopping.abort();
    this.wake.abort();
    await this.loop;
    await Promise.race([this.allDone(), sleep(graceMs)]);
    await this.releaseUnfinished();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.loop = null;
    this.logger.info('worker stopped');
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let hasFoundWork = false;
      try {
        await this.sweepIfDue();
        hasFoundWork = await this.claimWhileFree();
      } catch (error) {
        this.logger.error({ err: error }, 'worker: polling the job table failed');
      }
      if (this.stopping.signal.aborted) break;
      const wait = hasFoundWork ? this.options.busyPollIntervalMs : this.options.pollIntervalMs;
      this.wake = new AbortController();
      await sleep(wait, this.wake.signal);
    }
  }

  private async sweepIfDue(): Promise<void> {
    const now = this.options.now();
    if (now.getTime() - this.lastSweepAt < this.options.sweepIntervalMs) return;
    this.lastSweepAt = now.getTime();
    const recovered = await this.store.sweepExpired(now, this.id);
    if (recovered > 0) this.logger.warn({ recovered }, 'worker: recovered jobs of a lost worker');
  }

  /** Claims jobs until every slot is busy or nothing is due; true when it claimed any. */
  private async claimWhileFree(): Promise<boolean> {
    let hasClaimed = false;
    while (this.running.size < this.concurrency && !this.stopping.signal.aborted) {
      const row = await this.store.claim(
        this.worker.queues,
        this.id,
        this.options.now(),
        this.options.leaseMs,
      );
      if (!row) break;
      hasClaimed = true;
      this.launch(row);
    }
    return hasClaimed;
  }

  private launch(row: JobRow): void {
    const claim: Claim = { id: row.id, workerId: this.id, attemptsMade: row.attemptsMade };
    const controller = new AbortController();
    const done = this.execute(row, claim, controller)
      .catch((error: unknown) => {
        this.logger.error({ err: error, jobId: row.id }, 'worker: could not record a job outcome');
      })
      .finally(() => {
        this.running.delete(row.id);
        this.wake.abort();
      });
    this.running.set(row.id, { claim, controller, done });
  }

  private async execute(row: JobRow, claim: Claim, controller: AbortController): Promise<void> {
    const handler = this.worker.handlers[row.name] as JobHandler | undefined;
    if (!handler) {
      const reason = `no handler for job "${row.name}" in this worker`;
      await this.recordFailure(claim, { reason, retryAt: null });
      return;
    }
    const context = this.contextFor(row, claim, controller);
    try {
      const result = await runWithTimeout(handler(context), row.timeoutMs, controller);
      await this.recordSuccess(claim, result);
    } catch (error) {
      await this.recordFailure(claim, this.failureOutcome(row, error));
    }
  }

  private contextFor(row: JobRow, claim: Claim, controller: AbortController): JobContext {
    const job = toJobRecord(row, this.options.now());
    return {
      job,
      signal: controller.signal,
      logger: this.logger.child({ jobId: row.id, job: row.name }),
      updateProgress: (progress) =>
        this.store.setProgress(claim, clampProgress(progress), this.options.now()),
    };
  }

  private failureOutcome(row: JobRow, error: unknown): FailureOutcome {
    const reason = describeFailure(error);
    const isLast = row.attemptsMade >= row.maxAttempts;
    if (error instanceof UnrecoverableJobError || isLast) return { reason, retryAt: null };
    const delay = backoffDelay(row.backoffMs, row.attemptsMade, this.options.random);
    const retryAt = new Date(this.options.now().getTime() + delay).toISOString();
    return { reason, retryAt };
  }

  private async recordSuccess(claim: Claim, result: unknown): Promise<void> {
    const isRecorded = await this.store.complete(claim, result, this.options.now());
    if (!isRecorded) this.logger.warn({ jobId: claim.id }, 'worker: job finished after losing it');
  }

  private async recordFailure(claim: Claim, outcome: FailureOutcome): Promise<void> {
    const isRecorded = await this.store.fail(claim, outcome, this.options.now());
    if (!isRecorded) {
      this.logger.warn({ jobId: claim.id }, 'worker: job failed after losing it');
      return;
    }
    const level = outcome.retryAt ? 'warn' : 'error';
    this.logger[level]({ jobId: claim.id, reason: outcome.reason }, 'worker: job failed');
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    const until = new Date(this.options.now().getTime() + this.options.leaseMs);
    try {
      await this.store.renewLeases(ids, this.id, until);
    } catch (error) {
      this.logger.error({ err: error }, 'worker: could not renew job leases');
    }
  }

  private async allDone(): Promise<void> {
    await Promise.all([...this.running.values()].map((job) => job.done));
  }

  /**
   * Jobs still running after the grace period go back to the queue first,
   * then their handlers are told to stop: whatever they do afterwards no
   * longer matches the claim and changes nothing.
   */
  private async releaseUnfinished(): Promise<void> {
    const unfinished = [...this.running.values()];
    for (const job of unfinished) {
      try {
        await this.store.release(job.claim, this.options.now());
      } catch (error) {
        // Its lease will expire and a sweep will hand it back instead.
        this.logger.error({ err: error, jobId: job.claim.id }, 'worker: could not release a job');
      }
      job.controller.abort(new Error('worker shutting down'));
    }
    if (unfinished.length > 0) {
      this.logger.warn({ jobs: unfinished.length }, 'worker: handed unfinished jobs back');
    }
    this.running.clear();
  }
}
