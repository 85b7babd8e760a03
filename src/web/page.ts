import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Actor } from '../auth/actor.ts';
import type { Role } from '../platform/db/tables.ts';
import * as format from './format.ts';

export interface NavItem {
  readonly href: string;
  readonly label: string;
  readonly isCurrent: boolean;
}

const NAV: readonly { href: string; label: string; roles: readonly Role[] }[] = [
  { href: '/', label: 'Início', roles: ['admin', 'secretary', 'instructor', 'viewer'] },
  { href: '/turmas', label: 'Turmas', roles: ['admin', 'secretary', 'instructor', 'viewer'] },
  { href: '/alunos', label: 'Alunos', roles: ['admin', 'secretary', 'instructor', 'viewer'] },
  { href: '/cursos', label: 'Cursos', roles: ['admin', 'secretary', 'viewer'] },
  { href: '/usuarios', label: 'Usuários', roles: ['admin'] },
  { href: '/tarefas', label: 'Tarefas', roles: ['admin'] },
  { href: '/sistema', label: 'Sistema', roles: ['admin'] },
];

/** The navigation a role may use, with the current section marked. */
export function navFor(role: Role, path: string): NavItem[] {
  return NAV.filter((item) => item.roles.includes(role)).map((item) => ({
    href: item.href,
    label: item.label,
    isCurrent: item.href === '/' ? path === '/' : path.startsWith(item.href),
  }));
}

export interface Flash {
  readonly kind: 'success' | 'error' | 'info';
  readonly message: string;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    flash: Flash;
  }
}

/** A message shown once, on the next page rendered (after a redirect). */
export function setFlash(request: FastifyRequest, flash: Flash): void {
  request.session.set('flash', flash);
}

function takeFlash(request: FastifyRequest): Flash | null {
  const flash = request.session.get('flash') ?? null;
  if (flash) request.session.set('flash', undefined);
  return flash;
}

export interface PageOptions {
  readonly title: string;
  /** The user's display name (the layout shows it); by default the signed-in user's. */
  readonly userName?: string;
  readonly status?: number;
}

/**
 * Renders a template inside the layout with what every page needs: the
 * signed-in user, the navigation of their role, a CSRF token for forms and
 * htmx, a flash message, and the pt-BR formatters (`it.fmt`).
 */
export async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  options: PageOptions,
  data: Record<string, unknown> = {},
): Promise<FastifyReply> {
  const actor: Actor | null = request.actor;
  const path = request.url.split('?')[0] ?? '/';
  const html = await reply.viewAsync(template, {
    ...data,
    title: options.title,
    actor,
    userName: options.userName ?? request.userName,
    nav: actor ? navFor(actor.role, path) : [],
    csrfToken: reply.generateCsrf(),
    flash: takeFlash(request),
    fmt: format,
    path,
  });
  return reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(html);
}

/** Reads a form field as a trimmed string ('' when absent). */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** Safe redirect target after sign-in: only local paths. */
export function localPath(next: string | undefined, fallback = '/'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) {
    return fallback;
  }
  return next;
}
