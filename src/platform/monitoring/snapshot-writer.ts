import type { Db } from '../db/database.ts';
import type { Logger } from '../logging/logger.ts';
import type { Monitor } from './monitor.ts';
import type { MonitorSnapshot } from './snapshot.ts';

/** Snapshots older than this are deleted when a new one is written. */
const KEEP_MS = 24 * 3600_000;

/**
 * Writes what this process has seen to `monitor_snapshots` every
 * `everyMs`, so that the Sistema page and `omaum health`, in any process,
 * read the recent figures of every web process. Returns the stop function.
 */
export function startSnapshotWriter(
  db: Db,
  monitor: Monitor,
  logger: Logger,
  everyMs: number,
): () => void {
  const timer = setInterval(() => {
    writeSnapshot(db, monitor.snapshot()).catch((error: unknown) => {
      logger.warn({ err: error }, 'the monitoring snapshot could not be written');
    });
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}

export async function writeSnapshot(db: Db, snapshot: MonitorSnapshot): Promise<void> {
  const before = new Date(Date.parse(snapshot.takenAt) - KEEP_MS).toISOString();
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom('monitorSnapshots').where('takenAt', '<', before).execute();
    await tx
      .insertInto('monitorSnapshots')
      .values({
        instance: snapshot.instance,
        takenAt: snapshot.takenAt,
        payload: JSON.stringify(snapshot),
      })
      .execute();
  });
}

/** The newest snapshot of each instance taken since `sinceIso`, newest first. */
export async function recentSnapshots(db: Db, sinceIso: string): Promise<MonitorSnapshot[]> {
  const rows = await db
    .selectFrom('monitorSnapshots')
    .select(['instance', 'payload'])
    .where('takenAt', '>=', sinceIso)
    .orderBy('takenAt', 'desc')
    .execute();
  const newest = new Map<string, MonitorSnapshot>();
  for (const row of rows) {
    if (!newest.has(row.instance)) {
      newest.set(row.instance, JSON.parse(row.payload) as MonitorSnapshot);
    }
  }
  return [...newest.values()];
}
