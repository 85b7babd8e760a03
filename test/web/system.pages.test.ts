import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';

import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';

import type { Database } from '../../src/platform/db/database.ts';
import { createEmbeddedBackend } from '../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobRecord } from '../../src/platform/jobs/job-queue.ts';
import { writeSnapshot } from '../../src/platform/monitoring/snapshot-writer.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';
import { signedIn } from './students.support.ts';
import { FAST_EMBEDDED, silentLogger } from '../support/quiet-jobs.ts';

/** Thresholds low enough that the routes below trip them for real. */
const MONITORING_ENV = { OMAUM_SLOW_QUERY_MS: '5', OMAUM_N_PLUS_ONE_THRESHOLD: '5' };

/** A query slow on both dialects (a recursive count), and the same lookup run eight times. */
function troubleRoutes(database: Database): FastifyPluginAsync {
  return async (app) => {
    app.get('/teste/consulta-lenta', { config: { access: 'public' } }, async () => {
      const row = await sql<{ n: number }>`
        with recursive c(x) as (select 1 union all select x + 1 from c where x < 400000)
        select count(*) as n from c`.execute(database.db);
      return { n: Number(row.rows[0]?.n) };
    });
    app.get('/teste/n-mais-um', { config: { access: 'public' } }, async () => {
      for (let id = 1; id <= 8; id += 1) {
        await database.db.selectFrom('courses').select('id').where('id', '=', id).execute();
      }
      return { ok: true };
    });
  };
}

/** The `<tr>` of a table whose first cell holds `text`, or '' when there is none. */
function rowWith(html: string, tableClass: string, text: string): string {
  const table = html.split(`<table class="data ${tableClass}">`)[1]?.split('</table>')[0] ?? '';
  return table.split('<tr>').find((row) => row.includes(text)) ?? '';
}

function numbersIn(row: string): string[] {
  return [...row.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((match) => match[1] ?? '');
}

describeEachDatabase('the Sistema page', (dialect) => {
  let t: TestApp;
  let backend: JobBackend | null = null;

  afterEach(async () => {
    await backend?.close();
    backend = null;
    await t.close();
  });

  async function withQueue(env: Record<string, string> = {}): Promise<JobBackend> {
    let created: JobBackend | null = null;
    t = await createTestApp(dialect, {
      env: { ...MONITORING_ENV, ...env },
      extraRoutes: troubleRoutes,
      jobs: (database) => {
        created = createEmbeddedBackend(database, FAST_EMBEDDED);
        return created.queue;
      },
    });
    assert.ok(created);
    backend = created;
    return created;
  }

  /** A job no worker knows, run until it fails. */
  async function failedJob(jobs: JobBackend): Promise<JobRecord> {
    const job = await jobs.queue.enqueue('default', 'nobody.knows', {}, { attempts: 1 });
    const worker = jobs.createWorker({ queues: ['default'], handlers: {}, logger: silentLogger });
    await worker.start();
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const current = await jobs.queue.get(job.id);
        if (current?.state === 'failed') return current;
        assert.ok(Date.now() < deadline, `job still ${current?.state ?? 'missing'}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await worker.stop();
    }
  }

  it('is refused to people who are not admins, and offered to admins only', async () => {
    await withQueue();
    for (const role of ['secretary', 'viewer'] as const) {
      const client = await signedIn(t, role);
      assert.equal((await client.get('/sistema')).statusCode, 403, role);
      assert.equal((await client.get('/sistema/painel')).statusCode, 403, role);
      const lift = await client.post('/sistema/desbloquear', { endereco: '10.0.0.9' });
      assert.equal(lift.statusCode, 403, role);
      assert.doesNotMatch((await client.get('/')).body, /href="\/sistema"/);
    }

    const anonymous = await t.app.inject({ url: '/sistema' });
    assert.equal(anonymous.statusCode, 302);
    assert.match(String(anonymous.headers.location), /^\/entrar\?next=/);
    const token = await t.tokenFor('secretary');
    const byToken = await t.app.inject({ url: '/sistema/painel', headers: t.auth(token) });
    assert.equal(byToken.statusCode, 403);

    const admin = await signedIn(t, 'admin');
    assert.match((await admin.get('/')).body, /href="\/sistema"/);
  });

  it('shows the latencies, queries, cache, queues and instances it has seen', async () => {
    const jobs = await withQueue();
    const failed = await failedJob(jobs);
    await jobs.queue.enqueue('statistics', 'statistics.rebuild', {});
    const token = await t.tokenFor('admin');
    for (let i = 0; i < 3; i += 1) {
      const response = await t.app.inject({ url: '/api/v1/courses', headers: t.auth(token) });
      assert.equal(response.statusCode, 200);
    }
    assert.equal((await t.app.inject({ url: '/teste/consulta-lenta' })).statusCode, 200);
    assert.equal((await t.app.inject({ url: '/teste/n-mais-um' })).statusCode, 200);
    const scope = { kind: 'teste', namespaces: ['teste:1'] };
    await t.app.services.cache.wrap(scope, 'k', () => Promise.resolve(1));
    await t.app.services.cache.wrap(scope, 'k', () => Promise.resolve(1));
    const other = t.app.services.monitor.snapshot();
    await writeSnapshot(t.testDb.database.db, { ...other, instance: 'outra-maquina:4242' });

    const admin = await signedIn(t, 'admin');
    const page = await admin.get('/sistema');

    assert.equal(page.statusCode, 200);
    assert.match(page.body, /href="\/sistema" aria-current="page"/);
    assert.match(page.body, /hx-get="\/sistema\/painel" hx-trigger="every 30s"/);
    assert.match(page.body, /<script type="module" src="\/static\/js\/system-charts.js">/);
    for (const name of ['latencia', 'cache', 'filas']) {
      assert.match(
        page.body,
        new RegExp(`<canvas data-chart-name="${name}" data-chart="\\{&quot;`),
      );
    }

    const courses = numbersIn(rowWith(page.body, 'system-latency', 'GET /api/v1/courses'));
    assert.equal(courses.length, 5);
    assert.equal(courses[0], '3');
    assert.ok(
      courses.slice(1).every((ms) => /^\d[\d.]*(,\d)?$/.test(ms)),
      courses.join(' '),
    );

    // This app counts a query of 5 ms as slow (MONITORING_ENV).
    assert.match(page.body, /Consultas SQL acima de 5 ms/);
    const slow = rowWith(page.body, 'system-queries', 'with recursive');
    assert.match(slow, /GET \/teste\/consulta-lenta/);
    const repeated = rowWith(page.body, 'system-n-plus-one', 'GET /teste/n-mais-um');
    assert.match(repeated, /from &quot;courses&quot;/);
    assert.deepEqual(numbersIn(repeated), ['8']);

    assert.deepEqual(numbersIn(rowWith(page.body, 'system-cache', 'teste')), ['1', '1', '50%']);

    const statistics = numbersIn(rowWith(page.body, 'system-queues', '>statistics<'));
    assert.deepEqual(statistics, ['1', '0', '0', '0', '0']);
    const defaults = numbersIn(rowWith(page.body, 'system-queues', '>default<'));
    assert.equal(defaults[4], '1');
    const failedRow = rowWith(page.body, 'system-failed-jobs', 'nobody.knows');
    assert.ok(failedRow.includes(failed.id));
    assert.ok(failed.failedReason);
    assert.ok(failedRow.includes(failed.failedReason.replace(/"/g, '&quot;').slice(0, 20)));
    assert.match(page.body, /href="\/tarefas\?estado=failed"/);

    const here = rowWith(page.body, 'system-instances', t.app.services.monitor.instance);
    assert.match(here, /este processo/);
    assert.ok(Number(numbersIn(here)[0]) >= 5);
    assert.match(rowWith(page.body, 'system-instances', 'outra-maquina:4242'), /<td class="num">/);
  });

  it('renders the panel alone for htmx, with fresh numbers', async () => {
    await withQueue();
    const admin = await signedIn(t, 'admin');
    const first = await admin.get('/sistema/painel', { 'hx-request': 'true' });
    assert.equal(first.statusCode, 200);
    assert.match(String(first.headers['content-type']), /^text\/html/);
    assert.doesNotMatch(first.body, /<html|<body|<nav/);
    for (const id of ['latencia', 'instancias', 'consultas', 'cache', 'filas', 'limites']) {
      assert.match(first.body, new RegExp(`<h2 id="sistema-${id}">`), id);
    }
    assert.match(first.body, /<canvas data-chart-name="latencia"/);

    const token = await t.tokenFor('viewer');
    await t.app.inject({ url: '/api/v1/students', headers: t.auth(token) });
    const second = await admin.get('/sistema/painel', { 'hx-request': 'true' });
    assert.match(rowWith(second.body, 'system-latency', 'GET /api/v1/students'), /<td/);
  });

  it('says so when the process has no queue and nothing was read or refused', async () => {
    t = await createTestApp(dialect);
    const admin = await signedIn(t, 'admin');
    const page = await admin.get('/sistema');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /A fila de tarefas não está disponível/);
    // The thresholds are the defaults: 200 ms a query, 1000 ms a request, 10 repeats.
    assert.match(page.body, /Nenhuma consulta passou de 200 ms/);
    assert.match(page.body, /pedidos lentos \(acima de 1\.000 ms\)/);
    assert.match(page.body, /a mesma consulta 10 vezes ou mais/);
    assert.match(page.body, /O cache ainda não foi lido/);
    assert.match(page.body, /Nenhum pedido recusado por limite/);
    assert.match(page.body, /Nenhum endereço bloqueado agora/);
  });

  it('shows refusals, blocks and security events, and lifts a block', async () => {
    await withQueue({
      OMAUM_RATE_LIMIT: 'on',
      OMAUM_RATE_LIMIT_API: '2/1m',
      OMAUM_RATE_LIMIT_GENERAL: '1000/1m',
      OMAUM_RATE_LIMIT_BURST: '1000/10s',
      OMAUM_BLOCK_AFTER_REFUSALS: '2/10m',
    });
    const token = await t.tokenFor('secretary');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await t.app.inject({
        url: '/api/v1/courses',
        headers: t.auth(token),
        remoteAddress: '10.0.0.9',
      });
      statuses.push(response.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 3), [200, 200, 429]);

    const admin = await signedIn(t, 'admin');
    const page = await admin.get('/sistema');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<canvas data-chart-name="limites"/);
    const api = numbersIn(rowWith(page.body, 'system-rate-limits', '>api<'));
    assert.ok(Number(api[0]) >= 2, api.join(' '));
    assert.match(page.body, /<strong class="system-blocked-count">[1-9]/);
    const block = rowWith(page.body, 'system-blocks', '10.0.0.9');
    assert.match(block, /name="endereco" value="10\.0\.0\.9"/);
    assert.match(block, /name="_csrf" value="[^"]+"/);
    assert.match(rowWith(page.body, 'system-events', 'Endereço bloqueado'), /10\.0\.0\.9/);
    assert.match(rowWith(page.body, 'system-events', 'Pedido recusado'), /rule: api/);

    const filtered = await admin.get('/sistema?tipo=address_blocked');
    assert.match(filtered.body, /<option value="address_blocked" selected>/);
    assert.match(filtered.body, /hx-get="\/sistema\/painel\?tipo=address_blocked"/);
    assert.equal(rowWith(filtered.body, 'system-events', 'Pedido recusado'), '');
    assert.match(rowWith(filtered.body, 'system-events', 'Endereço bloqueado'), /10\.0\.0\.9/);

    const lifted = await admin.post('/sistema/desbloquear', { endereco: '10.0.0.9' });
    assert.equal(lifted.statusCode, 303);
    assert.equal(lifted.headers.location, '/sistema');
    const after = await admin.get('/sistema');
    assert.match(after.body, /O endereço 10\.0\.0\.9 foi desbloqueado/);
    assert.match(after.body, /Nenhum endereço bloqueado agora/);
    assert.match(rowWith(after.body, 'system-events', 'Bloqueio retirado'), /10\.0\.0\.9/);
    const again = await t.app.inject({
      url: '/api/v1/courses',
      headers: t.auth(await t.tokenFor('secretary')),
      remoteAddress: '10.0.0.9',
    });
    assert.equal(again.statusCode, 200);

    const unknown = await admin.post('/sistema/desbloquear', { endereco: '10.0.0.10' });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /não está bloqueado/);
  });
});
