import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import type { RunningCli } from './cli-harness.ts';
import { CliSandbox, freePort, waitUntilReady, withTimeout } from './cli-harness.ts';

interface Server {
  readonly process: RunningCli;
  readonly baseUrl: string;
}

describe('omaum start', () => {
  let sandbox: CliSandbox;

  beforeEach(() => {
    sandbox = new CliSandbox();
  });
  afterEach(() => sandbox.close());

  async function start(env: Record<string, string> = {}): Promise<Server> {
    const port = await freePort();
    const running = sandbox.spawn(['start'], { env: { OMAUM_PORT: String(port), ...env } });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitUntilReady(running, baseUrl);
    return { process: running, baseUrl };
  }

  async function signIn(server: Server, email: string, password: string) {
    const response = await fetch(`${server.baseUrl}/api/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    return { status: response.status, body: (await response.json()) as { token?: string } };
  }

  async function me(server: Server, token: string) {
    const response = await fetch(`${server.baseUrl}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { email: string; mustChangePassword: boolean };
  }

  async function stop(server: Server) {
    server.process.child.kill('SIGTERM');
    return withTimeout(server.process.exited, 5000, 'shutdown after SIGTERM');
  }

  it('creates an administrator on a fresh install, prints its password once, and stops on SIGTERM', async () => {
    const server = await start();
    const stderr = server.process.stderr();
    const email = /e-mail: (\S+)/.exec(stderr)?.[1];
    const password = /password: (\S+)/.exec(stderr)?.[1];
    assert.ok(email && password, `no credentials on stderr:\n${stderr}`);
    assert.equal(server.process.stdout().includes(password), false, 'the password was logged');

    const signedIn = await signIn(server, email, password);
    assert.equal(signedIn.status, 201);
    assert.ok(signedIn.body.token);
    assert.equal((await me(server, signedIn.body.token)).mustChangePassword, true);

    const exit = await stop(server);
    assert.equal(exit.code, 0, exit.stderr);
  });

  it('uses OMAUM_ADMIN_EMAIL and OMAUM_ADMIN_PASSWORD without printing or forcing a change', async () => {
    const password = 'segredo-do-administrador-7';
    const server = await start({
      OMAUM_ADMIN_EMAIL: 'Diretoria@Omaum.Test',
      OMAUM_ADMIN_PASSWORD: password,
    });
    assert.doesNotMatch(server.process.stderr(), /password/i);
    assert.equal(server.process.stdout().includes(password), false, 'the password was logged');

    const signedIn = await signIn(server, 'diretoria@omaum.test', password);
    assert.equal(signedIn.status, 201);
    assert.ok(signedIn.body.token);
    assert.equal((await me(server, signedIn.body.token)).mustChangePassword, false);
    assert.equal((await stop(server)).code, 0);
  });

  it('creates no administrator when users exist; a user made by the CLI signs in as is', async () => {
    const password = 'cadastro-pela-linha-de-comando';
    assert.equal((await sandbox.run(['migrate', 'latest'])).code, 0);
    const created = await sandbox.run(
      [
        'users',
        'create',
        '--email',
        'sec@omaum.test',
        '--name',
        'Sec',
        '--role',
        'secretary',
        '--password-stdin',
      ],
      { input: password },
    );
    assert.equal(created.code, 0, created.stderr);

    const server = await start();
    assert.doesNotMatch(server.process.stderr(), /password/i);
    const signedIn = await signIn(server, 'sec@omaum.test', password);
    assert.equal(signedIn.status, 201);
    assert.ok(signedIn.body.token);
    assert.equal((await me(server, signedIn.body.token)).mustChangePassword, false);
    assert.equal((await stop(server)).code, 0);
  });

  it('exits 1 naming the variable when the configuration is invalid', async () => {
    const result = await sandbox.run(['start'], { env: { OMAUM_PORT: 'abc' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /OMAUM_PORT/);
  });
});
