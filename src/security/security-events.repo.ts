import type { Queryable } from '../platform/db/database.ts';
import type { SecurityEventKind, SecurityEventRow } from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';

export interface SecurityEventFilter {
  readonly kind?: SecurityEventKind;
}

export interface NewSecurityEventRow {
  readonly occurredAt: string;
  readonly kind: SecurityEventKind;
  readonly address: string | null;
  readonly userId: number | null;
  /** JSON text. */
  readonly detail: string;
}

/** SQL of the `security_events` table. */
export class SecurityEventsRepo {
  constructor(private readonly db: Queryable) {}

  async insert(row: NewSecurityEventRow): Promise<void> {
    await this.db.insertInto('securityEvents').values(row).execute();
  }

  /** Newest first. */
  async list(filter: SecurityEventFilter, page: PageRequest): Promise<Page<SecurityEventRow>> {
    let query = this.db.selectFrom('securityEvents');
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    const [items, total] = await Promise.all([
      query
        .selectAll()
        .orderBy('occurredAt', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }
}
