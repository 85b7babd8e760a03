import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

import type { Dialect } from '../database.ts';
import { columnTypes } from './column-types.ts';

/**
 * The embedded job queue: one row per job and one per cron schedule. The
 * stored states are waiting, active, completed and failed; "delayed" is a
 * waiting job whose run_at is still in the future, so nothing has to move a
 * job from delayed to waiting when its time comes.
 */
export function jobs(dialect: Dialect): Migration {
  const t = columnTypes(dialect);

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('jobs')
        // Random UUIDs, or the caller's idempotency key (`export:42`).
        .addColumn('id', t.text, (col) => col.primaryKey())
        .addColumn('queue', t.text, (col) => col.notNull())
        .addColumn('name', t.text, (col) => col.notNull())
        .addColumn('data', t.text, (col) => col.notNull())
        .addColumn('state', t.text, (col) => col.notNull())
        .addColumn('priority', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('run_at', t.timestamp, (col) => col.notNull())
        .addColumn('attempts_made', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (col) => col.notNull())
        .addColumn('backoff_ms', 'integer', (col) => col.notNull())
        .addColumn('timeout_ms', 'integer', (col) => col.notNull())
        .addColumn('progress', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('result', t.text)
        .addColumn('failed_reason', t.text)
        .addColumn('locked_by', t.text)
        .addColumn('lease_until', t.timestamp)
        .addColumn('created_at', t.timestamp, (col) => col.notNull())
        .addColumn('started_at', t.timestamp)
        .addColumn('finished_at', t.timestamp)
        .addColumn('updated_at', t.timestamp, (col) => col.notNull())
        .addCheckConstraint(
          'jobs_state_check',
          sql`state in ('waiting', 'active', 'completed', 'failed')`,
        )
        .addCheckConstraint('jobs_attempts_check', sql`max_attempts >= 1`)
        .execute();
      // The claim: next waiting job of a queue, by priority then due time.
      await db.schema
        .createIndex('jobs_claim_idx')
        .on('jobs')
        .columns(['queue', 'state', 'priority', 'run_at'])
        .execute();
      // The sweep of expired leases only ever looks at active jobs.
      await db.schema
        .createIndex('jobs_active_lease_idx')
        .on('jobs')
        .column('lease_until')
        .where(sql.ref('state'), '=', sql.lit('active'))
        .execute();
      // Listings (newest first) and the cleanup of old finished jobs.
      await db.schema.createIndex('jobs_created_idx').on('jobs').column('created_at').execute();
      await db.schema
        .createIndex('jobs_finished_idx')
        .on('jobs')
        .columns(['state', 'finished_at'])
        .execute();

      await db.schema
        .createTable('job_schedules')
        .addColumn('id', t.text, (col) => col.primaryKey())
        .addColumn('queue', t.text, (col) => col.notNull())
        .addColumn('name', t.text, (col) => col.notNull())
        .addColumn('data', t.text, (col) => col.notNull())
        .addColumn('cron', t.text, (col) => col.notNull())
        .addColumn('time_zone', t.text, (col) => col.notNull())
        .addColumn('next_run_at', t.timestamp, (col) => col.notNull())
        .addColumn('updated_at', t.timestamp, (col) => col.notNull())
        .execute();

      await sql`analyze`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('job_schedules').execute();
      await db.schema.dropTable('jobs').execute();
    },
  };
}
