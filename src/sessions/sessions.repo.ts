import type { Updateable } from 'kysely';

import type { Queryable } from '../platform/db/database.ts';
import type { NewSession, Session, SessionsTable } from '../platform/db/tables.ts';

export interface SessionRange {
  readonly from?: string;
  readonly to?: string;
}

/** SQL for sessions ("dias de atividade"). */
export class SessionsRepo {
  constructor(private readonly db: Queryable) {}

  findById(id: number): Promise<Session | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listForActivity(activityId: number, range: SessionRange): Promise<Session[]> {
    let query = this.db.selectFrom('sessions').selectAll().where('activityId', '=', activityId);
    if (range.from) query = query.where('heldOn', '>=', range.from);
    if (range.to) query = query.where('heldOn', '<=', range.to);
    return query.orderBy('heldOn').orderBy('slot').execute();
  }

  /** Sessions of a cohort in a range of months, in sheet order. */
  listForCohort(cohortId: number, fromMonth: string, toMonth: string): Promise<Session[]> {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('cohortId', '=', cohortId)
      .where('month', '>=', fromMonth)
      .where('month', '<=', toMonth)
      .orderBy('heldOn')
      .orderBy('activityId')
      .orderBy('slot')
      .execute();
  }

  /** Slots already taken by an activity on each of the given days. */
  async takenSlots(activityId: number, dates: readonly string[]): Promise<Map<string, number[]>> {
    const taken = new Map<string, number[]>();
    if (dates.length === 0) return taken;
    const rows = await this.db
      .selectFrom('sessions')
      .select(['heldOn', 'slot'])
      .where('activityId', '=', activityId)
      .where('heldOn', 'in', [...new Set(dates)])
      .execute();
    for (const row of rows) taken.set(row.heldOn, [...(taken.get(row.heldOn) ?? []), row.slot]);
    return taken;
  }

  insertMany(sessions: readonly NewSession[]): Promise<Session[]> {
    if (sessions.length === 0) return Promise.resolve([]);
    return this.db
      .insertInto('sessions')
      .values([...sessions])
      .returningAll()
      .execute();
  }

  update(id: number, changes: Updateable<SessionsTable>): Promise<Session | undefined> {
    return this.db
      .updateTable('sessions')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  async countMarks(sessionId: number): Promise<number> {
    const row = await this.db
      .selectFrom('marks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sessionId', '=', sessionId)
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** The activity with what a session needs of its cohort. */
  findActivity(activityId: number) {
    return this.db
      .selectFrom('activities')
      .innerJoin('cohorts', 'cohorts.id', 'activities.cohortId')
      .select([
        'activities.id',
        'activities.cohortId',
        'activities.kind',
        'activities.mode',
        'activities.isActive',
        'activities.archivedAt',
        'cohorts.archivedAt as cohortArchivedAt',
        'cohorts.status as cohortStatus',
      ])
      .where('activities.id', '=', activityId)
      .executeTakeFirst();
  }

  findCohortCalendar(cohortId: number) {
    return this.db
      .selectFrom('cohorts')
      .select(['id', 'weekday', 'firstLessonDate', 'activitiesStartDate', 'endDate'])
      .where('id', '=', cohortId)
      .executeTakeFirst();
  }

  activeActivitiesOf(cohortId: number) {
    return this.db
      .selectFrom('activities')
      .select(['id', 'name', 'kind'])
      .where('cohortId', '=', cohortId)
      .where('archivedAt', 'is', null)
      .where('isActive', '=', true)
      .orderBy('position')
      .execute();
  }
}
