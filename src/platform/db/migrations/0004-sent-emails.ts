import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

import type { Dialect } from '../database.ts';
import { columnTypes, withId } from './column-types.ts';

/**
 * The e-mails already handed to the mail server (or written to the outbox),
 * by idempotency key, so that a retried job never sends the same message
 * twice. Append-only. Backups keep no table: the files in the backups folder
 * and their checksums are the record, and a restored database would
 * otherwise carry a stale list of them.
 */
export function sentEmails(dialect: Dialect): Migration {
  const t = columnTypes(dialect);

  return {
    async up(db: Kysely<unknown>) {
      await withId(db.schema.createTable('sent_emails'), dialect)
        .addColumn('idempotency_key', t.text, (col) => col.notNull())
        .addColumn('message_id', t.text, (col) => col.notNull())
        .addColumn('transport', t.text, (col) => col.notNull())
        .addColumn('sent_at', t.timestamp, (col) => col.notNull())
        .addUniqueConstraint('sent_emails_idempotency_key_key', ['idempotency_key'])
        .addCheckConstraint('sent_emails_transport_check', sql`transport in ('smtp', 'outbox')`)
        .execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('sent_emails').execute();
    },
  };
}
