import type { Queryable } from '../platform/db/database.ts';
import type { ApiToken, NewUser, Role, User, UserUpdate } from '../platform/db/tables.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';

export interface UserFilter {
  readonly role?: Role;
  readonly isActive?: boolean;
  readonly search?: string;
}

/** SQL for users and their API tokens. */
export class UsersRepo {
  constructor(private readonly db: Queryable) {}

  findById(id: number): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByEmail(email: string): Promise<User | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /**
   * Counts the active admins and, on PostgreSQL, locks their rows until the
   * transaction ends: two admins demoting each other at once are then taken
   * one after the other, and the second sees that only one admin is left.
   */
  async lockActiveAdmins(): Promise<number> {
    const result = await this.db
      .updateTable('users')
      .set((eb) => ({ updatedAt: eb.ref('updatedAt') }))
      .where('role', '=', 'admin')
      .where('isActive', '=', true)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async list(filter: UserFilter, page: PageRequest): Promise<Page<User>> {
    let query = this.db.selectFrom('users');
    if (filter.role) query = query.where('role', '=', filter.role);
    if (filter.isActive !== undefined) query = query.where('isActive', '=', filter.isActive);
    if (filter.search) {
      const pattern = `%${filter.search.toLowerCase()}%`;
      query = query.where((eb) =>
        eb.or([eb(eb.fn('lower', ['name']), 'like', pattern), eb('email', 'like', pattern)]),
      );
    }
    const [items, total] = await Promise.all([
      query
        .selectAll()
        .orderBy('name')
        .orderBy('id')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items, total: total.n };
  }

  insert(user: NewUser): Promise<User> {
    return this.db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  }

  update(id: number, changes: UserUpdate): Promise<User | undefined> {
    return this.db
      .updateTable('users')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  /**
   * Counts one more failed sign-in in the database itself, so that attempts
   * made at the same time are all counted; returns the new count.
   */
  async addFailedSignIn(id: number): Promise<number> {
    const row = await this.db
      .updateTable('users')
      .set((eb) => ({ failedSignIns: eb('failedSignIns', '+', 1) }))
      .where('id', '=', id)
      .returning('failedSignIns')
      .executeTakeFirst();
    return row?.failedSignIns ?? 0;
  }

  insertToken(token: {
    userId: number;
    tokenHash: string;
    name: string;
    expiresAt: string;
    createdAt: string;
  }): Promise<ApiToken> {
    return this.db
      .insertInto('apiTokens')
      .values({ ...token, updatedAt: token.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  findTokenByHash(tokenHash: string): Promise<ApiToken | undefined> {
    return this.db
      .selectFrom('apiTokens')
      .selectAll()
      .where('tokenHash', '=', tokenHash)
      .executeTakeFirst();
  }

  listTokens(userId: number): Promise<ApiToken[]> {
    return this.db
      .selectFrom('apiTokens')
      .selectAll()
      .where('userId', '=', userId)
      .orderBy('id', 'desc')
      .execute();
  }

  async touchToken(id: number, at: string): Promise<void> {
    await this.db.updateTable('apiTokens').set({ lastUsedAt: at }).where('id', '=', id).execute();
  }

  async revokeToken(id: number, userId: number, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('apiTokens')
      .set({ revokedAt: at, updatedAt: at })
      .where('id', '=', id)
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeAllTokens(userId: number, at: string): Promise<void> {
    await this.db
      .updateTable('apiTokens')
      .set({ revokedAt: at, updatedAt: at })
      .where('userId', '=', userId)
      .where('revokedAt', 'is', null)
      .execute();
  }

  async deleteExpiredTokens(before: string): Promise<number> {
    const result = await this.db
      .deleteFrom('apiTokens')
      .where('expiresAt', '<', before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async namesOf(ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'name'])
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }
}
