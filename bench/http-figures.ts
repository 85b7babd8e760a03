import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';

import { SYSTEM_ACTOR } from '../src/auth/actor.ts';
import { loadConfig } from '../src/config/config.ts';
import { attendanceWindow, loadDemoInstitution } from '../src/demo/demo-loader.ts';
import { dateIn, systemClock } from '../src/platform/clock.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrate.ts';
import { createLogger } from '../src/platform/logging/logger.ts';
import { createServices } from '../src/services.ts';
import type { Figure } from './figures.ts';
import { plainFigure } from './figures.ts';
import { median, note } from './measure.ts';

const CHILD = fileURLToPath(new URL('./http-server-child.ts', import.meta.url));
const PASSWORD = 'bench-password-long-enough';

interface SheetRequest {
  readonly url: string;
  readonly token: string;
}

/**
 * http.sheet.cached: requests per second of a cached accumulated sheet
 * (`GET /api/v1/cohorts/:id/sheet`, 12 months of the demo institution)
 * through a real HTTP server with monitoring, rate limiting and security
 * headers on, against the same server with them off, measured in the same
 * run by autocannon from this process (the server is a child process, so
 * the load generator does not share its event loop). Rounds alternate
 * on/off; the figure is the median of each side. Goal: on ≥ 70 % of off.
 */
export async function httpSheetFigure(
  workDir: string,
  options: { quick: boolean },
  details: string[],
): Promise<Figure> {
  const file = path.join(workDir, 'http.sqlite');
  const request = await prepareDatabase(file);
  const seconds = options.quick ? 3 : 10;
  const rounds = options.quick ? 1 : 3;
  note(`http: ${rounds} round(s) of ${seconds} s per side, 10 connections, ${request.url}`);

  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    on.push(await measureServer(file, 'on', workDir, request, seconds));
    off.push(await measureServer(file, 'off', workDir, request, seconds));
    note(`  round ${round + 1}: on ${on.at(-1)?.toFixed(0)} req/s, off ${off.at(-1)?.toFixed(0)}`);
  }
  details.push(
    `http: cached 12-month sheet over HTTP, autocannon 10 connections, ${rounds}×${seconds} s ` +
      `per side; on = monitoring + rate limits (memory store) + security headers`,
  );
  return plainFigure('http.sheet.cached', median(on), median(off), 'req/s');
}

export async function prepareDatabase(file: string): Promise<SheetRequest> {
  const config = loadConfig({ OMAUM_DATABASE_URL: `sqlite:${file}` }, { useDotenv: false });
  const logger = createLogger({ level: 'silent' });
  const database = openDatabase(config.database);
  try {
    await migrateToLatest(database);
    const services = createServices({ config, database, logger, clock: systemClock });
    await loadDemoInstitution(services, { clock: systemClock, timeZone: config.timeZone });
    const user = await services.users.create(SYSTEM_ACTOR, {
      email: 'bench@omaum.local',
      name: 'Bench',
      role: 'secretary',
      password: PASSWORD,
      studentId: null,
    });
    const token = (await services.auth.issueToken(await services.auth.signIn(user.email, PASSWORD)))
      .token;
    const cohort = await database.db
      .selectFrom('cohorts')
      .select('id')
      .orderBy('id')
      .executeTakeFirstOrThrow();
    // The twelve months the demo filled with attendance.
    const { from, to } = attendanceWindow(dateIn(systemClock.now(), config.timeZone));
    return { url: `/api/v1/cohorts/${cohort.id}/sheet?from=${from}&to=${to}`, token };
  } finally {
    await database.close();
  }
}

async function measureServer(
  file: string,
  mode: 'on' | 'off',
  workDir: string,
  request: SheetRequest,
  seconds: number,
): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, file, mode, path.join(workDir, `http-${mode}.log`)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const port = await listeningPort(child);
    const target = {
      url: `http://127.0.0.1:${port}${request.url}`,
      connections: 10,
      headers: { authorization: `Bearer ${request.token}` },
    };
    await autocannon({ ...target, duration: 1 }); // warm-up: fills the cache, JIT
    const result = await autocannon({ ...target, duration: seconds });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`http ${mode}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
    }
    return result.requests.average;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) {
      reject(new Error('the bench server has no stdout'));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => {
      reject(new Error(`the bench server exited with ${String(code)} before listening`));
    });
  });
}
