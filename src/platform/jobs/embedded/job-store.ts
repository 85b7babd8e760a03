import { randomUUID } from 'node:crypto';

import { sql } from 'kysely';
import type { UpdateQueryBuilder, UpdateResult } from 'kysely';

import type { Database, Db } from '../../db/database.ts';
import type { DB, JobRow, JobScheduleRow } from '../../db/tables.ts';
import { DEFAULT_ENQUEUE, JOB_STATES, QUEUE_NAMES } from '../job-queue.ts';
import type {
  EnqueueOptions,
  JobListFilter,
  JobRecord,
  JobSchedule,
  JobState,
  JobToEnqueue,
  QueueName,
} from '../job-queue.ts';

const DEFAULT_LIST_LIMIT = 50;
/** 15 columns a row: 500 rows stay well under SQLite's 32,766 bound values. */
const ROWS_PER_STATEMENT = 500;
const MAX_LIST_LIMIT = 500;

export const LEASE_EXPIRED_REASON = 'lease expired: the worker stopped responding';

/** Which run of a job a worker holds: the claim it made, so stale writes change nothing. */
export interface Claim {
  readonly id: string;
  readonly workerId: string;
  readonly attemptsMade: number;
}

/** How a failed attempt ends: retried at `retryAt`, or failed for good when null. */
export interface FailureOutcome {
  readonly reason: string;
  readonly retryAt: string | null;
}

/**
 * The SQL of the embedded backend. Timestamps are ISO strings from the
 * caller's clock: they sort as text on SQLite and compare as timestamptz on
 * PostgreSQL, so one query serves both.
 */
export class JobStore {
  private readonly db: Db;

  constructor(private readonly database: Database) {
    this.db = database.db;
  }

  async insert(
    queue: QueueName,
    name: string,
    data: unknown,
    options: EnqueueOptions,
    now: Date,
  ): Promise<JobRow> {
    const values = newJobRow({ queue, name, data, options }, now);
    // Insert-or-keep: enqueuing an existing id is how callers stay idempotent.
    await this.db
      .insertInto('jobs')
      .values(values)
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
    const row = await this.find(values.id);
    if (!row) throw new Error(`job ${values.id} vanished right after it was enqueued`);
    return row;
  }

  /**
   * Inserts many jobs in one transaction, a few hundred rows per statement
   * (under SQLite's and PostgreSQL's limits on bound values), keeping the jobs
   * whose id exists. Resolves with the stored row of each job, in order.
   */
  async insertMany(jobs: readonly JobToEnqueue[], now: Date): Promise<JobRow[]> {
    const values = jobs.map((job) => newJobRow(job, now));
    const ids = values.map((row) => row.id);
    // A repeated id within the call: the first job with it wins, as with enqueue.
    const seen = new Set<string>();
    const firsts = values.filter((row) => {
      if (seen.has(row.id)) return false;
      seen.add(row.id);
      return true;
    });
    const stored = await this.db.transaction().execute(async (trx) => {
      const rows: JobRow[] = [];
      for (const chunk of chunksOf(firsts, ROWS_PER_STATEMENT)) {
        await trx
          .insertInto('jobs')
          .values(chunk)
          .onConflict((conflict) => conflict.column('id').doNothing())
          .execute();
      }
      for (const chunk of chunksOf([...seen], ROWS_PER_STATEMENT)) {
        rows.push(...(await trx.selectFrom('jobs').selectAll().where('id', 'in', chunk).execute()));
      }
      return rows;
    });
    const byId = new Map(stored.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      if (!row) throw new Error(`job ${id} vanished right after it was enqueued`);
      return row;
    });
  }

  async find(id: string): Promise<JobRow | null> {
    const row = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ?? null;
  }

  async list(filter: JobListFilter, now: Date): Promise<{ rows: JobRow[]; total: number }> {
    const limit = Math.min(Math.max(filter.limit ?? DEFAULT_LIST_LIMIT, 1), MAX_LIST_LIMIT);
    const nowIso = now.toISOString();
    let query = this.db.selectFrom('jobs');
    if (filter.queue) query = query.where('queue', '=', filter.queue);
    if (filter.name) query = query.where('name', '=', filter.name);
    if (filter.state === 'delayed') {
      query = query.where('state', '=', 'waiting').where('runAt', '>', nowIso);
    } else if (filter.state === 'waiting') {
      query = query.where('state', '=', 'waiting').where('runAt', '<=', nowIso);
    } else if (filter.state) {
      query = query.where('state', '=', filter.state);
    }
    const [rows, count] = await Promise.all([
      query
        .selectAll()
        .orderBy('createdAt', 'desc')
        .orderBy('id')
        .limit(limit)
        .offset(Math.max(filter.offset ?? 0, 0))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count.total };
  }

  async counts(queue: QueueName | undefined, now: Date): Promise<Record<JobState, number>> {
    const nowIso = now.toISOString();
    let query = this.db
      .selectFrom('jobs')
      .select((eb) => [
        'state',
        eb('runAt', '>', nowIso).as('delayed'),
        eb.fn.countAll<number>().as('count'),
      ])
      .groupBy(['state', sql`2`]);
    if (queue) query = query.where('queue', '=', queue);
    const rows = await query.execute();
    const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<
      JobState,
      number
    >;
    for (const row of rows) {
      const state: JobState =
        row.state === 'waiting' && isTruthy(row.delayed) ? 'delayed' : row.state;
      counts[state] += row.count;
    }
    return counts;
  }

  /** failed → waiting with a fresh set of attempts; null when no failed job has this id. */
  async retry(id: string, now: Date): Promise<JobRow | null> {
    const nowIso = now.toISOString();
    const row = await this.db
      .updateTable('jobs')
      .set({
        state: 'waiting',
        runAt: nowIso,
        attemptsMade: 0,
        progress: 0,
        result: null,
        failedReason: null,
        startedAt: null,
        finishedAt: null,
        updatedAt: nowIso,
      })
      .where('id', '=', id)
      .where('state', '=', 'failed')
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  /**
   * Takes the next due job of the queues for this worker, atomically. On
   * PostgreSQL the inner select skips rows another transaction is claiming;
   * on SQLite the single UPDATE statement is its own write transaction, and
   * SQLite lets one writer in at a time (others wait on busy_timeout), so two
   * processes can never take the same row.
   */
  async claim(
    queues: readonly QueueName[],
    workerId: string,
    now: Date,
    leaseMs: number,
  ): Promise<JobRow | null> {
    const nowIso = now.toISOString();
    let next = this.db
      .selectFrom('jobs')
      .select('id')
      .where('queue', 'in', queues)
      .where('state', '=', 'waiting')
      .where('runAt', '<=', nowIso)
      .orderBy('priority')
      .orderBy('runAt')
      .orderBy('createdAt')
      .limit(1);
    if (this.database.dialect === 'postgres') next = next.forUpdate().skipLocked();
    const row = await this.db
      .updateTable('jobs')
      .set((eb) => ({
        state: 'active',
        lockedBy: workerId,
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
        attemptsMade: eb('attemptsMade', '+', 1),
        progress: 0,
        startedAt: nowIso,
        updatedAt: nowIso,
      }))
      .where('id', '=', next)
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  /** Extends the lease of the jobs this worker still holds. */
  async renewLeases(ids: readonly string[], workerId: string, leaseUntil: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('jobs')
      .set({ leaseUntil: leaseUntil.toISOString() })
      .where('id', 'in', ids)
      .where('state', '=', 'active')
      .where('lockedBy', '=', workerId)
      .execute();
  }

  async setProgress(claim: Claim, progress: number, now: Date): Promise<void> {
    await this.whereClaim(
      this.db.updateTable('jobs').set({ progress, updatedAt: now.toISOString() }),
      claim,
    ).execute();
  }

  /** False when the claim was lost (lease expired, released): the result is then dropped. */
  async complete(claim: Claim, result: unknown, now: Date): Promise<boolean> {
    const nowIso = now.toISOString();
    const outcome = await this.whereClaim(
      this.db.updateTable('jobs').set({
        state: 'completed',
        progress: 100,
        result: JSON.stringify(result ?? null),
        failedReason: null,
        lockedBy: null,
        leaseUntil: null,
        finishedAt: nowIso,
        updatedAt: nowIso,
      }),
      claim,
    ).executeTakeFirst();
    return outcome.numUpdatedRows > 0n;
  }

  async fail(claim: Claim, outcome: FailureOutcome, now: Date): Promise<boolean> {
    const nowIso = now.toISOString();
    const isFinal = outcome.retryAt === null;
    const updated = await this.whereClaim(
      this.db.updateTable('jobs').set({
        state: isFinal ? 'failed' : 'waiting',
        runAt: outcome.retryAt ?? nowIso,
        failedReason: outcome.reason,
        lockedBy: null,
        leaseUntil: null,
        finishedAt: isFinal ? nowIso : null,
        updatedAt: nowIso,
      }),
      claim,
    ).executeTakeFirst();
    return updated.numUpdatedRows > 0n;
  }

  /**
   * Hands a job back at shutdown. The interrupted run was not the job's
   * fault, so it does not count as an attempt.
   */
  async release(claim: Claim, now: Date): Promise<void> {
    const nowIso = now.toISOString();
    await this.whereClaim(
      this.db.updateTable('jobs').set((eb) => ({
        state: 'waiting',
        runAt: nowIso,
        attemptsMade: eb('attemptsMade', '-', 1),
        lockedBy: null,
        leaseUntil: null,
        startedAt: null,
        updatedAt: nowIso,
      })),
      claim,
    ).execute();
  }

  /**
   * Recovers jobs whose worker died: an expired lease puts the job back to
   * waiting, or fails it when that run was its last attempt. Returns how many.
   * The sweeping worker spares its own jobs: it knows they are alive, even
   * when a stall (a slow database, a busy event loop) delayed their heartbeat.
   */
  async sweepExpired(now: Date, sparedWorkerId?: string): Promise<number> {
    const nowIso = now.toISOString();
    const common = {
      failedReason: LEASE_EXPIRED_REASON,
      lockedBy: null,
      leaseUntil: null,
      updatedAt: nowIso,
    };
    // Two statements rather than CASE expressions: PostgreSQL cannot infer a
    // timestamptz parameter inside CASE. Each is atomic on its own rows.
    const failed = await this.expired(nowIso, sparedWorkerId)
      .set({ ...common, state: 'failed', finishedAt: nowIso })
      .where(sql<boolean>`attempts_made >= max_attempts`)
      .executeTakeFirst();
    const waiting = await this.expired(nowIso, sparedWorkerId)
      .set({ ...common, state: 'waiting', runAt: nowIso })
      .executeTakeFirst();
    return Number(failed.numUpdatedRows + waiting.numUpdatedRows);
  }

  private expired(nowIso: string, sparedWorkerId: string | undefined) {
    const query = this.db
      .updateTable('jobs')
      .where('state', '=', 'active')
      .where('leaseUntil', '<', nowIso);
    return sparedWorkerId ? query.where('lockedBy', '<>', sparedWorkerId) : query;
  }

  async upsertSchedule(schedule: JobSchedule, nextRunAt: Date, now: Date): Promise<void> {
    const nowIso = now.toISOString();
    const values = {
      queue: schedule.queue,
      name: schedule.name,
      data: JSON.stringify(schedule.data ?? null),
      cron: schedule.cron,
      timeZone: schedule.timeZone,
      nextRunAt: nextRunAt.toISOString(),
      updatedAt: nowIso,
    };
    await this.db
      .insertInto('jobSchedules')
      .values({ id: schedule.id, ...values })
      .onConflict((conflict) => conflict.column('id').doUpdateSet(values))
      .execute();
  }

  async findSchedule(id: string): Promise<JobScheduleRow | null> {
    const row = await this.db
      .selectFrom('jobSchedules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ?? null;
  }

  async removeSchedule(id: string): Promise<void> {
    await this.db.deleteFrom('jobSchedules').where('id', '=', id).execute();
  }

  async listSchedules(): Promise<JobScheduleRow[]> {
    return this.db.selectFrom('jobSchedules').selectAll().orderBy('id').execute();
  }

  async dueSchedules(now: Date): Promise<JobScheduleRow[]> {
    return this.db
      .selectFrom('jobSchedules')
      .selectAll()
      .where('nextRunAt', '<=', now.toISOString())
      .execute();
  }

  /** Moves a schedule past a tick, unless another scheduler already did. */
  async advanceSchedule(id: string, firedAt: string, nextRunAt: Date, now: Date): Promise<void> {
    await this.db
      .updateTable('jobSchedules')
      .set({ nextRunAt: nextRunAt.toISOString(), updatedAt: now.toISOString() })
      .where('id', '=', id)
      .where('nextRunAt', '=', firedAt)
      .execute();
  }

  private whereClaim(query: JobUpdate, claim: Claim): JobUpdate {
    return query
      .where('id', '=', claim.id)
      .where('state', '=', 'active')
      .where('lockedBy', '=', claim.workerId)
      .where('attemptsMade', '=', claim.attemptsMade);
  }
}

type JobUpdate = UpdateQueryBuilder<DB, 'jobs', 'jobs', UpdateResult>;

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/** The row a new job starts as; a job without an id gets a UUID. */
function newJobRow(job: JobToEnqueue, now: Date) {
  const options = job.options ?? {};
  const nowIso = now.toISOString();
  const runAt = new Date(now.getTime() + (options.delayMs ?? DEFAULT_ENQUEUE.delayMs));
  return {
    id: options.jobId ?? randomUUID(),
    queue: job.queue,
    name: job.name,
    data: JSON.stringify(job.data ?? null),
    state: 'waiting' as const,
    priority: options.priority ?? DEFAULT_ENQUEUE.priority,
    runAt: runAt.toISOString(),
    attemptsMade: 0,
    maxAttempts: Math.max(1, options.attempts ?? DEFAULT_ENQUEUE.attempts),
    backoffMs: options.backoffMs ?? DEFAULT_ENQUEUE.backoffMs,
    timeoutMs: options.timeoutMs ?? DEFAULT_ENQUEUE.timeoutMs,
    progress: 0,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
}

/** SQLite answers comparisons with 0/1, PostgreSQL with booleans. */
function isTruthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

export function toJobRecord<T>(row: JobRow, now: Date): JobRecord<T> {
  return {
    id: row.id,
    queue: asQueueName(row.queue),
    name: row.name,
    data: JSON.parse(row.data) as T,
    state: reportedState(row, now),
    progress: row.progress,
    attemptsMade: row.attemptsMade,
    maxAttempts: row.maxAttempts,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    failedReason: row.failedReason,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

/** The reported state: a waiting job not yet due is "delayed". */
export function reportedState(row: JobRow, now: Date): JobState {
  if (row.state === 'waiting' && row.runAt > now.toISOString()) return 'delayed';
  return row.state;
}

export function toSchedule(row: JobScheduleRow): JobSchedule {
  return {
    id: row.id,
    queue: asQueueName(row.queue),
    name: row.name,
    data: JSON.parse(row.data) as unknown,
    cron: row.cron,
    timeZone: row.timeZone,
  };
}

function asQueueName(value: string): QueueName {
  const name = QUEUE_NAMES.find((queue) => queue === value);
  if (!name) throw new Error(`unknown queue "${value}" in the jobs table`);
  return name;
}
