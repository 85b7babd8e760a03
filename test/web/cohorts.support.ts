import type { LightMyRequestResponse } from 'fastify';

import type { Actor } from '../../src/auth/actor.ts';
import { SYSTEM_ACTOR } from '../../src/auth/actor.ts';
import type { Role } from '../../src/platform/db/tables.ts';
import type { TestApp } from '../support/app.ts';
import { TEST_PASSWORD } from '../support/app.ts';

/** Form fields; an array sends the name once per value (checkbox lists). */
export type FormFields = Record<string, string | readonly string[]>;

/**
 * A browser over `app.inject` for the cohort and home page tests: it keeps
 * the session cookie and the CSRF token of the last page, and posts forms.
 */
export class Browser {
  private cookie = '';
  private csrf = '';

  constructor(
    private readonly t: TestApp,
    readonly actor: Actor,
  ) {}

  async get(url: string): Promise<LightMyRequestResponse> {
    const response = await this.t.app.inject({ url, headers: this.cookieHeader() });
    this.remember(response);
    return response;
  }

  async post(
    url: string,
    fields: FormFields,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    if (this.csrf === '') await this.get('/entrar');
    const body = new URLSearchParams({ _csrf: this.csrf });
    for (const [name, value] of Object.entries(fields)) {
      for (const each of typeof value === 'string' ? [value] : value) body.append(name, each);
    }
    const response = await this.t.app.inject({
      method: 'POST',
      url,
      headers: {
        ...headers,
        ...this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: body.toString(),
    });
    this.remember(response);
    return response;
  }

  private cookieHeader(): Record<string, string> {
    return this.cookie === '' ? {} : { cookie: this.cookie };
  }

  private remember(response: LightMyRequestResponse): void {
    const header = response.headers['set-cookie'];
    const cookies = Array.isArray(header) ? header : header ? [header] : [];
    const session = cookies.find((cookie) => cookie.startsWith('omaum_session='));
    if (session) this.cookie = session.split(';')[0] ?? '';
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
  }
}

let counter = 0;

/** A user of the role, signed in through the sign-in form (GET for the token, then POST). */
export async function signIn(
  t: TestApp,
  role: Role,
  options: { studentId?: number; name?: string } = {},
): Promise<Browser> {
  counter += 1;
  const user = await t.app.services.users.create(SYSTEM_ACTOR, {
    email: `turmas.${role}.${counter}.${Date.now()}@test.omaum`,
    name: options.name ?? `Pessoa ${role} ${counter}`,
    role,
    password: TEST_PASSWORD,
    studentId: options.studentId ?? null,
  });
  const actor: Actor = { userId: user.id, role, studentId: user.studentId, via: 'session' };
  const browser = new Browser(t, actor);
  await browser.get('/entrar');
  const response = await browser.post('/entrar', { email: user.email, password: TEST_PASSWORD });
  if (response.statusCode !== 302) throw new Error(`sign-in failed: ${response.statusCode}`);
  // Signing in starts a new session: a page of it gives the CSRF token of the next form.
  await browser.get('/turmas');
  return browser;
}

/** The text of an HTML fragment without tags, with spaces collapsed. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The HTML of the form field (`.field` block) whose control is named `name`. */
export function fieldBlock(html: string, name: string): string {
  const start = html.indexOf(`id="campo-${name}"`);
  if (start < 0) throw new Error(`no field ${name}`);
  const open = html.lastIndexOf('<div class="field', start);
  const close = html.indexOf('</div>', start);
  return html.slice(open, close);
}
