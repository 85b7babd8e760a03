import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

import type { Dialect } from '../database.ts';
import { booleanDefault, columnTypes, withId, withTimestamps } from './column-types.ts';

/** Courses, students, cohorts, activities, enrollments, users and API tokens. */
export function academicStructure(dialect: Dialect): Migration {
  const t = columnTypes(dialect);
  const no = booleanDefault(dialect, false);
  const yes = booleanDefault(dialect, true);

  return {
    async up(db: Kysely<unknown>) {
      await withTimestamps(withId(db.schema.createTable('courses'), dialect), t)
        .addColumn('name', t.text, (col) => col.notNull())
        .addColumn('description', t.text)
        .addColumn('is_active', t.boolean, (col) => col.notNull().defaultTo(yes))
        .addColumn('archived_at', t.timestamp)
        .execute();
      await db.schema
        .createIndex('courses_name_key')
        .on('courses')
        .unique()
        .expression(sql`lower(name)`)
        .execute();

      await withTimestamps(withId(db.schema.createTable('students'), dialect), t)
        .addColumn('full_name', t.text, (col) => col.notNull())
        .addColumn('search_text', t.text, (col) => col.notNull())
        .addColumn('cpf', t.text, (col) => col.notNull().unique())
        .addColumn('initiatic_number', t.text, (col) => col.notNull().unique())
        .addColumn('initiatic_name', t.text)
        .addColumn('email', t.text)
        .addColumn('phone', t.text)
        .addColumn('secondary_phone', t.text)
        .addColumn('birth_date', t.date)
        .addColumn('sex', t.text)
        .addColumn('situation', t.text, (col) => col.notNull())
        .addColumn('address', t.text)
        .addColumn('emergency_contacts', t.text)
        .addColumn('medical_notes', t.text)
        .addColumn('notes', t.text)
        .addColumn('archived_at', t.timestamp)
        .execute();
      await db.schema
        .createIndex('students_email_key')
        .on('students')
        .unique()
        .column('email')
        .where(sql.ref('email'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('students_situation_name_idx')
        .on('students')
        .columns(['situation', 'full_name'])
        .execute();

      await withTimestamps(withId(db.schema.createTable('cohorts'), dialect), t)
        .addColumn('course_id', 'integer', (col) => col.notNull().references('courses.id'))
        .addColumn('name', t.text, (col) => col.notNull())
        .addColumn('book_number', t.text)
        .addColumn('initiation_date', t.date)
        .addColumn('activities_start_date', t.date)
        .addColumn('first_lesson_date', t.date)
        .addColumn('end_date', t.date)
        .addColumn('weekday', t.text)
        .addColumn('time', t.text)
        .addColumn('place', t.text)
        .addColumn('capacity', 'integer', (col) => col.notNull())
        .addColumn('status', t.text, (col) => col.notNull())
        .addColumn('min_attendance_pct', 'integer', (col) => col.notNull().defaultTo(70))
        .addColumn('max_shortfalls_to_clear', 'integer', (col) => col.notNull().defaultTo(1))
        .addColumn('instructor_id', 'integer', (col) => col.references('students.id'))
        .addColumn('assistant_instructor_id', 'integer', (col) => col.references('students.id'))
        .addColumn('aide_id', 'integer', (col) => col.references('students.id'))
        .addColumn('archived_at', t.timestamp)
        .addCheckConstraint('cohorts_capacity_check', sql`capacity >= 1`)
        .addCheckConstraint('cohorts_min_pct_check', sql`min_attendance_pct between 0 and 100`)
        .addCheckConstraint('cohorts_max_shortfalls_check', sql`max_shortfalls_to_clear >= 0`)
        .execute();
      await db.schema
        .createIndex('cohorts_name_key')
        .on('cohorts')
        .unique()
        .expression(sql`lower(name)`)
        .execute();
      await db.schema.createIndex('cohorts_course_idx').on('cohorts').column('course_id').execute();
      for (const role of ['instructor_id', 'assistant_instructor_id', 'aide_id']) {
        await db.schema
          .createIndex(`cohorts_${role}_idx`)
          .on('cohorts')
          .column(role)
          .where(sql.ref(role), 'is not', null)
          .execute();
      }

      await withTimestamps(withId(db.schema.createTable('activities'), dialect), t)
        .addColumn('cohort_id', 'integer', (col) => col.notNull().references('cohorts.id'))
        .addColumn('name', t.text, (col) => col.notNull())
        .addColumn('kind', t.text, (col) => col.notNull())
        .addColumn('mode', t.text, (col) => col.notNull())
        .addColumn('position', 'integer', (col) => col.notNull())
        .addColumn('is_active', t.boolean, (col) => col.notNull().defaultTo(yes))
        .addColumn('is_default', t.boolean, (col) => col.notNull().defaultTo(no))
        .addColumn('archived_at', t.timestamp)
        .execute();
      await db.schema
        .createIndex('activities_cohort_name_key')
        .on('activities')
        .unique()
        .expression(sql`cohort_id, lower(name)`)
        .execute();

      await withTimestamps(withId(db.schema.createTable('enrollments'), dialect), t)
        .addColumn('student_id', 'integer', (col) => col.notNull().references('students.id'))
        .addColumn('cohort_id', 'integer', (col) => col.notNull().references('cohorts.id'))
        .addColumn('enrolled_on', t.date, (col) => col.notNull())
        .addColumn('ended_on', t.date)
        .addColumn('status', t.text, (col) => col.notNull())
        .addColumn('notes', t.text)
        .addUniqueConstraint('enrollments_student_cohort_key', ['student_id', 'cohort_id'])
        .execute();
      await db.schema
        .createIndex('enrollments_cohort_status_idx')
        .on('enrollments')
        .columns(['cohort_id', 'status', 'enrolled_on'])
        .execute();

      await withTimestamps(withId(db.schema.createTable('users'), dialect), t)
        .addColumn('email', t.text, (col) => col.notNull().unique())
        .addColumn('name', t.text, (col) => col.notNull())
        .addColumn('password_hash', t.text, (col) => col.notNull())
        .addColumn('role', t.text, (col) => col.notNull())
        .addColumn('student_id', 'integer', (col) => col.references('students.id'))
        .addColumn('is_active', t.boolean, (col) => col.notNull().defaultTo(yes))
        .addColumn('must_change_password', t.boolean, (col) => col.notNull().defaultTo(no))
        .addColumn('failed_sign_ins', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('locked_until', t.timestamp)
        .addColumn('last_sign_in_at', t.timestamp)
        .execute();

      await withTimestamps(withId(db.schema.createTable('api_tokens'), dialect), t)
        .addColumn('user_id', 'integer', (col) =>
          col.notNull().references('users.id').onDelete('cascade'),
        )
        .addColumn('token_hash', t.text, (col) => col.notNull().unique())
        .addColumn('name', t.text, (col) => col.notNull())
        .addColumn('expires_at', t.timestamp, (col) => col.notNull())
        .addColumn('revoked_at', t.timestamp)
        .addColumn('last_used_at', t.timestamp)
        .execute();
      await db.schema
        .createIndex('api_tokens_user_idx')
        .on('api_tokens')
        .column('user_id')
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of [
        'api_tokens',
        'users',
        'enrollments',
        'activities',
        'cohorts',
        'students',
        'courses',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
