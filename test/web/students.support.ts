import type { LightMyRequestResponse } from 'fastify';

import type { Actor } from '../../src/auth/actor.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Role } from '../../src/platform/db/tables.ts';
import type { TestApp } from '../support/app.ts';
import { TEST_PASSWORD } from '../support/app.ts';

/**
 * A signed-in browser over `app.inject`: keeps the session cookie and the
 * CSRF token of the last page, and posts forms as a browser does.
 * Used by the students and users page tests.
 */
export class PageClient {
  private cookie = '';
  private csrf = '';

  constructor(
    private readonly t: TestApp,
    readonly actor: Actor,
  ) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.t.app.inject({
      url,
      headers: { ...headers, ...(this.cookie ? { cookie: this.cookie } : {}) },
    });
    this.remember(response);
    return response;
  }

  async post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    if (this.csrf === '') await this.get('/');
    const response = await this.t.app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(this.cookie ? { cookie: this.cookie } : {}),
      },
      payload: new URLSearchParams({ ...fields, _csrf: this.csrf }).toString(),
    });
    this.remember(response);
    return response;
  }

  private remember(response: LightMyRequestResponse): void {
    const header = response.headers['set-cookie'];
    const cookies = Array.isArray(header) ? header : header ? [header] : [];
    const session = cookies.find((cookie) => cookie.startsWith('omaum_session='));
    if (session) this.cookie = session.split(';')[0] ?? '';
    const token = /<meta name="csrf-token" content="([^"]+)">/.exec(response.body)?.[1];
    if (token) this.csrf = token;
  }
}

let counter = 0;

/** Creates a user with the role and signs them in through the sign-in form. */
export async function signedIn(
  t: TestApp,
  role: Role,
  options: { studentId?: number } = {},
): Promise<PageClient> {
  counter += 1;
  const user = await t.app.services.users.create(SYSTEM_ACTOR, {
    email: `pagina.${role}.${counter}.${Date.now()}@test.omaum`,
    name: `Pessoa ${role} ${counter}`,
    role,
    password: TEST_PASSWORD,
    studentId: options.studentId ?? null,
  });
  const actor: Actor = {
    userId: user.id,
    role,
    studentId: user.studentId,
    via: 'session',
  };
  const client = new PageClient(t, actor);
  await client.get('/entrar');
  const response = await client.post('/entrar', { email: user.email, password: TEST_PASSWORD });
  if (response.statusCode !== 302) {
    throw new Error(`sign-in failed: ${response.statusCode} ${response.body.slice(0, 200)}`);
  }
  await client.get('/');
  return client;
}

/** The `<div class="field">` that holds the control named `name`, or '' when there is none. */
export function fieldBlock(html: string, name: string): string {
  const blocks = html.split('<div class="field');
  return blocks.find((block) => block.includes(`name="${name}"`)) ?? '';
}

/** The text of the error shown beside a field, or null. */
export function fieldError(html: string, name: string): string | null {
  return /<p class="field-error"[^>]*>([^<]*)<\/p>/.exec(fieldBlock(html, name))?.[1] ?? null;
}

/** The value an `<input>` shows. */
export function inputValue(html: string, name: string): string | null {
  const block = fieldBlock(html, name);
  return new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(block)?.[1] ?? null;
}
