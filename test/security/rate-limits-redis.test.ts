import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { RedisRateLimitStore } from '../../src/platform/security/rate-limit/redis-store.ts';
import { randomPrefix, redisSkipReason, redisUrl, removePrefix } from '../jobs/bullmq-redis.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';

interface ErrorReply {
  code: string;
  details?: Record<string, unknown>;
}

const skip = redisSkipReason ? { skip: redisSkipReason } : {};

describe('rate limits shared through Redis', skip, () => {
  let prefix: string;
  let instances: TestApp[];
  let stores: RedisRateLimitStore[];

  // Two instances, each with its own Redis connection, as two processes would have.
  async function start(env: Record<string, string>): Promise<[TestApp, TestApp]> {
    const make = async () => {
      const store = new RedisRateLimitStore({ url: redisUrl, prefix: `${prefix}:` });
      stores.push(store);
      const app = await createTestApp('sqlite', {
        env: { OMAUM_RATE_LIMIT: 'on', ...env },
        rateLimitStore: store,
      });
      instances.push(app);
      return app;
    };
    return [await make(), await make()];
  }

  beforeEach(() => {
    prefix = randomPrefix();
    instances = [];
    stores = [];
  });
  afterEach(async () => {
    for (const instance of instances) await instance.close();
    for (const store of stores) await store.close();
    assert.equal(await removePrefix(prefix), 0);
  });

  it('refuses the 31st API request in a minute, whichever instance gets it', async () => {
    const [one, two] = await start({ OMAUM_RATE_LIMIT_BURST: '1000/10s' });
    const statuses: number[] = [];
    for (let n = 0; n < 31; n += 1) {
      const instance = n % 2 === 0 ? one : two;
      const response = await instance.app.inject({
        url: '/api/openapi.json',
        remoteAddress: '192.0.2.80',
      });
      statuses.push(response.statusCode);
      if (n === 29) assert.equal(response.headers['ratelimit-remaining'], '0');
    }

    assert.deepEqual(statuses.slice(0, 30), Array(30).fill(200));
    assert.equal(statuses[30], 429);
    const onOne = await one.app.inject({ url: '/api/openapi.json', remoteAddress: '192.0.2.80' });
    assert.equal(onOne.json<ErrorReply>().details?.rule, 'api');
  });

  it('turns a blocked address away on every instance, and lifts it for all', async () => {
    const [one, two] = await start({
      OMAUM_RATE_LIMIT_BURST: '2/1m',
      OMAUM_BLOCK_AFTER_REFUSALS: '2/10m',
    });
    const from = (instance: TestApp) =>
      instance.app.inject({ url: '/api/openapi.json', remoteAddress: '192.0.2.81' });
    assert.equal((await from(one)).statusCode, 200);
    assert.equal((await from(two)).statusCode, 200);
    assert.equal((await from(one)).json<ErrorReply>().code, 'OMAUM_RATE_LIMITED');
    assert.equal((await from(two)).json<ErrorReply>().code, 'OMAUM_RATE_LIMITED');

    assert.equal((await from(one)).json<ErrorReply>().code, 'OMAUM_ADDRESS_BLOCKED');
    assert.equal((await from(two)).json<ErrorReply>().code, 'OMAUM_ADDRESS_BLOCKED');
    const admin = await one.tokenFor('admin');
    const listed = await one.app.inject({
      url: '/api/v1/security/blocks',
      headers: one.auth(admin),
    });
    assert.deepEqual(
      listed.json<{ items: { address: string }[] }>().items.map((block) => block.address),
      ['192.0.2.81'],
    );
    const lifted = await one.app.inject({
      method: 'DELETE',
      url: '/api/v1/security/blocks/192.0.2.81',
      headers: one.auth(admin),
    });
    assert.equal(lifted.statusCode, 204);
    assert.notEqual((await from(two)).json<ErrorReply>().code, 'OMAUM_ADDRESS_BLOCKED');
  });
});
