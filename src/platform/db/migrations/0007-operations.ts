import type { Kysely, Migration } from 'kysely';

import type { Dialect } from '../database.ts';
import { columnTypes, withId } from './column-types.ts';

/**
 * What operators look at: security events (refusals, blocks, failed
 * sign-ins, permission denials, admin actions), the heartbeats job workers
 * send, and the monitoring summaries each web process writes every minute
 * (read by the Sistema page and `omaum health` from any process), and the
 * versions of cache namespaces, bumped by writes in their own transaction.
 */
export function operations(dialect: Dialect): Migration {
  const t = columnTypes(dialect);

  return {
    async up(db: Kysely<unknown>) {
      await withId(db.schema.createTable('security_events'), dialect)
        .addColumn('occurred_at', t.timestamp, (col) => col.notNull())
        .addColumn('kind', t.text, (col) => col.notNull())
        .addColumn('address', t.text)
        .addColumn('user_id', 'integer')
        .addColumn('detail', t.text, (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('security_events_occurred_at_idx')
        .on('security_events')
        .column('occurred_at')
        .execute();
      await db.schema
        .createIndex('security_events_kind_occurred_at_idx')
        .on('security_events')
        .columns(['kind', 'occurred_at'])
        .execute();

      await db.schema
        .createTable('worker_heartbeats')
        .addColumn('id', t.text, (col) => col.primaryKey())
        .addColumn('role', t.text, (col) => col.notNull())
        .addColumn('queues', t.text, (col) => col.notNull())
        .addColumn('pid', 'integer', (col) => col.notNull())
        .addColumn('host', t.text, (col) => col.notNull())
        .addColumn('started_at', t.timestamp, (col) => col.notNull())
        .addColumn('seen_at', t.timestamp, (col) => col.notNull())
        .execute();

      await withId(db.schema.createTable('monitor_snapshots'), dialect)
        .addColumn('instance', t.text, (col) => col.notNull())
        .addColumn('taken_at', t.timestamp, (col) => col.notNull())
        .addColumn('payload', t.text, (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('monitor_snapshots_taken_at_idx')
        .on('monitor_snapshots')
        .column('taken_at')
        .execute();

      await db.schema
        .createTable('cache_versions')
        .addColumn('namespace', t.text, (col) => col.primaryKey())
        .addColumn('version', 'integer', (col) => col.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('cache_versions').execute();
      await db.schema.dropTable('monitor_snapshots').execute();
      await db.schema.dropTable('worker_heartbeats').execute();
      await db.schema.dropTable('security_events').execute();
    },
  };
}
