import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

import type { Dialect } from '../database.ts';
import { booleanDefault, columnTypes, withId, withTimestamps } from './column-types.ts';

/**
 * Sessions, marks, their append-only history, and the monthly counters the
 * sheets read. Indexes follow the reads that matter: the month grid and the
 * sheet (led by cohort and month), the student report (led by student), and
 * the absences behind alerts (partial index).
 */
export function attendance(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  const no = booleanDefault(dialect, false);

  return {
    async up(db: Kysely<unknown>) {
      await withTimestamps(withId(db.schema.createTable('sessions'), dialect), t)
        .addColumn('activity_id', 'integer', (col) => col.notNull().references('activities.id'))
        .addColumn('cohort_id', 'integer', (col) => col.notNull().references('cohorts.id'))
        .addColumn('held_on', t.date, (col) => col.notNull())
        // 'YYYY-MM' of held_on, kept so both dialects group and filter by month alike.
        .addColumn('month', t.text, (col) => col.notNull())
        // Several sessions of one activity may fall on one day: slot tells them apart.
        .addColumn('slot', 'integer', (col) => col.notNull().defaultTo(1))
        .addColumn('time', t.text)
        .addColumn('subject', t.text)
        .addColumn('is_extra', t.boolean, (col) => col.notNull().defaultTo(no))
        .addUniqueConstraint('sessions_activity_day_slot_key', ['activity_id', 'held_on', 'slot'])
        .addCheckConstraint('sessions_slot_check', sql`slot >= 1`)
        .execute();
      await db.schema
        .createIndex('sessions_cohort_month_idx')
        .on('sessions')
        .columns(['cohort_id', 'month', 'held_on'])
        .execute();

      await withTimestamps(withId(db.schema.createTable('marks'), dialect), t)
        .addColumn('session_id', 'integer', (col) => col.notNull().references('sessions.id'))
        .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
        .addColumn('cohort_id', 'integer', (col) => col.notNull().references('cohorts.id'))
        .addColumn('activity_id', 'integer', (col) => col.notNull().references('activities.id'))
        .addColumn('month', t.text, (col) => col.notNull())
        // Null while a student is summoned in advance and not yet marked.
        .addColumn('status', t.text)
        .addColumn('is_summoned', t.boolean, (col) => col.notNull().defaultTo(no))
        .addColumn('justification', t.text)
        .addColumn('recorded_by', 'integer', (col) => col.references('users.id'))
        .addColumn('recorded_at', t.timestamp, (col) => col.notNull())
        .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
        .addUniqueConstraint('marks_session_student_key', ['session_id', 'student_id'])
        .addCheckConstraint(
          'marks_status_check',
          sql`status is null or status in ('P', 'F', 'J', 'V1', 'V2')`,
        )
        .execute();
      await db.schema
        .createIndex('marks_cohort_month_idx')
        .on('marks')
        .columns(['cohort_id', 'month', 'activity_id', 'student_id'])
        .execute();
      await db.schema
        .createIndex('marks_student_idx')
        .on('marks')
        .columns(['student_id', 'month'])
        .execute();
      await db.schema
        .createIndex('marks_absences_idx')
        .on('marks')
        .columns(['cohort_id', 'student_id', 'month'])
        .where(sql.ref('status'), 'in', sql`('F', 'J')`)
        .execute();

      await db.schema
        .createTable('mark_history')
        .$call((table) => withId(table, dialect))
        .addColumn('mark_id', 'integer', (col) => col.notNull().references('marks.id'))
        .addColumn('session_id', 'integer', (col) => col.notNull())
        .addColumn('student_id', 'integer', (col) => col.notNull())
        .addColumn('changed_by', 'integer', (col) => col.references('users.id'))
        .addColumn('changed_at', t.timestamp, (col) => col.notNull())
        .addColumn('source', t.text, (col) => col.notNull())
        .addColumn('old_status', t.text)
        .addColumn('new_status', t.text)
        .addColumn('old_is_summoned', t.boolean)
        .addColumn('new_is_summoned', t.boolean, (col) => col.notNull())
        .addColumn('old_justification', t.text)
        .addColumn('new_justification', t.text)
        .addColumn('version', 'integer', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('mark_history_mark_idx')
        .on('mark_history')
        .columns(['mark_id', 'version'])
        .execute();
      await db.schema
        .createIndex('mark_history_session_idx')
        .on('mark_history')
        .column('session_id')
        .execute();
      await db.schema
        .createIndex('mark_history_student_idx')
        .on('mark_history')
        .columns(['student_id', 'changed_at'])
        .execute();

      await db.schema
        .createTable('attendance_counters')
        .addColumn('cohort_id', 'integer', (col) => col.notNull().references('cohorts.id'))
        .addColumn('activity_id', 'integer', (col) => col.notNull().references('activities.id'))
        .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
        .addColumn('month', t.text, (col) => col.notNull())
        .addColumn('expected', 'integer', (col) => col.notNull())
        .addColumn('present', 'integer', (col) => col.notNull())
        .addColumn('absent', 'integer', (col) => col.notNull())
        .addColumn('excused', 'integer', (col) => col.notNull())
        .addColumn('volunteer_extra', 'integer', (col) => col.notNull())
        .addColumn('volunteer_simple', 'integer', (col) => col.notNull())
        // Summoned to a convocation session but not yet marked: pending.
        .addColumn('summoned_unmarked', 'integer', (col) => col.notNull())
        .addColumn('updated_at', t.timestamp, (col) => col.notNull())
        .addPrimaryKeyConstraint('attendance_counters_pkey', [
          'cohort_id',
          'month',
          'activity_id',
          'student_id',
        ])
        .execute();

      // Fresh statistics so the planner uses the new indexes from the start.
      await sql`analyze`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      for (const table of ['attendance_counters', 'mark_history', 'marks', 'sessions']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
