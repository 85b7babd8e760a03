import type { Actor } from '../auth/actor.ts';
import { requireRole } from '../auth/actor.ts';
import type { JobListFilter, JobQueue, JobRecord, QueueName } from '../platform/jobs/job-queue.ts';
import { AppError } from '../platform/errors/app-error.ts';

/** Background jobs as administrators see them: states, failures, retries. */
export class JobsService {
  constructor(private readonly queue: JobQueue | null) {}

  async list(actor: Actor, filter: JobListFilter): Promise<{ items: JobRecord[]; total: number }> {
    requireRole(actor, ['admin'], 'see background jobs');
    return this.requireQueue().list(filter);
  }

  async get(actor: Actor, id: string): Promise<JobRecord> {
    requireRole(actor, ['admin'], 'see background jobs');
    const job = await this.requireQueue().get(id);
    if (!job) throw new AppError('OMAUM_JOB_NOT_FOUND', `There is no job ${id}`);
    return job;
  }

  /** Runs a failed job again with a fresh set of attempts. */
  async retry(actor: Actor, id: string): Promise<JobRecord> {
    const job = await this.get(actor, id);
    if (job.state !== 'failed') {
      throw new AppError('OMAUM_JOB_NOT_RETRYABLE', `Job ${id} is ${job.state}, not failed`);
    }
    return this.requireQueue().retry(id);
  }

  /** Jobs per state, in one queue or (without `queue`) in all of them. */
  async counts(actor: Actor, queue?: QueueName) {
    requireRole(actor, ['admin'], 'see background jobs');
    return this.requireQueue().counts(queue);
  }

  private requireQueue(): JobQueue {
    if (!this.queue) throw new AppError('OMAUM_JOB_QUEUE_UNAVAILABLE');
    return this.queue;
  }
}
