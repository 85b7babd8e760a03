import path from 'node:path';
import { createRequire } from 'node:module';

import fastifyStatic from '@fastify/static';
import formbody from '@fastify/formbody';
import view from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { AppError } from '../platform/errors/app-error.ts';
import type { FieldProblem } from '../platform/errors/app-error.ts';
import { MESSAGES_PT } from './messages.ts';
import { PageError } from './page-error.ts';
import { renderPage } from './page.ts';

const webDir = import.meta.dirname;
const require = createRequire(import.meta.url);

/** Where the browser libraries live inside node_modules (served as-is, no bundler). */
function vendorDir(pkg: string, sub: string): string {
  // Some packages do not export package.json; resolve the entry point and cut back.
  const entry = require.resolve(pkg);
  const marker = `${path.sep}node_modules${path.sep}${pkg}${path.sep}`;
  const root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
  return path.join(root, sub);
}

/**
 * Static files, templates and form parsing for the server-rendered pages.
 * Page routes are registered by `registerPages` inside a context whose error
 * handler answers with HTML (and redirects to sign-in) instead of JSON.
 */
export async function registerWeb(app: FastifyInstance, isProduction: boolean): Promise<void> {
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(view, {
    engine: { eta: new Eta() },
    root: path.join(webDir, 'views'),
    production: isProduction,
    viewExt: 'eta',
  });
  await app.register(fastifyStatic, {
    root: path.join(webDir, 'static'),
    prefix: '/static/',
    maxAge: isProduction ? '1h' : 0,
  });
  await app.register(fastifyStatic, {
    root: [vendorDir('htmx.org', 'dist'), vendorDir('chart.js', 'dist')],
    prefix: '/static/vendor/',
    decorateReply: false,
    maxAge: isProduction ? '1d' : 0,
  });
}

/** Registers page routes in a context that renders errors as pages. */
export async function registerPages(
  app: FastifyInstance,
  register: (pages: FastifyInstance) => Promise<void>,
): Promise<void> {
  await app.register(async (pages) => {
    pages.setErrorHandler(pageErrorHandler);
    await register(pages);
  });
}

async function pageErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (error instanceof AppError) {
    if (error.code === 'OMAUM_AUTH_REQUIRED' || error.code === 'OMAUM_AUTH_TOKEN_INVALID') {
      return reply.redirect(`/entrar?next=${encodeURIComponent(request.url)}`);
    }
    if (error.code === 'OMAUM_AUTH_PASSWORD_CHANGE_REQUIRED') return reply.redirect('/senha');
    // The catalogue's English message is for API clients; people read pt-BR.
    const message = error instanceof PageError ? error.message : MESSAGES_PT[error.code];
    return errorPage(request, reply, error.statusCode, message);
  }
  if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
    const message = 'O formulário expirou. Recarregue a página e tente de novo.';
    return errorPage(request, reply, 403, message);
  }
  if (Array.isArray(error.validation)) {
    return errorPage(request, reply, 400, 'O endereço ou o formulário tem valores inválidos.');
  }
  request.log.error({ err: error }, 'page failed');
  return errorPage(request, reply, 500, 'Algo deu errado do nosso lado. Tente de novo.');
}

const TITLES: Record<number, string> = {
  400: 'Pedido inválido',
  403: 'Acesso negado',
  404: 'Não encontrado',
  409: 'Conflito',
  422: 'Não permitido',
  429: 'Muitos pedidos',
  500: 'Erro interno',
};

export function errorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
): Promise<FastifyReply> {
  const title = TITLES[status] ?? 'Erro';
  return renderPage(request, reply, 'errors/error', { title, status }, { status, message });
}

/** Field problems of an error, keyed by field, for forms to show beside each input. */
export function fieldErrors(error: unknown): Record<string, string> | null {
  if (!(error instanceof AppError) || !Array.isArray(error.details)) return null;
  const problems = error.details as readonly FieldProblem[];
  const byField: Record<string, string> = {};
  for (const problem of problems) {
    if (typeof problem.field === 'string') byField[problem.field] ??= problem.message;
  }
  return byField;
}
