import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';

import type { Database } from '../platform/db/database.ts';
import { hasPendingMigrations } from '../platform/db/migrate.ts';
import { bodyFor } from '../platform/http/error-handler.ts';
import type { JobQueue } from '../platform/jobs/job-queue.ts';

export interface HealthOptions {
  readonly database: Database;
  /** The job queue; when given, a backend that does not answer makes the process not ready. */
  readonly jobs?: JobQueue | null;
  /** How long the database may take to answer before the process is not ready. */
  readonly timeoutMs?: number;
}

/** `/livez` answers while the process runs; `/readyz` only when it can serve. */
export async function healthRoutes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 2000;

  app.get('/livez', { config: { access: 'public' }, schema: { hide: true } }, () => ({
    status: 'ok',
  }));

  app.get('/readyz', { config: { access: 'public' }, schema: { hide: true } }, async (_, reply) => {
    const problem =
      (await readinessProblem(options.database, timeoutMs)) ??
      (await queueProblem(options.jobs ?? null, timeoutMs));
    if (problem === null) return { status: 'ready' };
    return reply.code(503).send({ ...bodyFor('OMAUM_UNAVAILABLE', problem), status: 'not_ready' });
  });
}

async function readinessProblem(database: Database, timeoutMs: number): Promise<string | null> {
  try {
    await withTimeout(sql`select 1`.execute(database.db), timeoutMs);
  } catch (error) {
    return `database unreachable: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (await hasPendingMigrations(database)) return 'database migrations are pending';
  return null;
}

/** One cheap read from the backend: on BullMQ a Redis round trip, embedded a query. */
async function queueProblem(jobs: JobQueue | null, timeoutMs: number): Promise<string | null> {
  if (jobs === null) return null;
  try {
    await withTimeout(jobs.counts('default'), timeoutMs);
    return null;
  } catch (error) {
    return `job queue unreachable: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}
