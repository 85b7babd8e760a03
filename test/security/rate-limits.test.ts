import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { LightMyRequestResponse } from 'fastify';

import type { Dialect } from '../../src/platform/db/database.ts';
import { manualClock } from '../auth/manual-clock.ts';
import type { ManualClock } from '../auth/manual-clock.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

interface ErrorReply {
  statusCode: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

function headersOf(response: LightMyRequestResponse) {
  const h = response.headers;
  return {
    limit: h['ratelimit-limit'],
    remaining: h['ratelimit-remaining'],
    reset: h['ratelimit-reset'],
  };
}

async function appWith(dialect: Dialect, clock: ManualClock, env: Record<string, string> = {}) {
  return createTestApp(dialect, { clock, env: { OMAUM_RATE_LIMIT: 'on', ...env } });
}

describeEachDatabase('rate limits', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;

  before(async () => {
    clock = manualClock();
    t = await appWith(dialect, clock);
  });
  after(() => t.close());

  function get(url: string, address: string, headers: Record<string, string> = {}) {
    return t.app.inject({ url, remoteAddress: address, headers });
  }

  it('refuses the 11th request in 10 seconds, with RateLimit-* and Retry-After', async () => {
    const token = await t.tokenFor('viewer');
    const responses: LightMyRequestResponse[] = [];
    for (let n = 1; n <= 11; n += 1) {
      responses.push(await get('/api/v1/auth/me', '192.0.2.1', t.auth(token)));
      if (n === 5) clock.advance(2000);
    }
    const [first, tenth, eleventh] = [responses[0], responses[9], responses[10]];
    assert.ok(first && tenth && eleventh);

    assert.equal(first.statusCode, 200);
    assert.deepEqual(headersOf(first), { limit: '10', remaining: '9', reset: '10' });
    assert.match(String(first.headers['ratelimit-policy']), /10;w=10/);
    assert.equal(tenth.statusCode, 200);
    // The first five were two seconds earlier: a slot frees in eight seconds.
    assert.deepEqual(headersOf(tenth), { limit: '10', remaining: '0', reset: '8' });

    assert.equal(eleventh.statusCode, 429);
    assert.deepEqual(headersOf(eleventh), { limit: '10', remaining: '0', reset: '8' });
    assert.equal(eleventh.headers['retry-after'], '8');
    const body = eleventh.json<ErrorReply>();
    assert.equal(body.code, 'OMAUM_RATE_LIMITED');
    assert.deepEqual(body.details, {
      rule: 'burst',
      limit: 10,
      windowSeconds: 10,
      retryAfterSeconds: 8,
    });

    clock.advance(8000);
    const again = await get('/api/v1/auth/me', '192.0.2.1', t.auth(token));
    assert.equal(again.statusCode, 200, 'the first five requests have left the window');
    assert.equal(again.headers['ratelimit-remaining'], '4');
    clock.advance(10_000);
  });

  it('counts each signed-in user apart, even from one address', async () => {
    const [ana, bia] = [await t.tokenFor('viewer'), await t.tokenFor('viewer')];
    for (let n = 0; n < 10; n += 1) await get('/api/v1/auth/me', '192.0.2.2', t.auth(ana));

    assert.equal((await get('/api/v1/auth/me', '192.0.2.2', t.auth(ana))).statusCode, 429);
    const other = await get('/api/v1/auth/me', '192.0.2.2', t.auth(bia));
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers['ratelimit-remaining'], '9');
    const anonymous = await get('/entrar', '192.0.2.2');
    assert.equal(anonymous.statusCode, 200, 'the address itself has used nothing');
    clock.advance(10_000);
  });

  it('counts requests without a user per address', async () => {
    for (let n = 0; n < 10; n += 1) {
      assert.equal((await get('/entrar', '192.0.2.3')).statusCode, 200);
    }
    const refused = await get('/entrar', '192.0.2.3');
    assert.equal(refused.statusCode, 429);
    assert.match(String(refused.headers['content-type']), /text\/html/);
    assert.match(refused.body, /Muitos pedidos em pouco tempo/);
    assert.equal(refused.headers['retry-after'], '10');
    assert.equal((await get('/entrar', '192.0.2.4')).statusCode, 200);
    clock.advance(10_000);
  });

  it('counts requests whose authentication failed against their address', async () => {
    const badToken = { authorization: 'Bearer omaum_not-a-real-token-at-all-0000000000' };
    for (let n = 0; n < 10; n += 1) {
      assert.equal((await get('/api/v1/auth/me', '192.0.2.5', badToken)).statusCode, 401);
    }
    const refused = await get('/api/openapi.json', '192.0.2.5');
    assert.equal(refused.statusCode, 429);
    clock.advance(10_000);
  });

  it('never limits static files, health probes or metrics', async () => {
    for (let n = 0; n < 25; n += 1) {
      for (const url of ['/livez', '/readyz', '/static/css/app.css', '/metrics']) {
        const response = await get(url, '192.0.2.6');
        assert.notEqual(response.statusCode, 429, url);
        assert.equal(response.headers['ratelimit-limit'], undefined, url);
      }
    }
    assert.equal((await get('/entrar', '192.0.2.6')).headers['ratelimit-remaining'], '9');
    clock.advance(10_000);
  });

  it('limits the API to 30 a minute, per user', async () => {
    const token = await t.tokenFor('viewer');
    const statuses: number[] = [];
    for (let n = 0; n < 31; n += 1) {
      statuses.push((await get('/api/v1/auth/me', '192.0.2.7', t.auth(token))).statusCode);
      clock.advance(1100);
    }
    assert.deepEqual(statuses.slice(0, 30), Array(30).fill(200));
    assert.equal(statuses[30], 429);
    clock.advance(60_000);
  });
});

describeEachDatabase('rate limits behind a proxy', (dialect) => {
  let t: TestApp;

  before(async () => {
    t = await appWith(dialect, manualClock(), { OMAUM_TRUST_PROXY: '10.0.0.1' });
  });
  after(() => t.close());

  function fromProxy(remoteAddress: string, forwardedFor: string) {
    return t.app.inject({
      url: '/entrar',
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
    });
  }

  it('takes the client address from X-Forwarded-For sent by the trusted proxy', async () => {
    for (let n = 0; n < 10; n += 1) await fromProxy('10.0.0.1', '203.0.113.5');

    assert.equal((await fromProxy('10.0.0.1', '203.0.113.5')).statusCode, 429);
    assert.equal((await fromProxy('10.0.0.1', '203.0.113.6')).statusCode, 200);
  });

  it('ignores X-Forwarded-For from anyone else', async () => {
    for (let n = 0; n < 10; n += 1) {
      assert.equal((await fromProxy('10.0.0.2', `203.0.113.${20 + n}`)).statusCode, 200);
    }
    assert.equal((await fromProxy('10.0.0.2', '203.0.113.99')).statusCode, 429);
  });
});

describe('rate limits without a trusted proxy', () => {
  it('ignores X-Forwarded-For altogether', async () => {
    const t = await appWith('sqlite', manualClock());
    try {
      for (let n = 0; n < 10; n += 1) {
        await t.app.inject({
          url: '/entrar',
          remoteAddress: '10.0.0.1',
          headers: { 'x-forwarded-for': `203.0.113.${n}` },
        });
      }
      const response = await t.app.inject({ url: '/entrar', remoteAddress: '10.0.0.1' });
      assert.equal(response.statusCode, 429);
    } finally {
      await t.close();
    }
  });
});

describeEachDatabase('sign-in and export limits', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;

  before(async () => {
    clock = manualClock();
    t = await appWith(dialect, clock, {
      OMAUM_RATE_LIMIT_SIGN_IN_ACCOUNT: '3/15m',
      OMAUM_RATE_LIMIT_SIGN_IN_ADDRESS: '4/15m',
      OMAUM_RATE_LIMIT_EXPORTS: '2/1h',
    });
  });
  after(() => t.close());

  function signIn(email: string, address: string) {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      remoteAddress: address,
      payload: { email, password: 'not-the-password' },
    });
  }

  it('limits sign-ins per account, whatever the address and the case of the e-mail', async () => {
    const statuses: number[] = [];
    for (const [n, email] of ['nobody@example.org', 'NOBODY@example.org'].entries()) {
      statuses.push((await signIn(email, `198.51.100.${n + 1}`)).statusCode);
    }
    statuses.push((await signIn('Nobody@Example.org', '198.51.100.3')).statusCode);
    const refused = await signIn('nobody@example.org', '198.51.100.4');

    assert.deepEqual(statuses, [401, 401, 401]);
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json<ErrorReply>().details?.rule, 'signInAccount');
    assert.equal((await signIn('somebody@example.org', '198.51.100.4')).statusCode, 401);
  });

  it('limits sign-ins per address, whatever the account', async () => {
    for (let n = 0; n < 4; n += 1) {
      assert.equal((await signIn(`person${n}@example.org`, '198.51.100.10')).statusCode, 401);
    }
    const refused = await signIn('person9@example.org', '198.51.100.10');
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json<ErrorReply>().details?.rule, 'signInAddress');
  });

  it('limits the sign-in form the same way, with a page in Portuguese', async () => {
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: '/entrar',
        remoteAddress: '198.51.100.20',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'email=formulario%40example.org&password=errada',
      });
    for (let n = 0; n < 3; n += 1) assert.notEqual((await post()).statusCode, 429);

    const refused = await post();
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /Muitos pedidos/);
    assert.ok(refused.headers['retry-after']);
  });

  it('limits starting exports per user', async () => {
    const [ana, bia] = [await t.tokenFor('secretary'), await t.tokenFor('secretary')];
    const start = (token: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/exports',
        headers: t.auth(token),
        payload: { kind: 'sheet', format: 'csv', cohortId: 1, from: '2026-03' },
      });
    for (let n = 0; n < 2; n += 1) assert.notEqual((await start(ana)).statusCode, 429);

    const refused = await start(ana);
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json<ErrorReply>().details?.rule, 'exports');
    assert.equal(refused.headers['retry-after'], '3600');
    assert.notEqual((await start(bia)).statusCode, 429);
    const list = await t.app.inject({ url: '/api/v1/exports', headers: t.auth(ana) });
    assert.equal(list.statusCode, 200, 'reading exports is not starting one');
  });
});

describe('rate limits switched off', () => {
  it('limits nothing and sends no RateLimit headers', async () => {
    const t = await createTestApp('sqlite', { env: { OMAUM_RATE_LIMIT: 'off' } });
    try {
      for (let n = 0; n < 15; n += 1) {
        const response = await t.app.inject({ url: '/entrar' });
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['ratelimit-limit'], undefined);
      }
    } finally {
      await t.close();
    }
  });
});
