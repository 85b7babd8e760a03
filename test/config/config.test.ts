import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigError, loadConfig } from '../../src/config/config.ts';
import type { Config } from '../../src/config/config.ts';

const STRONG_SECRET = 'kX9v2-Qm7pL4zR8tW1yB6nC3hJ5dF0gS';

const PRODUCTION = {
  OMAUM_ENV: 'production',
  OMAUM_SESSION_SECRET: STRONG_SECRET,
  OMAUM_BASE_URL: 'https://omaum.example.org',
  OMAUM_DATABASE_URL: 'postgres://omaum@db.internal:5432/omaum',
};

function load(env: Record<string, string>): Config {
  return loadConfig(env, { useDotenv: false });
}

/** The problems a ConfigError lists for an environment (fails if it loads). */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    load(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

function assertNames(problems: readonly string[], variable: string): void {
  assert.ok(
    problems.some((problem) => problem.startsWith(variable)),
    `${variable} not named in:\n${problems.join('\n')}`,
  );
}

describe('configuration', () => {
  it('has working defaults for development', () => {
    const config = load({});
    assert.equal(config.env, 'development');
    assert.equal(config.isProduction, false);
    assert.equal(config.port, 3000);
    assert.equal(config.database.dialect, 'sqlite');
    assert.equal(config.queueBackend, 'embedded');
    assert.equal(config.timeZone, 'America/Sao_Paulo');
    assert.equal(config.isRateLimitOn, true);
    assert.equal(config.baseUrl, 'http://localhost:3000');
  });

  it('reads only the environment it is given', () => {
    const previous = process.env.OMAUM_PORT;
    process.env.OMAUM_PORT = '4321';
    try {
      assert.equal(load({}).port, 3000);
    } finally {
      if (previous === undefined) delete process.env.OMAUM_PORT;
      else process.env.OMAUM_PORT = previous;
    }
  });

  it('converts values and picks PostgreSQL from the URL', () => {
    const config = load({
      OMAUM_PORT: '8080',
      OMAUM_DATABASE_URL: 'postgresql://u@h/db',
      OMAUM_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8',
      OMAUM_ADMIN_EMAIL: ' Admin@Example.org ',
    });
    assert.equal(config.port, 8080);
    assert.deepEqual(config.database, { dialect: 'postgres', url: 'postgresql://u@h/db' });
    assert.deepEqual(config.trustProxy, ['127.0.0.1', '10.0.0.0/8']);
    assert.equal(config.adminEmail, 'admin@example.org');
  });

  it('names every invalid variable at once', () => {
    const problems = problemsOf({
      OMAUM_ENV: 'staging',
      OMAUM_PORT: 'eighty',
      OMAUM_LOG_LEVEL: 'loud',
      OMAUM_QUEUE_BACKEND: 'kafka',
      OMAUM_RATE_LIMIT: 'maybe',
      OMAUM_TOKEN_TTL_HOURS: '0',
      OMAUM_BODY_LIMIT_BYTES: '10',
      OMAUM_TZ: 'Mars/Olympus_Mons',
      OMAUM_ADMIN_EMAIL: 'not-an-email',
      OMAUM_ADMIN_PASSWORD: 'short',
      OMAUM_BASE_URL: 'omaum.example.org',
    });
    const variables = [
      'OMAUM_ENV',
      'OMAUM_PORT',
      'OMAUM_LOG_LEVEL',
      'OMAUM_QUEUE_BACKEND',
      'OMAUM_RATE_LIMIT',
      'OMAUM_TOKEN_TTL_HOURS',
      'OMAUM_BODY_LIMIT_BYTES',
      'OMAUM_TZ',
      'OMAUM_ADMIN_EMAIL',
      'OMAUM_ADMIN_PASSWORD',
      'OMAUM_BASE_URL',
    ];
    for (const variable of variables) assertNames(problems, variable);
    assert.equal(problems.length, variables.length, problems.join('\n'));
  });

  it('reads the worker metrics port: empty or 0 is off, anything but a port is refused', () => {
    assert.equal(load({}).workerMetricsPort, null);
    assert.equal(load({ OMAUM_WORKER_METRICS_PORT: '0' }).workerMetricsPort, null);
    assert.equal(load({ OMAUM_WORKER_METRICS_PORT: ' 9464 ' }).workerMetricsPort, 9464);
    for (const value of ['abc', '-1', '65536', '9464.5']) {
      const problems = problemsOf({ OMAUM_WORKER_METRICS_PORT: value });
      assert.deepEqual(problems, [
        'OMAUM_WORKER_METRICS_PORT must be empty, 0 (off) or a port from 1 to 65535',
      ]);
    }
  });

  it('lists the allowed values of a variable that has a few', () => {
    const [problem] = problemsOf({ OMAUM_QUEUE_BACKEND: 'kafka' });
    assert.match(problem ?? '', /OMAUM_QUEUE_BACKEND must be one of embedded, bullmq/);
  });

  it('needs Redis for the bullmq queue', () => {
    assertNames(problemsOf({ OMAUM_QUEUE_BACKEND: 'bullmq' }), 'OMAUM_REDIS_URL');
    assert.equal(
      load({ OMAUM_QUEUE_BACKEND: 'bullmq', OMAUM_REDIS_URL: 'redis://r:6379' }).queueBackend,
      'bullmq',
    );
  });

  it('does not show secret values in its messages', () => {
    const problems = problemsOf({ ...PRODUCTION, OMAUM_SESSION_SECRET: 'my-short-secret' });
    assert.equal(problems.join('\n').includes('my-short-secret'), false);
  });

  it('returns a frozen configuration, nested values included', () => {
    const config = load({ OMAUM_TRUST_PROXY: '127.0.0.1' });
    assert.equal(Object.isFrozen(config), true);
    assert.equal(Object.isFrozen(config.database), true);
    assert.equal(Object.isFrozen(config.trustProxy), true);
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (config.trustProxy as string[]).push('0.0.0.0/0');
    }, TypeError);
  });
});

describe('configuration in production', () => {
  it('accepts strong secrets and an https address', () => {
    const config = load({ ...PRODUCTION, OMAUM_ADMIN_PASSWORD: 'uma-frase-so-nossa-42' });
    assert.equal(config.isProduction, true);
  });

  it('refuses a missing, short or repetitive session secret', () => {
    for (const secret of [
      '',
      'short-secret',
      'changeme',
      'a'.repeat(40),
      'abababababababababababababababab',
    ]) {
      assertNames(
        problemsOf({ ...PRODUCTION, OMAUM_SESSION_SECRET: secret }),
        'OMAUM_SESSION_SECRET',
      );
    }
  });

  it('refuses a missing or http base URL', () => {
    for (const url of ['', 'http://omaum.example.org']) {
      assertNames(problemsOf({ ...PRODUCTION, OMAUM_BASE_URL: url }), 'OMAUM_BASE_URL');
    }
  });

  it('refuses a default admin password', () => {
    for (const password of [
      'changeme123',
      'admin12345',
      'Senha@2024!',
      'omaum-admin-2026',
      'password-123',
      '1234567890',
      'development',
    ]) {
      const problems = problemsOf({ ...PRODUCTION, OMAUM_ADMIN_PASSWORD: password });
      assertNames(problems, 'OMAUM_ADMIN_PASSWORD');
    }
  });

  it('names every production problem at once', () => {
    const problems = problemsOf({
      OMAUM_ENV: 'production',
      OMAUM_BASE_URL: 'http://omaum.example.org',
      OMAUM_ADMIN_PASSWORD: 'changeme123',
    });
    for (const variable of ['OMAUM_SESSION_SECRET', 'OMAUM_BASE_URL', 'OMAUM_ADMIN_PASSWORD']) {
      assertNames(problems, variable);
    }
  });
});
