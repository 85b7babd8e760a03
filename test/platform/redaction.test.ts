import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { createLogger } from '../../src/platform/logging/logger.ts';
import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import { describeEachDatabase } from '../support/databases.ts';

const EMAIL = 'joana.darc@example.org';
const PASSWORD = 'orleans-1429-segredo';
const CPF = '529.982.247-25';
const CPF_DIGITS = '52998224725';
const PHONE = '+55 11 98765-4321';

function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

describe('the logger', () => {
  it('redacts personal data and secrets at the top level and one level down', () => {
    const { logger, lines } = captureLogger();
    const personal = {
      cpf: CPF,
      email: EMAIL,
      phone: PHONE,
      password: PASSWORD,
      fullName: 'Joana',
    };
    logger.info({ ...personal, student: personal, body: { newPassword: PASSWORD } }, 'saved');

    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] ?? '{}') as Record<string, Record<string, unknown>>;
    for (const field of ['cpf', 'email', 'phone', 'password']) {
      assert.equal(line[field], '[redacted]', field);
      assert.equal(line.student?.[field], '[redacted]', `student.${field}`);
    }
    assert.equal(line.body?.newPassword, '[redacted]');
    assert.equal(line.student?.fullName, 'Joana', 'other fields stay readable');
    for (const secret of [CPF, CPF_DIGITS, EMAIL, PHONE, PASSWORD]) {
      assert.equal(lines[0]?.includes(secret), false, secret);
    }
  });

  it('redacts the values a database error quotes in its detail', () => {
    const { logger, lines } = captureLogger();
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: `Key (email)=(${EMAIL}) already exists.`,
    });
    logger.error({ err }, 'request failed');
    assert.equal(lines.join('\n').includes(EMAIL), false);
    assert.match(lines[0] ?? '', /duplicate key value/);
  });

  it('redacts credentials in request and response headers', () => {
    const { logger, lines } = captureLogger();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer omaum_secret', cookie: 'omaum_session=abc' } },
        res: { headers: { 'set-cookie': 'omaum_session=abc' } },
      },
      'headers',
    );
    assert.equal(/omaum_secret|omaum_session=abc/.test(lines.join('\n')), false);
  });
});

describeEachDatabase('request logs', (dialect) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(() => t.close());

  async function createUser(): Promise<void> {
    const admin = await t.tokenFor('admin');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: t.auth(admin),
      payload: { email: EMAIL, name: 'Joana', role: 'admin', password: PASSWORD },
    });
    assert.equal(created.statusCode, 201);
  }

  it('never hold the password, the token, the e-mail or a CPF searched for', async () => {
    await createUser();
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      payload: { email: EMAIL, password: PASSWORD },
    });
    const { token } = signIn.json<{ token: string }>();
    const session = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/session',
      payload: { email: EMAIL, password: PASSWORD },
    });
    const cookie = session.cookies.find((c) => c.name === 'omaum_session')?.value ?? 'no-cookie';
    const { csrfToken } = session.json<{ csrfToken: string }>();

    const searches = [
      `/api/v1/users?search=${encodeURIComponent(CPF)}`,
      `/api/v1/users?search=${CPF_DIGITS}`,
      `/api/v1/users?search=${encodeURIComponent(EMAIL)}`,
      `/api/v1/students?search=${CPF_DIGITS}`,
      `/api/v1/users?cpf=${CPF_DIGITS}`,
      `/api/v1/no-such-route?cpf=${CPF_DIGITS}`,
    ];
    for (const url of searches) {
      const response = await t.app.inject({ url, headers: t.auth(token) });
      assert.ok(response.statusCode < 500, url);
    }
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/courses',
      cookies: { omaum_session: cookie },
      headers: { 'x-csrf-token': csrfToken },
      payload: { name: `Curso de ${EMAIL}` },
    });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/tokens',
      payload: { email: EMAIL, password: `${PASSWORD}-wrong` },
    });

    const written = JSON.stringify(t.logs);
    const secrets = [PASSWORD, token, token.slice(6), EMAIL, CPF, CPF_DIGITS, cookie, csrfToken];
    for (const secret of secrets) {
      assert.equal(written.includes(secret), false, `a log line holds ${secret}`);
    }
    const completed = t.logs.filter((line) => line.msg === 'request completed');
    assert.ok(completed.length >= searches.length + 3, 'the requests were logged');
  });
});
