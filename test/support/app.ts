import { Writable } from 'node:stream';

import type { FastifyPluginAsync } from 'fastify';

import type { App } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Cache } from '../../src/platform/cache/cache.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Database, Dialect } from '../../src/platform/db/database.ts';
import type { Role } from '../../src/platform/db/tables.ts';
import type { JobQueue } from '../../src/platform/jobs/job-queue.ts';
import type { RateLimitStore } from '../../src/platform/security/rate-limit/store.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import type { TestDatabase } from './databases.ts';
import { createTestDatabase } from './databases.ts';

export const TEST_PASSWORD = 'correct-horse-battery-staple';

export interface TestApp {
  readonly app: App;
  readonly testDb: TestDatabase;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Creates a user with the role (and optional student link) and returns a bearer token. */
  tokenFor(role: Role, options?: { studentId?: number; email?: string }): Promise<string>;
  /** Headers carrying a bearer token. */
  auth(token: string): { authorization: string };
  close(): Promise<void>;
}

let userCounter = 0;

/** A complete application on a fresh database, with its logs captured. */
export async function createTestApp(
  dialect: Dialect,
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    /** Builds the app's job queue on the test database (e.g. an embedded backend's queue). */
    jobs?: (database: Database) => JobQueue;
    /** Rate-limit counters and blocks (e.g. Redis with a random prefix); the test closes it. */
    rateLimitStore?: RateLimitStore;
    /** Builds the app's cache on the test database (e.g. a Redis one with a random prefix). */
    cache?: (database: Database) => Cache;
    /** Routes only this test has (e.g. a deliberately slow or N+1 one), on the test database. */
    extraRoutes?: (database: Database) => FastifyPluginAsync;
  } = {},
): Promise<TestApp> {
  const testDb = await createTestDatabase(dialect);
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const config = loadConfig(
    {
      OMAUM_DATA_DIR: '/tmp/omaum-test-data',
      OMAUM_LOG_LEVEL: 'info',
      // Rate limits are tested on their own; elsewhere they would refuse the suites' bursts.
      OMAUM_RATE_LIMIT: 'off',
      ...options.env,
    },
    { useDotenv: false },
  );
  const logger = createLogger({ level: 'info', destination });
  const app = await buildApp({
    config,
    database: testDb.database,
    logger,
    sessionSecret: 'test-session-secret-that-is-long-enough',
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.jobs ? { jobs: options.jobs(testDb.database) } : {}),
    ...(options.rateLimitStore ? { rateLimitStore: options.rateLimitStore } : {}),
    ...(options.cache ? { cache: options.cache(testDb.database) } : {}),
    ...(options.extraRoutes ? { extraRoutes: options.extraRoutes(testDb.database) } : {}),
  });

  return {
    app,
    testDb,
    logs,
    async tokenFor(role, userOptions = {}) {
      userCounter += 1;
      const email = userOptions.email ?? `${role}.${userCounter}.${Date.now()}@test.omaum`;
      const user = await app.services.users.create(SYSTEM_ACTOR, {
        email,
        name: `Test ${role} ${userCounter}`,
        role,
        password: TEST_PASSWORD,
        studentId: userOptions.studentId ?? null,
      });
      const signedIn = await app.services.auth.signIn(user.email, TEST_PASSWORD);
      return (await app.services.auth.issueToken(signedIn)).token;
    },
    auth: (token) => ({ authorization: `Bearer ${token}` }),
    async close() {
      await app.close();
      await testDb.destroy();
    },
  };
}
