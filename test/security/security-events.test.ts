import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';

import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { SecurityEventView } from '../../src/security/security-events.service.ts';
import { manualClock } from '../auth/manual-clock.ts';
import type { ManualClock } from '../auth/manual-clock.ts';
import type { TestApp } from '../support/app.ts';
import { TEST_PASSWORD, createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

interface ErrorReply {
  code: string;
  details?: Record<string, unknown>;
}

const ATTACKER = '203.0.113.50';

describeEachDatabase('address blocks and security events', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let admin: string;
  let secretary: string;

  before(async () => {
    clock = manualClock();
    t = await createTestApp(dialect, {
      clock,
      env: {
        OMAUM_RATE_LIMIT: 'on',
        OMAUM_RATE_LIMIT_BURST: '100/10s',
        OMAUM_RATE_LIMIT_GENERAL: '200/1m',
        OMAUM_RATE_LIMIT_API: '200/1m',
        OMAUM_RATE_LIMIT_SIGN_IN_ADDRESS: '1/15m',
        // Above the lockout (5 failures), so that the lockout can be seen.
        OMAUM_RATE_LIMIT_SIGN_IN_ACCOUNT: '10/15m',
        OMAUM_BLOCK_AFTER_REFUSALS: '3/10m',
        OMAUM_BLOCK_SECONDS: '3600',
      },
    });
    admin = await t.tokenFor('admin');
    secretary = await t.tokenFor('secretary');
  });
  after(() => t.close());

  function signIn(email: string, address: string, password = 'not-the-password') {
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      remoteAddress: address,
      payload: { email, password },
    });
  }

  function call(
    method: 'GET' | 'DELETE' | 'POST' | 'PATCH',
    url: string,
    token: string,
    payload?: object,
  ) {
    return t.app.inject({
      method,
      url,
      headers: t.auth(token),
      remoteAddress: '198.51.100.1',
      ...(payload ? { payload } : {}),
    });
  }

  async function events(kind: string): Promise<SecurityEventView[]> {
    const response = await call('GET', `/api/v1/security/events?kind=${kind}&limit=500`, admin);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<{ items: SecurityEventView[]; total: number }>();
    assert.equal(body.total, body.items.length);
    return body.items;
  }

  async function counterValue(name: 'rateLimitRejections' | 'blockedRequests', rule?: string) {
    const metric = await t.app.services.metrics[name].get();
    const values = metric.values.filter(
      (value) => rule === undefined || value.labels.rule === rule,
    );
    return values.reduce((sum, value) => sum + value.value, 0);
  }

  it('blocks an address after repeated refusals, until an admin lifts it', async () => {
    assert.equal((await signIn('alvo@example.org', ATTACKER)).statusCode, 401);
    for (let n = 0; n < 3; n += 1) {
      const refused = await signIn('alvo@example.org', ATTACKER);
      assert.equal(refused.json<ErrorReply>().code, 'OMAUM_RATE_LIMITED');
    }

    const blocked = await signIn('alvo@example.org', ATTACKER);
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json<ErrorReply>().code, 'OMAUM_ADDRESS_BLOCKED');
    assert.equal(blocked.headers['retry-after'], '3600');
    const page = await t.app.inject({ url: '/entrar', remoteAddress: ATTACKER });
    assert.equal(page.statusCode, 429);
    assert.match(page.body, /bloqueado/);
    assert.equal(await counterValue('blockedRequests'), 2);
    assert.equal(await counterValue('rateLimitRejections', 'signInAddress'), 3);

    const list = await call('GET', '/api/v1/security/blocks', admin);
    assert.equal(list.statusCode, 200);
    const blocks = list.json<{ items: { address: string; rule: string }[]; total: number }>();
    assert.deepEqual(
      blocks.items.map((block) => [block.address, block.rule]),
      [[ATTACKER, 'signInAddress']],
    );

    const lifted = await call('DELETE', `/api/v1/security/blocks/${ATTACKER}`, admin);
    assert.equal(lifted.statusCode, 204);
    assert.equal((await t.app.inject({ url: '/entrar', remoteAddress: ATTACKER })).statusCode, 200);
    const again = await call('DELETE', `/api/v1/security/blocks/${ATTACKER}`, admin);
    assert.equal(again.statusCode, 404);
    assert.equal(again.json<ErrorReply>().code, 'OMAUM_SECURITY_BLOCK_NOT_FOUND');
  });

  it('lets only admins see and lift blocks, and records the refusals', async () => {
    const listing = await call('GET', '/api/v1/security/blocks', secretary);
    const lifting = await call('DELETE', '/api/v1/security/blocks/203.0.113.9', secretary);
    const reading = await call('GET', '/api/v1/security/events', secretary);

    assert.deepEqual([listing.statusCode, lifting.statusCode, reading.statusCode], [403, 403, 403]);
    const denied = await events('permission_denied');
    assert.deepEqual(denied.map((event) => event.detail.route).sort(), [
      '/api/v1/security/blocks',
      '/api/v1/security/blocks/:address',
      '/api/v1/security/events',
    ]);
    const me = await call('GET', '/api/v1/auth/me', secretary);
    const secretaryId = me.json<{ id: number }>().id;
    assert.ok(denied.every((event) => event.userId === secretaryId));
    assert.ok(denied.every((event) => event.address === '198.51.100.1'));
  });

  it('records one event per refused rule and window, the block, and its lifting', async () => {
    const limited = await events('rate_limited');
    assert.equal(limited.length, 1, 'three refusals in one window make one event');
    assert.equal(limited[0]?.address, ATTACKER);
    assert.deepEqual(limited[0]?.detail, {
      rule: 'signInAddress',
      subject: 'address',
      method: 'POST',
      route: '/api/v1/auth/tokens',
    });

    const blocked = await events('address_blocked');
    assert.equal(blocked.length, 1);
    assert.equal(blocked[0]?.address, ATTACKER);
    assert.equal(blocked[0]?.detail.rule, 'signInAddress');

    const me = await call('GET', '/api/v1/auth/me', admin);
    const adminId = me.json<{ id: number }>().id;
    const lifted = await events('block_lifted');
    assert.deepEqual(
      lifted.map((event) => [event.address, event.userId]),
      [[ATTACKER, adminId]],
    );
    const actions = await events('admin_action');
    assert.ok(
      actions.some(
        (event) =>
          event.userId === adminId &&
          JSON.stringify(event.detail.actions) === '["lift_block"]' &&
          event.detail.address === ATTACKER,
      ),
    );
  });

  it('records failed sign-ins without the e-mail, and the lockout they cause', async () => {
    const user = await t.app.services.users.create(SYSTEM_ACTOR, {
      email: 'tentativas@example.org',
      name: 'Tentativas',
      role: 'viewer',
      password: TEST_PASSWORD,
    });
    for (let n = 0; n < 5; n += 1) {
      assert.equal(
        (await signIn('tentativas@example.org', `198.51.100.${30 + n}`)).statusCode,
        401,
      );
    }
    const locked = await signIn('tentativas@example.org', '198.51.100.40', TEST_PASSWORD);
    assert.equal(locked.statusCode, 423);

    const failed = (await events('sign_in_failed')).filter((event) => event.userId === user.id);
    assert.deepEqual(failed.map((event) => event.detail.reason).sort(), [
      'account_locked',
      ...Array<string>(5).fill('wrong_password'),
    ]);
    assert.ok(failed.every((event) => typeof event.detail.account === 'string'));
    assert.deepEqual(new Set(failed.map((event) => event.address)).size, 6);

    const lockouts = (await events('account_locked')).filter((e) => e.userId === user.id);
    assert.equal(lockouts.length, 1);
    assert.equal(lockouts[0]?.address, '198.51.100.34');

    const unknown = (await events('sign_in_failed')).filter((e) => e.userId === null);
    assert.ok(unknown.some((event) => event.detail.reason === 'unknown_account'));
    const everything = await call('GET', '/api/v1/security/events?limit=500', admin);
    assert.doesNotMatch(everything.body, /@example\.org|not-the-password/);
  });

  it('records what admins do to user accounts', async () => {
    const me = await call('GET', '/api/v1/auth/me', admin);
    const adminId = me.json<{ id: number }>().id;
    const created = await call('POST', '/api/v1/users', admin, {
      email: 'nova.pessoa@example.org',
      name: 'Nova Pessoa',
      role: 'viewer',
      password: TEST_PASSWORD,
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = created.json<{ id: number }>().id;
    await call('PATCH', `/api/v1/users/${id}`, admin, { role: 'secretary' });
    await call('PATCH', `/api/v1/users/${id}`, admin, { isActive: false });

    const actions = (await events('admin_action'))
      .filter((event) => event.detail.targetUserId === id)
      .reverse();
    assert.deepEqual(
      actions.map((event) => [event.userId, event.detail.actions]),
      [
        [adminId, ['create_user']],
        [adminId, ['change_role']],
        [adminId, ['deactivate_user']],
      ],
    );
    assert.equal(actions[1]?.detail.toRole, 'secretary');
  });

  it('pages through events, newest first', async () => {
    const all = await call('GET', '/api/v1/security/events?limit=500', admin);
    const total = all.json<{ total: number }>().total;
    const page = await call('GET', '/api/v1/security/events?limit=2&offset=1', admin);
    const body = page.json<{ items: SecurityEventView[]; total: number }>();

    assert.equal(body.total, total);
    assert.equal(body.items.length, 2);
    const items = all.json<{ items: SecurityEventView[] }>().items;
    assert.deepEqual(
      body.items.map((event) => event.id),
      items.slice(1, 3).map((event) => event.id),
    );
    assert.ok(items.every((e, i) => i === 0 || (items[i - 1]?.occurredAt ?? '') >= e.occurredAt));
  });
});
