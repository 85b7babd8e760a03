import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';

import { cleanUp } from '../../src/jobs/maintenance.ts';
import type { ExportStatus } from '../../src/platform/db/tables.ts';
import { createTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

const NOW = new Date('2026-05-10T12:00:00.000Z');
const clock = { now: () => NOW };
const HOUR_MS = 3_600_000;

describeEachDatabase('The hourly clean-up of expired exports', (dialect) => {
  let t: TestApp;
  let token: string;
  let ownerId: number;
  let dir: string;
  const progress: number[] = [];
  const context = { updateProgress: async (value: number) => void progress.push(value) };

  beforeEach(async () => {
    t = await createTestApp(dialect, { clock });
    token = await t.tokenFor('secretary', { email: 'secretaria@omaum.test' });
    const owner = await t.testDb.database.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'secretaria@omaum.test')
      .executeTakeFirstOrThrow();
    ownerId = owner.id;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-cleanup-'));
    progress.length = 0;
  });

  afterEach(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A ready export whose file exists, expiring `expiresInMs` after NOW. */
  async function insertExport(
    name: string,
    expiresInMs: number | null,
    status: ExportStatus = 'ready',
  ): Promise<{ id: number; filePath: string }> {
    const filePath = path.join(dir, name);
    fs.writeFileSync(filePath, 'Nome;Presença\n');
    const row = await t.testDb.database.db
      .insertInto('exports')
      .values({
        ownerId,
        kind: 'sheet',
        format: 'csv',
        params: JSON.stringify({
          cohortId: 1,
          from: '2026-03',
          to: '2026-03',
          month: null,
          studentId: null,
        }),
        status,
        progress: status === 'ready' ? 100 : 0,
        fileName: name,
        filePath,
        sizeBytes: 14,
        expiresAt:
          expiresInMs === null ? null : new Date(NOW.getTime() + expiresInMs).toISOString(),
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, filePath };
  }

  async function storedPath(id: number): Promise<string | null> {
    const row = await t.testDb.database.db
      .selectFrom('exports')
      .select('filePath')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return row.filePath;
  }

  function download(id: number) {
    return t.app.inject({
      method: 'GET',
      url: `/api/v1/exports/${id}/download`,
      headers: t.auth(token),
    });
  }

  it('deletes the files of expired exports and keeps the others', async () => {
    const expired = await insertExport('expired.csv', -HOUR_MS);
    const dueNow = await insertExport('due-now.csv', 0);
    const fresh = await insertExport('fresh.csv', HOUR_MS);
    const running = await insertExport('running.csv', -HOUR_MS, 'running');

    const report = await cleanUp(t.testDb.database, clock, context);

    assert.equal(report.expiredExports, 2);
    assert.equal(fs.existsSync(expired.filePath), false);
    assert.equal(fs.existsSync(dueNow.filePath), false);
    assert.equal(await storedPath(expired.id), null);
    assert.equal(await storedPath(dueNow.id), null);
    assert.equal(fs.existsSync(fresh.filePath), true);
    assert.equal(await storedPath(fresh.id), fresh.filePath);
    // Only ready exports have a file to serve; a running one's file is the job's business.
    assert.equal(fs.existsSync(running.filePath), true);
    assert.equal(await storedPath(running.id), running.filePath);
    assert.equal(progress.at(-1), 100);
  });

  it('keeps the row of an expired export, whose download answers 410', async () => {
    const expired = await insertExport('expired.csv', -HOUR_MS);
    const fresh = await insertExport('fresh.csv', HOUR_MS);

    await cleanUp(t.testDb.database, clock, context);

    const response = await download(expired.id);
    assert.equal(response.statusCode, 410);
    assert.equal(response.json<{ code: string }>().code, 'OMAUM_EXPORT_EXPIRED');
    const view = await t.app.inject({
      method: 'GET',
      url: `/api/v1/exports/${expired.id}`,
      headers: t.auth(token),
    });
    assert.equal(view.statusCode, 200);
    const body = view.json<{ status: string; fileName: string; downloadUrl: string | null }>();
    assert.equal(body.status, 'ready');
    assert.equal(body.fileName, 'expired.csv');
    assert.equal(body.downloadUrl, null);
    assert.equal((await download(fresh.id)).statusCode, 200);
  });

  it('finishes the work of an interrupted run and then finds nothing to do', async () => {
    const gone = await insertExport('gone.csv', -HOUR_MS);
    // An earlier run deleted the file and stopped before clearing the row.
    fs.rmSync(gone.filePath);

    const first = await cleanUp(t.testDb.database, clock, context);
    const second = await cleanUp(t.testDb.database, clock, context);

    assert.equal(first.expiredExports, 1);
    assert.equal(await storedPath(gone.id), null);
    assert.equal(second.expiredExports, 0);
  });
});
