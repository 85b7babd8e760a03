import type { Queryable } from '../db/database.ts';
import type { SentEmailsTable } from '../db/tables.ts';

export type MailTransportKind = SentEmailsTable['transport'];

export interface SentEmail {
  readonly idempotencyKey: string;
  readonly messageId: string;
  readonly transport: MailTransportKind;
  /** When sending began: the key is written just before the message goes out. */
  readonly sentAt: string;
}

/** The idempotency keys of the messages already sent. SQL only. */
export class SentEmailsRepo {
  constructor(private readonly db: Queryable) {}

  async find(idempotencyKey: string): Promise<SentEmail | null> {
    const row = await this.db
      .selectFrom('sentEmails')
      .select(['idempotencyKey', 'messageId', 'transport', 'sentAt'])
      .where('idempotencyKey', '=', idempotencyKey)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Throws the driver's unique violation when the key is already there. */
  async insert(sent: SentEmail): Promise<void> {
    await this.db.insertInto('sentEmails').values(sent).execute();
  }

  /** Removes the row `insert` wrote for this attempt, and no other attempt's row. */
  async remove(sent: SentEmail): Promise<void> {
    await this.db
      .deleteFrom('sentEmails')
      .where('idempotencyKey', '=', sent.idempotencyKey)
      .where('sentAt', '=', sent.sentAt)
      .execute();
  }
}
