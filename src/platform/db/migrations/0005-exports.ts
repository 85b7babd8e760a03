import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

import type { Dialect } from '../database.ts';
import { columnTypes, withId, withTimestamps } from './column-types.ts';

/**
 * Exports (XLSX, PDF, CSV) built in the background by the `export.generate`
 * job: who asked, what, where the job stands and, once ready, the stored file
 * and when it stops being downloadable.
 */
export function exportsTable(dialect: Dialect): Migration {
  const t = columnTypes(dialect);

  return {
    async up(db: Kysely<unknown>) {
      await withTimestamps(
        withId(db.schema.createTable('exports'), dialect)
          .addColumn('owner_id', 'integer', (col) => col.notNull().references('users.id'))
          .addColumn('kind', t.text, (col) => col.notNull())
          .addColumn('format', t.text, (col) => col.notNull())
          .addColumn('params', t.text, (col) => col.notNull())
          .addColumn('job_id', t.text)
          .addColumn('status', t.text, (col) => col.notNull())
          .addColumn('progress', 'integer', (col) => col.notNull().defaultTo(0))
          .addColumn('file_name', t.text)
          .addColumn('file_path', t.text)
          .addColumn('size_bytes', 'integer')
          .addColumn('error', t.text)
          .addColumn('expires_at', t.timestamp),
        t,
      )
        .addCheckConstraint(
          'exports_kind_check',
          sql`kind in ('sheet', 'marks', 'student-report', 'roll-call')`,
        )
        .addCheckConstraint('exports_format_check', sql`format in ('xlsx', 'pdf', 'csv')`)
        .addCheckConstraint(
          'exports_status_check',
          sql`status in ('queued', 'running', 'ready', 'failed')`,
        )
        .addCheckConstraint('exports_progress_check', sql`progress between 0 and 100`)
        .execute();
      await db.schema
        .createIndex('exports_owner_id_created_at_idx')
        .on('exports')
        .columns(['owner_id', 'created_at'])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('exports').execute();
    },
  };
}
