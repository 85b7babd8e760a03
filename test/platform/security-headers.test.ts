import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';

// What production requires of its configuration (see config.test.ts).
const PRODUCTION = {
  OMAUM_ENV: 'production',
  OMAUM_BASE_URL: 'https://omaum.example.org',
  OMAUM_SESSION_SECRET: 'kR8v2Qm9Lx4Tz7Wc1Hn5Bp3Yd6Fs0Gj-EaUoIe',
  OMAUM_RATE_LIMIT: 'on',
};

function assertCommonHeaders(headers: Record<string, unknown>): void {
  const csp = String(headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/, 'no inline script: only our own files');
  assert.match(csp, /style-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(csp.includes('unsafe-inline'), false);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['referrer-policy'], 'same-origin');
}

describe('security headers', () => {
  describe('in development', () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp('sqlite');
    });
    after(() => t.close());

    it('sends the CSP, nosniff and referrer policy on pages, the API and errors, without HSTS', async () => {
      for (const url of ['/entrar', '/api/v1/courses', '/no/such/page']) {
        const response = await t.app.inject({ url });
        assertCommonHeaders(response.headers);
        assert.equal(response.headers['strict-transport-security'], undefined, url);
        assert.equal(
          String(response.headers['content-security-policy']).includes('upgrade-insecure-requests'),
          false,
          'a plain-http development server keeps its assets',
        );
      }
    });
  });

  describe('in production', () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp('sqlite', { env: PRODUCTION });
    });
    after(() => t.close());

    it('adds HSTS and upgrades insecure requests, and marks the session cookie Secure', async () => {
      const response = await t.app.inject({ url: '/entrar' });
      assertCommonHeaders(response.headers);
      assert.match(String(response.headers['strict-transport-security']), /max-age=\d{7,}/);
      assert.match(
        String(response.headers['content-security-policy']),
        /upgrade-insecure-requests/,
      );
      const cookies = [response.headers['set-cookie'] ?? []].flat();
      const session = cookies.find((cookie) => cookie.startsWith('omaum_session='));
      assert.ok(session, 'the sign-in page starts a session for its CSRF token');
      assert.match(session, /; Secure/);
      assert.match(session, /; HttpOnly/);
      assert.match(session, /; SameSite=Lax/);
    });
  });
});
