import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';

import type { Database } from '../../../src/platform/db/database.ts';
import { createEmbeddedBackend } from '../../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend } from '../../../src/platform/jobs/job-queue.ts';
import type { TestApp } from '../../support/app.ts';
import { createTestApp } from '../../support/app.ts';
import { describeEachDatabase } from '../../support/databases.ts';
import { parsePrometheus, valueOf } from '../../support/prometheus.ts';

const N_PLUS_ONE_ROUTE = '/test/n-plus-one';
const NEARLY_N_PLUS_ONE_ROUTE = '/test/nine-lookups';
const SLOW_ROUTE = '/test/slow-query';
// A parameter of the slow query: it must never reach the logs.
const SECRET_PARAMETER = 987_654_321;

/** Routes that exist only in this test: a deliberate N+1, one just under it, a slow query. */
function faultyRoutes(database: Database): FastifyPluginAsync {
  const lookUp = async (times: number) => {
    for (let id = 1; id <= times; id += 1) {
      await database.db.selectFrom('courses').select('id').where('id', '=', id).execute();
    }
    return { looked: times };
  };
  return async (app) => {
    app.get(N_PLUS_ONE_ROUTE, { config: { access: 'public' } }, () => lookUp(12));
    app.get(NEARLY_N_PLUS_ONE_ROUTE, { config: { access: 'public' } }, () => lookUp(9));
    app.get(SLOW_ROUTE, { config: { access: 'public' } }, async () => {
      await slowQuery(database);
      return { ok: true };
    });
  };
}

async function slowQuery(database: Database): Promise<void> {
  if (database.dialect === 'postgres') {
    await sql`select pg_sleep(0.08), ${SECRET_PARAMETER}::int as n`.execute(database.db);
    return;
  }
  // About 0.1 s of work for SQLite, whatever the machine: count far enough.
  await sql`with recursive c(x) as (select 1 union all select x + 1 from c where x < ${3_000_000})
    select count(*) + ${SECRET_PARAMETER} as n from c`.execute(database.db);
}

async function scrape(t: TestApp) {
  const response = await t.app.inject({ url: '/metrics' });
  assert.equal(response.statusCode, 200, response.body);
  return parsePrometheus(response.body);
}

describeEachDatabase('per-request monitoring', (dialect) => {
  let t: TestApp;
  let token: string;

  before(async () => {
    t = await createTestApp(dialect, {
      env: {
        OMAUM_N_PLUS_ONE_THRESHOLD: '10',
        OMAUM_SLOW_QUERY_MS: '30',
        OMAUM_SLOW_REQUEST_MS: '30',
        OMAUM_METRICS_TOKEN: 'a-long-metrics-token-for-prometheus-0123456789',
      },
      extraRoutes: faultyRoutes,
    });
    token = await t.tokenFor('secretary');
  });
  after(() => t.close());

  function linesOf(response: { headers: Record<string, unknown> }) {
    return t.logs.filter((line) => line.reqId === response.headers['x-request-id']);
  }

  // The request's own line: `slow request` when it took longer than the (low) threshold here.
  function requestLines(response: { headers: Record<string, unknown> }) {
    return linesOf(response).filter(
      (line) => line.msg === 'request completed' || line.msg === 'slow request',
    );
  }

  it('logs one line per request with its queries, and sends Server-Timing', async () => {
    const response = await t.app.inject({ url: '/api/v1/courses', headers: t.auth(token) });
    assert.equal(response.statusCode, 200);
    const completed = requestLines(response);
    assert.equal(completed.length, 1);
    const line = completed[0] ?? {};
    assert.equal(line.route, '/api/v1/courses');
    assert.equal(typeof line.userId, 'number');
    assert.ok(Number(line.queries) >= 2, 'a token check and the list, at least');
    assert.equal(typeof line.queryMs, 'number');

    const timing = String(response.headers['server-timing']);
    assert.match(timing, /^db;dur=\d+\.\d;desc="(\d+) queries", total;dur=\d+\.\d$/);
    assert.equal(/desc="(\d+) queries"/.exec(timing)?.[1], String(line.queries));
  });

  it('catches a deliberate N+1 in the log and in /metrics', async () => {
    const response = await t.app.inject({ url: N_PLUS_ONE_ROUTE });
    assert.equal(response.statusCode, 200);
    const warning = linesOf(response).find((line) => line.msg === 'N+1 queries');
    assert.ok(warning, 'an N+1 warning');
    assert.equal(warning.level, 40);
    assert.equal(warning.origin, `GET ${N_PLUS_ONE_ROUTE}`);
    assert.equal(warning.times, 12);
    assert.match(String(warning.sql), /^select "id" from "courses" where "id" = \?$/);
    assert.equal(requestLines(response)[0]?.nPlusOne, 12);

    const metrics = await scrape(t);
    assert.equal(
      valueOf(metrics, 'omaum_n_plus_one_total', { origin: `GET ${N_PLUS_ONE_ROUTE}` }),
      1,
    );
    assert.equal(
      valueOf(metrics, 'omaum_db_queries_per_request_count', { route: N_PLUS_ONE_ROUTE }),
      1,
    );
    assert.equal(
      valueOf(metrics, 'omaum_db_queries_per_request_sum', { route: N_PLUS_ONE_ROUTE }),
      12,
    );
  });

  it('does not report a shape repeated fewer times than the threshold', async () => {
    const response = await t.app.inject({ url: NEARLY_N_PLUS_ONE_ROUTE });
    assert.equal(response.statusCode, 200);
    assert.equal(
      linesOf(response).some((line) => line.msg === 'N+1 queries'),
      false,
    );
    const metrics = await scrape(t);
    assert.equal(
      valueOf(metrics, 'omaum_n_plus_one_total', { origin: `GET ${NEARLY_N_PLUS_ONE_ROUTE}` }),
      undefined,
    );
  });

  it('logs slow queries and slow requests at warn, with the SQL shape and no parameter', async () => {
    const response = await t.app.inject({ url: SLOW_ROUTE });
    assert.equal(response.statusCode, 200);
    const lines = linesOf(response);
    const slowQuery = lines.find((line) => line.msg === 'slow query');
    assert.ok(slowQuery, 'a slow-query warning');
    assert.equal(slowQuery.level, 40);
    assert.equal(slowQuery.origin, `GET ${SLOW_ROUTE}`);
    assert.ok(Number(slowQuery.durationMs) >= 30);
    assert.match(String(slowQuery.sql), /\?/);
    assert.equal(JSON.stringify(lines).includes(String(SECRET_PARAMETER)), false);

    const slowRequest = lines.find((line) => line.msg === 'slow request');
    assert.ok(slowRequest, 'the request line is a warning');
    assert.equal(slowRequest.level, 40);
    assert.equal(lines.filter((line) => line.msg === 'request completed').length, 0);

    const metrics = await scrape(t);
    assert.ok(
      (valueOf(metrics, 'omaum_slow_queries_total', { origin: `GET ${SLOW_ROUTE}` }) ?? 0) >= 1,
    );
    assert.equal(valueOf(metrics, 'omaum_slow_requests_total', { route: SLOW_ROUTE }), 1);
  });

  it('exposes request durations by route and the process metrics, as valid Prometheus text', async () => {
    await t.app.inject({ url: '/api/v1/courses', headers: t.auth(token) });
    const metrics = await scrape(t);
    assert.equal(metrics.types.get('omaum_http_request_duration_seconds'), 'histogram');
    const count = valueOf(metrics, 'omaum_http_request_duration_seconds_count', {
      method: 'GET',
      route: '/api/v1/courses',
      status: '200',
    });
    assert.ok((count ?? 0) >= 2, `count ${String(count)}`);
    assert.ok(metrics.samples.some((sample) => sample.name === 'process_resident_memory_bytes'));
    assert.ok(metrics.samples.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds'));
    for (const name of ['omaum_cache_hits_total', 'omaum_rate_limit_rejections_total']) {
      assert.equal(metrics.types.get(name), 'counter', name);
    }
  });

  it('labels unmatched URLs as one route, whatever the path', async () => {
    await t.app.inject({ url: '/no/such/page/52998224725' });
    const metrics = await scrape(t);
    assert.equal(
      metrics.samples.some((sample) => String(sample.labels.route).includes('52998224725')),
      false,
    );
    assert.ok(
      (valueOf(metrics, 'omaum_http_request_duration_seconds_count', {
        route: '(unmatched)',
        status: '404',
      }) ?? 0) >= 1,
    );
  });

  it('answers /metrics from this host or with the token, and refuses anyone else', async () => {
    const outsider = { remoteAddress: '203.0.113.7' };
    const refused = await t.app.inject({ url: '/metrics', ...outsider });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json<{ code: string }>().code, 'OMAUM_AUTH_REQUIRED');

    const wrongToken = await t.app.inject({
      url: '/metrics',
      ...outsider,
      headers: { authorization: 'Bearer not-the-token' },
    });
    assert.equal(wrongToken.statusCode, 401);

    const withToken = await t.app.inject({
      url: '/metrics',
      ...outsider,
      headers: { authorization: 'Bearer a-long-metrics-token-for-prometheus-0123456789' },
    });
    assert.equal(withToken.statusCode, 200);
    assert.match(String(withToken.headers['content-type']), /^text\/plain/);

    // A proxy on this host that is not trusted must not make the world "local".
    const forwarded = await t.app.inject({
      url: '/metrics',
      headers: { 'x-forwarded-for': '198.51.100.4' },
    });
    assert.equal(forwarded.statusCode, 401);
  });

  it('keeps recent latencies by route for the Sistema page and health', async () => {
    for (let i = 0; i < 3; i += 1) {
      await t.app.inject({ url: '/api/v1/students', headers: t.auth(token) });
    }
    const snapshot = t.app.services.monitor.snapshot();
    const route = snapshot.routes.find((entry) => entry.route === 'GET /api/v1/students');
    assert.ok(route, 'the route is in the snapshot');
    assert.equal(route.count, 3);
    assert.ok(route.p50 <= route.p95 && route.p95 <= route.p99 && route.p99 <= route.max);
    assert.ok(snapshot.requests.count >= 3);
    assert.ok(snapshot.slowQueries.some((query) => query.origin === `GET ${SLOW_ROUTE}`));
    assert.ok(snapshot.nPlusOne.some((report) => report.origin === `GET ${N_PLUS_ONE_ROUTE}`));
  });
});

describeEachDatabase('queue depths in /metrics', (dialect) => {
  let t: TestApp;
  let backend: JobBackend | null = null;

  before(async () => {
    t = await createTestApp(dialect, {
      jobs: (database) => {
        backend = createEmbeddedBackend(database);
        return backend.queue;
      },
    });
  });
  after(async () => {
    await backend?.close();
    await t.close();
  });

  it('reads the jobs per queue and state from the backend when scraped', async () => {
    await t.app.services.jobs?.enqueue('statistics', 'statistics.rebuild', {});
    await t.app.services.jobs?.enqueue('statistics', 'statistics.rebuild', {}, { delayMs: 60_000 });
    const metrics = await scrape(t);
    assert.equal(
      valueOf(metrics, 'omaum_queue_jobs', { queue: 'statistics', state: 'waiting' }),
      1,
    );
    assert.equal(
      valueOf(metrics, 'omaum_queue_jobs', { queue: 'statistics', state: 'delayed' }),
      1,
    );
    assert.equal(valueOf(metrics, 'omaum_queue_jobs', { queue: 'email', state: 'waiting' }), 0);
  });
});

describe('the Prometheus reader used by these tests', () => {
  it('refuses malformed expositions', () => {
    assert.throws(() => parsePrometheus('metric{label="x" 1\n'), /malformed/);
    assert.throws(() => parsePrometheus('metric one\n'), /malformed value/);
    assert.throws(() => parsePrometheus('# TYPE metric thing\n'), /unknown metric type/);
    assert.deepEqual(parsePrometheus('a_b{c="d",e="f\\"g"} 2\n').samples, [
      { name: 'a_b', labels: { c: 'd', e: 'f"g' }, value: 2 },
    ]);
  });
});
