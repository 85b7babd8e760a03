import type { Insertable, Updateable } from 'kysely';

import type { Queryable } from '../platform/db/database.ts';
import type { ReportScheduleRow, ReportSchedulesTable } from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';

/** SQL for report schedules. */
export class ReportSchedulesRepo {
  constructor(private readonly db: Queryable) {}

  findById(id: number): Promise<ReportScheduleRow | undefined> {
    return this.db
      .selectFrom('reportSchedules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async list(cohortId: number | undefined, page: PageRequest): Promise<Page<ReportScheduleRow>> {
    let query = this.db.selectFrom('reportSchedules');
    if (cohortId !== undefined) query = query.where('cohortId', '=', cohortId);
    const [items, total] = await Promise.all([
      query.selectAll().orderBy('id').limit(page.limit).offset(page.offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }

  insert(row: Insertable<ReportSchedulesTable>): Promise<ReportScheduleRow> {
    return this.db
      .insertInto('reportSchedules')
      .values(row)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async update(id: number, changes: Updateable<ReportSchedulesTable>): Promise<void> {
    await this.db.updateTable('reportSchedules').set(changes).where('id', '=', id).execute();
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('reportSchedules')
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
