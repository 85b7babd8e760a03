import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';

import type { App } from '../../src/app.ts';
import { buildApp } from '../../src/app.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import type { Database, Dialect } from '../../src/platform/db/database.ts';
import { migrateToLatest } from '../../src/platform/db/migrate.ts';
import { fixedClock } from '../attendance/harness.ts';
import { createTestDatabase, describeEachDatabase } from '../support/databases.ts';
import type { Scene } from './cache-scene.ts';
import {
  Api,
  createScene,
  silentLogger,
  viewsThroughApi,
  viewsWithoutCache,
} from './cache-scene.ts';

interface SharedDatabase {
  /** Two connections to one database, as two processes would hold. */
  readonly connections: readonly [Database, Database];
  destroy(): Promise<void>;
}

/** One database opened twice: a SQLite file, or one PostgreSQL schema. */
async function openTwice(dialect: Dialect): Promise<SharedDatabase> {
  if (dialect === 'postgres') {
    const testDb = await createTestDatabase('postgres');
    const url = process.env.OMAUM_TEST_POSTGRES_URL ?? '';
    const schema = testDb.database.schema ?? undefined;
    const other = openDatabase({ dialect, url }, { poolSize: 2, ...(schema ? { schema } : {}) });
    return {
      connections: [testDb.database, other],
      destroy: async () => {
        await other.close();
        await testDb.destroy();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-cache-'));
  const file = path.join(dir, 'omaum.sqlite');
  const first = openDatabase({ dialect, file });
  await migrateToLatest(first);
  const second = openDatabase({ dialect, file });
  return {
    connections: [first, second],
    destroy: async () => {
      await first.close();
      await second.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An app with the configuration's default cache: in memory, its own. */
function appOn(database: Database): Promise<App> {
  const config = loadConfig(
    { OMAUM_DATA_DIR: '/tmp/omaum-test-data', OMAUM_LOG_LEVEL: 'silent', OMAUM_RATE_LIMIT: 'off' },
    { useDotenv: false },
  );
  return buildApp({
    config,
    database,
    logger: silentLogger,
    clock: fixedClock,
    sessionSecret: 'test-session-secret-that-is-long-enough',
  });
}

async function secretaryToken(app: App): Promise<string> {
  const password = 'correct-horse-battery-staple';
  const user = await app.services.users.create(SYSTEM_ACTOR, {
    email: `secretary.${Date.now()}@test.omaum`,
    name: 'Secretária',
    role: 'secretary',
    password,
    studentId: null,
  });
  const signedIn = await app.services.auth.signIn(user.email, password);
  return (await app.services.auth.issueToken(signedIn)).token;
}

async function hitsOf(app: App): Promise<number> {
  const { values } = await app.services.metrics.cacheHits.get();
  return values.reduce((total, entry) => total + entry.value, 0);
}

describeEachDatabase('Two app instances, each with its own memory cache', (dialect) => {
  let shared: SharedDatabase;
  let apps: [App, App];
  let one: Api;
  let two: Api;

  before(async () => {
    shared = await openTwice(dialect);
    apps = [await appOn(shared.connections[0]), await appOn(shared.connections[1])];
    assert.equal(apps[0].services.cache.kind, 'memory');
    // Tokens live in the database: either instance accepts it.
    const token = await secretaryToken(apps[0]);
    one = new Api(apps[0], token);
    two = new Api(apps[1], token);
  });

  after(async () => {
    for (const app of apps) await app.close();
    await shared.destroy();
  });

  async function proveSeenByBoth(scene: Scene, write: () => Promise<unknown>): Promise<void> {
    const before = await viewsThroughApi(one, scene);
    assert.deepEqual(await viewsThroughApi(two, scene), before);
    // Read twice: both caches now hold the sheets.
    const hitsBefore = await hitsOf(apps[1]);
    await viewsThroughApi(one, scene);
    await viewsThroughApi(two, scene);
    assert.equal(await hitsOf(apps[1]), hitsBefore + 3);

    await write();

    const fresh = await viewsWithoutCache(shared.connections[0].db, scene);
    assert.notDeepEqual(fresh, before, 'the write should show on the sheets');
    assert.deepEqual(await viewsThroughApi(one, scene), fresh);
    assert.deepEqual(await viewsThroughApi(two, scene), fresh);
  }

  it('sees at once, through the other instance, marks written through one', async () => {
    const scene = await createScene(shared.connections[0].db, one);
    await proveSeenByBoth(scene, () =>
      one.ok('PUT', `/sessions/${scene.unmarked}/marks`, {
        marks: [{ studentId: scene.students[1].id, status: 'P' }],
      }),
    );
  });

  it("sees at once, through the first instance, a student's rename through the other", async () => {
    const scene = await createScene(shared.connections[0].db, one);
    await proveSeenByBoth(scene, () =>
      two.ok('PATCH', `/students/${scene.students[0].id}`, { fullName: 'Ana de Outro Processo' }),
    );
  });
});
