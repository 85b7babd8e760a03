import { refreshCountersWhere } from '../attendance/counters.ts';
import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, STAFF_ROLES, requireRole } from '../auth/actor.ts';
import { assertCohortVisible, isCohortVisible } from '../cohorts/cohort-scope.ts';
import { CohortsRepo } from '../cohorts/cohorts.repo.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db, Queryable } from '../platform/db/database.ts';
import { isUniqueViolation } from '../platform/db/errors.ts';
import type { Activity, Cohort, NewActivity } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import { invalidateCohortSheets } from '../sheets/sheet-cache.ts';
import { ActivitiesRepo } from './activities.repo.ts';
import type { CreateActivityBody, UpdateActivityBody } from './activities.schemas.ts';

export interface ActivityQuery {
  readonly includeArchived?: boolean;
}

/** The two activities every cohort starts with, first in its sheet. */
export function defaultActivities(cohortId: number, now: string): NewActivity[] {
  const common = {
    cohortId,
    mode: 'mandatory',
    isActive: true,
    isDefault: true,
    createdAt: now,
    updatedAt: now,
  } as const;
  return [
    { ...common, name: 'Aulas', kind: 'lesson', position: 1 },
    { ...common, name: 'Plenilúnios', kind: 'full_moon', position: 2 },
  ];
}

/**
 * Activities ("Atividades"): the column groups of a cohort's sheet. Read like
 * their cohort; staff change them. Positions of a cohort's unarchived
 * activities are kept as 1..n, renumbered in the same transaction as a move.
 */
export class ActivitiesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async list(
    actor: Actor,
    cohortId: number,
    query: ActivityQuery,
    page: PageRequest,
  ): Promise<Page<Activity>> {
    requireRole(actor, ALL_ROLES, 'read activities');
    await assertCohortVisible(this.db, actor, cohortId);
    await loadCohort(this.db, cohortId);
    return new ActivitiesRepo(this.db).list(cohortId, query.includeArchived ?? false, page);
  }

  async get(actor: Actor, id: number): Promise<Activity> {
    requireRole(actor, ALL_ROLES, 'read activities');
    const activity = await new ActivitiesRepo(this.db).findById(id);
    // Out of an instructor's scope reads as absent, like the cohort itself.
    if (!activity || !(await isCohortVisible(this.db, actor, activity.cohortId))) {
      throw notFound(id);
    }
    return activity;
  }

  async create(actor: Actor, cohortId: number, input: CreateActivityBody): Promise<Activity> {
    requireRole(actor, STAFF_ROLES, 'create activities');
    const name = checkedName(input.name);

    try {
      return await this.db.transaction().execute(async (trx) => {
        const cohort = await loadCohort(trx, cohortId);
        if (cohort.archivedAt !== null) throw cohortArchived(cohort);
        const repo = new ActivitiesRepo(trx);
        if (await repo.findByName(cohortId, name)) throw duplicate(name);

        const ordered = await repo.listInOrder(cohortId);
        const now = this.clock.now().toISOString();
        const created = await repo.insert({
          cohortId,
          name,
          kind: input.kind,
          mode: input.mode,
          position: ordered.length + 1,
          isActive: true,
          isDefault: false,
          createdAt: now,
          updatedAt: now,
        });
        const position = input.position ?? ordered.length + 1;
        await renumber(repo, placeAt(ordered, created, position), now);
        await invalidateCohortSheets(trx, [cohortId]);
        return load(repo, created.id);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(name);
      throw error;
    }
  }

  async update(actor: Actor, id: number, input: UpdateActivityBody): Promise<Activity> {
    requireRole(actor, STAFF_ROLES, 'change activities');
    const name = input.name === undefined ? undefined : checkedName(input.name);

    try {
      return await this.db.transaction().execute(async (trx) => {
        const repo = new ActivitiesRepo(trx);
        const activity = await loadWritable(trx, id);
        checkLockedFields(activity, input);
        if (name !== undefined) {
          const other = await repo.findByName(activity.cohortId, name);
          if (other && other.id !== id) throw duplicate(name);
        }

        const now = this.clock.now().toISOString();
        await repo.update(id, {
          name,
          kind: input.kind,
          mode: input.mode,
          isActive: input.isActive,
          updatedAt: now,
        });
        // The mode decides which sessions are expected of whom.
        if (input.mode !== undefined && input.mode !== activity.mode) {
          const scope = { cohortId: activity.cohortId, activityIds: [id] };
          await refreshCountersWhere(trx, scope, now);
        }
        if (input.position !== undefined) {
          const ordered = await repo.listInOrder(activity.cohortId);
          await renumber(repo, placeAt(ordered, activity, input.position), now);
        }
        await invalidateCohortSheets(trx, [activity.cohortId]);
        return load(repo, id);
      });
    } catch (error) {
      if (isUniqueViolation(error) && name !== undefined) throw duplicate(name);
      throw error;
    }
  }

  /** Archives an activity; its sessions and marks stay. Idempotent. */
  async archive(actor: Actor, id: number): Promise<Activity> {
    requireRole(actor, STAFF_ROLES, 'archive activities');
    return this.db.transaction().execute(async (trx) => {
      const repo = new ActivitiesRepo(trx);
      const current = await load(repo, id);
      if (current.archivedAt !== null) return current;
      const activity = await loadWritable(trx, id);
      if (activity.isDefault) {
        throw new AppError(
          'OMAUM_ACTIVITY_MANDATORY_LOCKED',
          `The mandatory activity "${activity.name}" cannot be archived`,
        );
      }

      const now = this.clock.now().toISOString();
      await repo.update(id, { archivedAt: now, isActive: false, updatedAt: now });
      // Close the gap it leaves in the sheet.
      await renumber(repo, await repo.listInOrder(activity.cohortId), now);
      await invalidateCohortSheets(trx, [activity.cohortId]);
      return load(repo, id);
    });
  }
}

async function load(repo: ActivitiesRepo, id: number): Promise<Activity> {
  const activity = await repo.findById(id);
  if (!activity) throw notFound(id);
  return activity;
}

/** The activity, if neither it nor its cohort is archived. */
async function loadWritable(db: Queryable, id: number): Promise<Activity> {
  const activity = await load(new ActivitiesRepo(db), id);
  const cohort = await loadCohort(db, activity.cohortId);
  if (cohort.archivedAt !== null) throw cohortArchived(cohort);
  if (activity.archivedAt !== null) {
    throw new AppError('OMAUM_ACTIVITY_ARCHIVED', `The activity "${activity.name}" is archived`);
  }
  return activity;
}

async function loadCohort(db: Queryable, cohortId: number): Promise<Cohort> {
  const cohort = await new CohortsRepo(db).findById(cohortId);
  if (!cohort) throw new AppError('OMAUM_COHORT_NOT_FOUND', `There is no cohort ${cohortId}`);
  return cohort;
}

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw invalidFields([{ field: 'name', message: 'must not be blank' }]);
  return trimmed;
}

/** "Aulas" and "Plenilúnios" are what the attendance rules count on: kind and mode stay. */
function checkLockedFields(activity: Activity, input: UpdateActivityBody): void {
  if (!activity.isDefault) return;
  const changed = (['kind', 'mode'] as const).filter(
    (field) => input[field] !== undefined && input[field] !== activity[field],
  );
  if (changed.length === 0) return;
  throw new AppError(
    'OMAUM_ACTIVITY_MANDATORY_LOCKED',
    `The mandatory activity "${activity.name}" cannot change its ${changed.join(' or ')}`,
    changed.map((field) => ({ field, message: 'cannot change on a mandatory activity' })),
  );
}

/** The order with `item` moved (or added) to `position`, clamped to the ends. */
function placeAt(ordered: readonly Activity[], item: Activity, position: number): Activity[] {
  const others = ordered.filter((activity) => activity.id !== item.id);
  const index = Math.min(Math.max(position, 1), others.length + 1) - 1;
  return [...others.slice(0, index), item, ...others.slice(index)];
}

/** Writes positions 1..n in the given order, touching only rows that move. */
async function renumber(
  repo: ActivitiesRepo,
  ordered: readonly Activity[],
  now: string,
): Promise<void> {
  for (const [index, activity] of ordered.entries()) {
    const position = index + 1;
    if (activity.position !== position)
      await repo.update(activity.id, { position, updatedAt: now });
  }
}

function notFound(id: number): AppError {
  return new AppError('OMAUM_ACTIVITY_NOT_FOUND', `There is no activity ${id}`);
}

function duplicate(name: string): AppError {
  return new AppError(
    'OMAUM_ACTIVITY_DUPLICATE',
    `The cohort already has an activity named "${name}"`,
    [{ field: 'name', message: 'is already in use in this cohort' }],
  );
}

function cohortArchived(cohort: Cohort): AppError {
  return new AppError('OMAUM_COHORT_ARCHIVED', `The cohort "${cohort.name}" is archived`);
}
