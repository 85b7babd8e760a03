import type { Queryable } from '../platform/db/database.ts';
import type { Activity, ActivityUpdate, NewActivity } from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';

/** SQL for activities. */
export class ActivitiesRepo {
  constructor(private readonly db: Queryable) {}

  findById(id: number): Promise<Activity | undefined> {
    return this.db.selectFrom('activities').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Case-insensitive within the cohort, as the unique index is. */
  findByName(cohortId: number, name: string): Promise<Activity | undefined> {
    return this.db
      .selectFrom('activities')
      .selectAll()
      .where('cohortId', '=', cohortId)
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
      .executeTakeFirst();
  }

  async list(
    cohortId: number,
    includeArchived: boolean,
    page: PageRequest,
  ): Promise<Page<Activity>> {
    let query = this.db.selectFrom('activities').where('cohortId', '=', cohortId);
    if (!includeArchived) query = query.where('archivedAt', 'is', null);

    const [items, total] = await Promise.all([
      query
        .selectAll()
        .orderBy('position')
        .orderBy('id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }

  /** The cohort's unarchived activities in sheet order: the ones positions are kept for. */
  listInOrder(cohortId: number): Promise<Activity[]> {
    return this.db
      .selectFrom('activities')
      .selectAll()
      .where('cohortId', '=', cohortId)
      .where('archivedAt', 'is', null)
      .orderBy('position')
      .orderBy('id')
      .execute();
  }

  insert(activity: NewActivity): Promise<Activity> {
    return this.db
      .insertInto('activities')
      .values(activity)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async insertMany(activities: readonly NewActivity[]): Promise<void> {
    if (activities.length === 0) return;
    await this.db
      .insertInto('activities')
      .values([...activities])
      .execute();
  }

  update(id: number, changes: ActivityUpdate): Promise<Activity | undefined> {
    return this.db
      .updateTable('activities')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }
}
