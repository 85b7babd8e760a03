import type { Queryable } from '../db/database.ts';
import type { InvalidateCache } from './cache.ts';

/**
 * Moves each namespace to its next version (the first bump makes it 1), in
 * one statement that works on SQLite and PostgreSQL alike. Give it the
 * writing transaction: the bump then commits or rolls back with the write.
 * Namespaces are sorted so that two writers lock the rows in the same order.
 */
export const invalidateCache: InvalidateCache = async (db, namespaces) => {
  const names = [...new Set(namespaces)].sort();
  if (names.length === 0) return;
  await db
    .insertInto('cacheVersions')
    .values(names.map((namespace) => ({ namespace, version: 1 })))
    .onConflict((oc) =>
      oc.column('namespace').doUpdateSet((eb) => ({
        version: eb('cacheVersions.version', '+', 1),
      })),
    )
    .execute();
};

/**
 * The current version of each namespace, in the order given, read in one
 * query; a namespace never bumped is at version 0.
 */
export async function readVersions(
  db: Queryable,
  namespaces: readonly string[],
): Promise<number[]> {
  if (namespaces.length === 0) return [];
  const rows = await db
    .selectFrom('cacheVersions')
    .select(['namespace', 'version'])
    .where('namespace', 'in', [...namespaces])
    .execute();
  const versions = new Map(rows.map((row) => [row.namespace, row.version]));
  return namespaces.map((namespace) => versions.get(namespace) ?? 0);
}
