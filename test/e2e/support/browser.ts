import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe } from 'node:test';

import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { App } from '../../../src/app.ts';
import { buildApp } from '../../../src/app.ts';
import { SYSTEM_ACTOR } from '../../../src/auth/actor.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { openDatabase } from '../../../src/platform/db/database.ts';
import type { Database } from '../../../src/platform/db/database.ts';
import { migrateToLatest } from '../../../src/platform/db/migrate.ts';
import type { Role } from '../../../src/platform/db/tables.ts';
import { createLogger } from '../../../src/platform/logging/logger.ts';
import { createJobHandlers } from '../../../src/jobs/job-handlers.ts';
import { createEmbeddedBackend } from '../../../src/platform/jobs/embedded/embedded-backend.ts';
import type { JobBackend, JobWorker } from '../../../src/platform/jobs/job-queue.ts';

/** Debian's Chromium; tests never download a browser. */
export const CHROMIUM_PATH = process.env.OMAUM_CHROMIUM_PATH ?? '/usr/bin/chromium';

export function browserSkipReason(): string | null {
  return fs.existsSync(CHROMIUM_PATH) ? null : `no Chromium at ${CHROMIUM_PATH}`;
}

/** Declares a browser suite, skipped by name (with the reason) when there is no Chromium. */
export function describeInBrowser(title: string, suite: () => void): void {
  const reason = browserSkipReason();
  describe(`${title} [browser]`, reason ? { skip: reason } : {}, suite);
}

export const E2E_PASSWORD = 'Cavalo-Correto-Bateria-7';

export interface E2eServer {
  readonly app: App;
  readonly database: Database;
  readonly baseUrl: string;
  readonly browser: Browser;
  /** Problems the pages reported: script errors, CSP violations, failed requests. */
  readonly problems: string[];
  createUser(role: Role, options?: { studentId?: number; email?: string }): Promise<string>;
  /** A fresh browser context with one page that records problems. */
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  signIn(page: Page, email: string, password?: string): Promise<void>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

const SCREENSHOT_DIR = path.resolve('test-results', 'screenshots');
let userCounter = 0;

/**
 * A real server on a random port, over a SQLite file of its own, and a
 * headless Chromium. The flags keep Chromium off the network this machine
 * does not have.
 */
export async function startE2e(options: { jobs?: boolean } = {}): Promise<E2eServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-e2e-'));
  const database = openDatabase({ dialect: 'sqlite', file: path.join(dataDir, 'omaum.sqlite') });
  await migrateToLatest(database);
  const config = loadConfig(
    { OMAUM_DATA_DIR: dataDir, OMAUM_RATE_LIMIT: 'off' },
    { useDotenv: false },
  );
  const logger = createLogger({ level: 'silent' });
  // With `jobs`, an embedded queue over the same database and a worker in this process.
  const backend: JobBackend | null = options.jobs ? createEmbeddedBackend(database) : null;
  const app = await buildApp({
    config,
    database,
    logger,
    sessionSecret: 'e2e-session-secret-long-enough-for-tests',
    ...(backend ? { jobs: backend.queue } : {}),
  });
  let worker: JobWorker | null = null;
  if (backend) {
    const handlers = createJobHandlers({ config, database, logger, services: app.services });
    worker = backend.createWorker({ queues: ['heavy', 'default'], handlers, logger });
    await worker.start();
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const problems: string[] = [];

  return {
    app,
    database,
    baseUrl,
    browser,
    problems,
    async createUser(role, options = {}) {
      userCounter += 1;
      const email = options.email ?? `${role}${userCounter}@e2e.omaum`;
      await app.services.users.create(SYSTEM_ACTOR, {
        email,
        name: `Pessoa ${role} ${userCounter}`,
        role,
        password: E2E_PASSWORD,
        studentId: options.studentId ?? null,
      });
      return email;
    },
    async newPage() {
      const context = await browser.newContext({ baseURL: baseUrl, locale: 'pt-BR' });
      const page = await context.newPage();
      watchProblems(page, problems);
      return { context, page };
    },
    async signIn(page, email, password = E2E_PASSWORD) {
      await page.goto('/entrar');
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Senha').fill(password);
      await Promise.all([
        page.waitForURL((url) => !url.pathname.startsWith('/entrar')),
        page.getByRole('button', { name: 'Entrar' }).click(),
      ]);
    },
    async screenshot(page, name) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w-]+/g, '_')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close();
      await worker?.stop();
      await backend?.close();
      await app.close();
      await database.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function watchProblems(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    // A form answered with 400 or 401 logs this for the document itself; failed
    // subresources are caught below by their response instead.
    if (text.startsWith('Failed to load resource')) return;
    if (message.type() === 'error' || /Content Security Policy/i.test(text)) {
      problems.push(`console ${message.type()}: ${text}`);
    }
  });
  page.on('response', (response) => {
    const type = response.request().resourceType();
    if (response.status() >= 400 && type !== 'document' && type !== 'fetch' && type !== 'xhr') {
      problems.push(`${type} ${response.url()}: ${response.status()}`);
    }
  });
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? 'failed';
    // Navigations cut short by the next one are not problems.
    if (failure !== 'net::ERR_ABORTED') problems.push(`request ${request.url()}: ${failure}`);
  });
}

/**
 * Runs a browser step and keeps a screenshot when it fails, so a failure in
 * CI can be seen and not only read.
 */
export async function withScreenshot<T>(
  server: E2eServer,
  page: Page,
  name: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const file = await server.screenshot(page, name).catch(() => null);
    if (file && error instanceof Error) error.message += `\n(screenshot: ${file})`;
    throw error;
  }
}
