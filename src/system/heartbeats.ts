/**
 * Heartbeats of job workers and schedulers: each running one keeps a row in
 * `worker_heartbeats` fresh, so that `omaum health` and `omaum deploy status`,
 * from any process on any host, can tell which queues have a live worker.
 * The row goes away on a clean stop; a crashed process leaves a row that
 * simply stops being fresh.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';

import type { Db } from '../platform/db/database.ts';
import type { WorkerHeartbeatRow } from '../platform/db/tables.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { QueueName } from '../platform/jobs/job-queue.ts';

/** How often a running worker reports. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
/** A worker is live when it reported within this many intervals. */
const LIVE_INTERVALS = 3;
// Rows of processes that died long ago are removed when a new reporter starts.
const FORGET_AFTER_MS = 24 * 60 * 60 * 1000;

export interface HeartbeatOptions {
  readonly role: 'worker' | 'scheduler';
  /** Queues a worker takes jobs from; empty for a scheduler. */
  readonly queues: readonly QueueName[];
  readonly logger: Logger;
  readonly intervalMs?: number;
  readonly now?: () => Date;
}

/** Keeps this process's row fresh from `start()` until `stop()`, which removes it. */
export class HeartbeatReporter {
  readonly id = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = '';
  private beating: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly options: HeartbeatOptions,
  ) {}

  async start(): Promise<void> {
    const now = this.now();
    this.startedAt = now.toISOString();
    const forgetBefore = new Date(now.getTime() - FORGET_AFTER_MS).toISOString();
    await this.db.deleteFrom('workerHeartbeats').where('seenAt', '<', forgetBefore).execute();
    await this.insert(this.startedAt);

    this.timer = setInterval(() => {
      this.beating = this.beat();
    }, this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
    // A heartbeat alone must not keep a stopping process alive.
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    try {
      await this.db.deleteFrom('workerHeartbeats').where('id', '=', this.id).execute();
    } catch (error) {
      // The row then goes stale by itself; a stop must not fail for it.
      this.options.logger.warn({ err: error }, 'heartbeat not removed');
    }
  }

  private async beat(): Promise<void> {
    const seenAt = this.now().toISOString();
    try {
      const result = await this.db
        .updateTable('workerHeartbeats')
        .set({ seenAt })
        .where('id', '=', this.id)
        .executeTakeFirst();
      // Someone removed the row (a clean-up after a restore): write it again.
      if (Number(result.numUpdatedRows) === 0) await this.insert(seenAt);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'heartbeat not recorded');
    }
  }

  private async insert(seenAt: string): Promise<void> {
    await this.db
      .insertInto('workerHeartbeats')
      .values({
        id: this.id,
        role: this.options.role,
        queues: this.options.queues.join(','),
        pid: process.pid,
        host: os.hostname(),
        startedAt: this.startedAt,
        seenAt,
      })
      .execute();
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

export interface LiveHeartbeat {
  readonly id: string;
  readonly role: 'worker' | 'scheduler';
  readonly queues: readonly QueueName[];
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly seenAt: string;
}

/** Workers and schedulers that reported within three intervals of `now`. */
export async function liveHeartbeats(
  db: Db,
  now: Date,
  intervalMs = HEARTBEAT_INTERVAL_MS,
): Promise<LiveHeartbeat[]> {
  const since = new Date(now.getTime() - LIVE_INTERVALS * intervalMs).toISOString();
  const rows = await db
    .selectFrom('workerHeartbeats')
    .selectAll()
    .where('seenAt', '>=', since)
    .orderBy('startedAt')
    .execute();
  return rows.map(toLive);
}

function toLive(row: WorkerHeartbeatRow): LiveHeartbeat {
  return {
    id: row.id,
    role: row.role,
    queues: row.queues === '' ? [] : (row.queues.split(',') as QueueName[]),
    pid: row.pid,
    host: row.host,
    startedAt: row.startedAt,
    seenAt: row.seenAt,
  };
}

/** Starts a reporter, or logs why it could not (jobs run all the same). */
export async function startHeartbeat(
  db: Db,
  options: HeartbeatOptions,
): Promise<HeartbeatReporter> {
  const reporter = new HeartbeatReporter(db, options);
  try {
    await reporter.start();
  } catch (error) {
    options.logger.warn({ err: error, role: options.role }, 'heartbeat could not start');
  }
  return reporter;
}
