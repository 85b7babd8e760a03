import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

import type { Dialect } from '../database.ts';
import { booleanDefault, columnTypes, withId, withTimestamps } from './column-types.ts';

/**
 * Report schedules: a cohort's sheet (last month or accumulated) e-mailed to
 * a list of recipients on a cron schedule by the `reports.scheduled` job.
 */
export function reportSchedules(dialect: Dialect): Migration {
  const t = columnTypes(dialect);

  return {
    async up(db: Kysely<unknown>) {
      await withTimestamps(
        withId(db.schema.createTable('report_schedules'), dialect)
          .addColumn('cohort_id', 'integer', (col) =>
            col.notNull().references('cohorts.id').onDelete('cascade'),
          )
          .addColumn('report', t.text, (col) => col.notNull())
          .addColumn('format', t.text, (col) => col.notNull())
          .addColumn('recipients', t.text, (col) => col.notNull())
          .addColumn('cron', t.text, (col) => col.notNull())
          .addColumn('time_zone', t.text, (col) => col.notNull())
          .addColumn('is_active', t.boolean, (col) =>
            col.notNull().defaultTo(booleanDefault(dialect, true)),
          )
          .addColumn('created_by', 'integer')
          .addColumn('last_run_at', t.timestamp),
        t,
      )
        .addCheckConstraint(
          'report_schedules_report_check',
          sql`report in ('sheet-month', 'sheet-accumulated')`,
        )
        .addCheckConstraint('report_schedules_format_check', sql`format in ('xlsx', 'pdf', 'csv')`)
        .execute();
      await db.schema
        .createIndex('report_schedules_cohort_id_idx')
        .on('report_schedules')
        .column('cohort_id')
        .execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('report_schedules').execute();
    },
  };
}
