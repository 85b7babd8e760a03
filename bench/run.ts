/**
 * `npm run bench`: how far the attendance paths are from what the database
 * itself can do. Each figure is a median time measured against a baseline
 * measured in the same run (the `npm run bench` contract of architecture.md,
 * "Contracts"). Prints a table, or with --json only a JSON array on stdout;
 * progress goes to stderr. Goals not met are reported, not failures.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { buildApp } from '../src/app.ts';
import type { Cache } from '../src/platform/cache/cache.ts';
import type { App } from '../src/app.ts';
import type { Actor } from '../src/auth/actor.ts';
import { SYSTEM_ACTOR } from '../src/auth/actor.ts';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/platform/logging/logger.ts';
import { Dataset, MARKS_PER_COHORT, SESSIONS_PER_MONTH, STUDENTS_PER_COHORT } from './dataset.ts';
import type { BenchContext, Figure, Rounds } from './figures.ts';
import { figure, groupByTask, measureReads, saveFigures, sheetTask } from './figures.ts';
import type { Timing } from './measure.ts';
import { note, timeOnce } from './measure.ts';
import { exportMemoryFigure, exportTimeFigure } from './export-figures.ts';
import { httpSheetFigure } from './http-figures.ts';
import {
  bullmqThroughputFigure,
  embeddedThroughputFigure,
  redisUrlForBench,
} from './job-figures.ts';
import type { BenchOptions, FigureName } from './options.ts';
import { FIGURE_NAMES, USAGE, UsageError, parseOptions, wants } from './options.ts';
import { loadAverage, machine, table } from './report.ts';
import type { BenchTarget } from './target.ts';
import { openTarget } from './target.ts';

const PASSWORD = 'bench-password-long-enough';

/** Everything to undo, newest first; also run on SIGINT/SIGTERM. */
const cleanups: (() => Promise<void>)[] = [];

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    try {
      await step?.();
    } catch (error) {
      note(`clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Set on SIGINT/SIGTERM: the run stops, cleans up and exits 130 without a failure report. */
let interrupted = false;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    note(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}

interface Plan {
  readonly smallCohorts: number;
  readonly bigCohorts: number;
  readonly save: Rounds;
  readonly read: Rounds;
}

function planOf(options: BenchOptions): Plan {
  const [small, big] = options.quick ? [10_000, 100_000] : [100_000, 1_000_000];
  const runs = options.runs ?? (options.quick ? 5 : 25);
  return {
    smallCohorts: Math.ceil(small / MARKS_PER_COHORT),
    bigCohorts: Math.ceil(big / MARKS_PER_COHORT),
    save: { warmup: options.quick ? 1 : 5, runs },
    read: { warmup: options.quick ? 3 : 10, runs: runs * 2 },
  };
}

async function startApp(target: BenchTarget, workDir: string): Promise<App> {
  const config = loadConfig(
    {
      OMAUM_ENV: 'development',
      OMAUM_DATA_DIR: workDir,
      OMAUM_LOG_LEVEL: 'info',
      OMAUM_RATE_LIMIT: 'off',
    },
    { useDotenv: false },
  );
  // Request logs are produced as in production, then dropped.
  const logger = createLogger({ level: 'info', destination: { write: () => undefined } });
  return buildApp({
    config,
    database: target.database,
    logger,
    sessionSecret: randomBytes(32).toString('hex'),
    cache: COMPUTE_EVERY_TIME,
  });
}

/**
 * The sheet figures measure the SQL behind a sheet, so nothing is cached here
 * (http.sheet.cached measures the cache). Saves still bump the cache versions.
 */
const COMPUTE_EVERY_TIME: Cache = {
  kind: 'memory',
  wrap: (_scope, _key, compute) => compute(),
  clear: () => Promise.resolve(0),
  ping: () => Promise.resolve(0),
  close: () => Promise.resolve(),
};

async function benchUser(app: App): Promise<{ actor: Actor; token: string }> {
  const user = await app.services.users.create(SYSTEM_ACTOR, {
    email: 'bench@bench.omaum',
    name: 'Bench',
    role: 'admin',
    password: PASSWORD,
    studentId: null,
  });
  const signedIn = await app.services.auth.signIn(user.email, PASSWORD);
  const { token } = await app.services.auth.issueToken(signedIn, 'bench');
  return { actor: { userId: user.id, role: 'admin', studentId: null, via: 'token' }, token };
}

/** The figures that need the generated attendance data (and the application). */
const ATTENDANCE_FIGURES: readonly FigureName[] = [
  'marks.save.service',
  'marks.save.http',
  'sheet.read.1m',
  'sheet.read.scaling',
];

/** export.* and jobs.*: no generated data, their own inputs. */
async function otherFigures(
  options: BenchOptions,
  workDir: string,
  details: string[],
): Promise<Figure[]> {
  const figures: Figure[] = [];
  if (wants(options, 'export.xlsx.time')) {
    const rounds = {
      warmup: options.quick ? 1 : 3,
      runs: options.runs ?? (options.quick ? 3 : 10),
    };
    figures.push(await exportTimeFigure(workDir, rounds, details));
  }
  if (wants(options, 'export.xlsx.memory')) {
    figures.push(await exportMemoryFigure(workDir, options.quick ? 1 : 3, details));
  }
  const jobs = options.quick ? 1_000 : 10_000;
  if (wants(options, 'jobs.embedded.throughput')) {
    figures.push(await embeddedThroughputFigure(workDir, jobs, details));
  }
  if (wants(options, 'jobs.bullmq.throughput')) {
    const redisUrl = redisUrlForBench();
    if (redisUrl) {
      const rounds = options.quick ? 1 : 3;
      figures.push(await bullmqThroughputFigure(redisUrl, jobs, rounds, details, cleanups));
    } else {
      note(
        'jobs.bullmq.throughput skipped: it needs a Redis, and neither OMAUM_BENCH_REDIS_URL ' +
          'nor OMAUM_TEST_REDIS_URL is set',
      );
      details.push(
        'jobs.bullmq.throughput: skipped (no OMAUM_BENCH_REDIS_URL / OMAUM_TEST_REDIS_URL)',
      );
    }
  }
  if (wants(options, 'http.sheet.cached')) {
    figures.push(await httpSheetFigure(workDir, { quick: options.quick }, details));
  }
  return figures;
}

async function run(options: BenchOptions): Promise<{ figures: Figure[]; notes: string[] }> {
  const loadAtStart = loadAverage();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'omaum-bench-'));
  cleanups.push(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
    return Promise.resolve();
  });
  const figures: Figure[] = [];
  const details: string[] = [];
  if (ATTENDANCE_FIGURES.some((name) => wants(options, name))) {
    const attendance = await attendanceFigures(options, workDir);
    figures.push(...attendance.figures);
    details.push(...attendance.notes);
  }
  figures.push(...(await otherFigures(options, workDir, details)));
  figures.sort((a, b) => FIGURE_NAMES.indexOf(a.name) - FIGURE_NAMES.indexOf(b.name));
  return { figures, notes: [`${machine()}; ${loadAtStart} at the start`, ...details] };
}

async function attendanceFigures(
  options: BenchOptions,
  workDir: string,
): Promise<{ figures: Figure[]; notes: string[] }> {
  const plan = planOf(options);

  note(`opening a fresh ${options.dialect} database`);
  const target = await openTarget(options.dialect, workDir);
  cleanups.push(() => target.destroy());
  const app = await startApp(target, workDir);
  cleanups.push(() => app.close());
  const { actor, token } = await benchUser(app);
  const dataset = new Dataset(target, actor.userId);
  const context: BenchContext = { target, app, actor, token, dataset, details: [] };

  const grow = async (cohorts: number) => {
    note(
      `generating ${cohorts} cohorts (${(cohorts * MARKS_PER_COHORT).toLocaleString('en')} marks)`,
    );
    const { ms } = await timeOnce(() => dataset.growTo(cohorts, note));
    note(`  generated in ${(ms / 1000).toFixed(1)} s`);
  };

  const figures: Figure[] = [];
  let small: Timing | undefined;
  if (wants(options, 'sheet.read.scaling')) {
    await grow(plan.smallCohorts);
    [small] = await measureReads(
      context,
      [sheetTask(context, 'sheet (small)')],
      plan.read,
      'small size',
    );
  }
  await grow(plan.bigCohorts);
  const firstCohort = dataset.cohorts[0];
  if (firstCohort) await dataset.verifyCounters(firstCohort.id);
  const marksInDb = await dataset.countMarks();

  if (wants(options, 'sheet.read.1m') || wants(options, 'sheet.read.scaling')) {
    const tasks = [sheetTask(context, 'sheet (big)')];
    if (wants(options, 'sheet.read.1m')) tasks.push(groupByTask(context));
    const [big, groupBy] = await measureReads(context, tasks, plan.read, 'big size');
    if (big && groupBy) figures.push(figure('sheet.read.1m', big, groupBy));
    if (big && small) figures.push(figure('sheet.read.scaling', big, small));
  }

  const saves = (['marks.save.service', 'marks.save.http'] as const).filter((name) =>
    wants(options, name),
  );
  if (saves.length > 0) figures.push(...(await saveFigures(context, saves, plan.save)));

  const perCohortMonth = STUDENTS_PER_COHORT * SESSIONS_PER_MONTH;
  const notes = [
    `database: ${options.dialect}, ${target.description}`,
    `data: ${marksInDb.toLocaleString('en')} marks in the database ` +
      `(${plan.bigCohorts} cohorts × ${STUDENTS_PER_COHORT} students × 12 months × ` +
      `${SESSIONS_PER_MONTH} sessions, 3 activities), ${dataset.counts.sessions.toLocaleString('en')} sessions, ` +
      `${dataset.counts.counters.toLocaleString('en')} counter rows` +
      (small
        ? `; scaling reference at ${(plan.smallCohorts * MARKS_PER_COHORT).toLocaleString('en')} marks (${plan.smallCohorts} cohorts)`
        : ''),
    `save: one cohort-month of ${perCohortMonth} marks (${STUDENTS_PER_COHORT} students × ` +
      `${SESSIONS_PER_MONTH} sessions) into a month without marks, median of ${plan.save.runs} ` +
      `after ${plan.save.warmup} warm-up; sheet: 12 months of one ${STUDENTS_PER_COHORT}-student cohort, ` +
      `median of ${plan.read.runs} after ${plan.read.warmup} warm-up` +
      (options.quick ? ' (--quick: sheet.read.1m is read at 100k marks)' : ''),
    ...context.details,
  ];
  return { figures, notes };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const { ms, value } = await timeOnce(() => run(options));
    const { figures, notes } = value;
    notes.push(`total bench time ${(ms / 1000).toFixed(1)} s`);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      for (const line of notes) note(line);
    } else {
      process.stdout.write(`${table(figures)}\n\n${notes.join('\n')}\n`);
    }
    return 0;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Closing the database under a running step makes it fail; that is not news.
    if (interrupted) return;
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
