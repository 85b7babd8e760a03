import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

describeEachDatabase('request ids and request logs', (dialect) => {
  let t: TestApp;
  let token: string;

  before(async () => {
    t = await createTestApp(dialect);
    token = await t.tokenFor('secretary');
  });
  after(() => t.close());

  function linesOf(requestId: string) {
    return t.logs.filter((line) => line.reqId === requestId);
  }

  it('gives each request an id, returns it, and logs one line with it', async () => {
    const response = await t.app.inject({
      url: '/api/v1/courses?search=abc&limit=5',
      headers: t.auth(token),
    });
    const requestId = response.headers['x-request-id'];
    assert.equal(typeof requestId, 'string');

    const lines = linesOf(String(requestId));
    const completed = lines.filter((line) => line.msg === 'request completed');
    assert.equal(completed.length, 1);
    const line = completed[0] ?? {};
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/api/v1/courses', 'the route pattern, without the query');
    assert.equal(line.statusCode, 200);
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(typeof line.userId, 'number');
  });

  it('keeps a well-formed incoming request id and replaces a suspicious one', async () => {
    const kept = await t.app.inject({
      url: '/livez',
      headers: { 'x-request-id': 'proxy-1234-abcd' },
    });
    assert.equal(kept.headers['x-request-id'], 'proxy-1234-abcd');
    assert.equal(linesOf('proxy-1234-abcd').length > 0, true);

    for (const suspicious of ['short', 'has spaces in it', 'x'.repeat(200), 'a\nfake-line-here']) {
      const response = await t.app.inject({
        url: '/livez',
        headers: { 'x-request-id': suspicious },
      });
      assert.notEqual(response.headers['x-request-id'], suspicious);
    }
  });

  it('gives different requests different ids', async () => {
    const first = await t.app.inject({ url: '/livez' });
    const second = await t.app.inject({ url: '/livez' });
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);
  });

  it('logs a refused request with its code, and the path without the query string', async () => {
    const response = await t.app.inject({ url: '/api/v1/nothing-here?cpf=52998224725' });
    assert.equal(response.statusCode, 404);
    const lines = linesOf(String(response.headers['x-request-id']));
    const completed = lines.find((line) => line.msg === 'request completed');
    assert.equal(completed?.route, '/api/v1/nothing-here');
    assert.equal(JSON.stringify(lines).includes('52998224725'), false);
  });
});
