import type { App } from '../src/app.ts';
import type { Actor } from '../src/auth/actor.ts';
import type { Dataset, SaveCase } from './dataset.ts';
import { HISTORY_FROM, HISTORY_TO, STUDENTS_PER_COHORT } from './dataset.ts';
import type { Task, Timing } from './measure.ts';
import { describeTiming, measure, note, timeOnce } from './measure.ts';
import type { FigureName } from './options.ts';
import type { BenchTarget } from './target.ts';

/** One line of the report; `reference` is the baseline measured in the same run. */
export interface Figure {
  readonly name: FigureName;
  readonly value: number;
  readonly unit: string;
  readonly reference: number;
  readonly ratio: number;
  readonly goal: number;
  readonly met: boolean;
}

export const GOALS: Readonly<Record<FigureName, number>> = {
  'marks.save.service': 3,
  'marks.save.http': 5,
  'sheet.read.1m': 2,
  'sheet.read.scaling': 1.5,
  'export.xlsx.time': 2000,
  'export.xlsx.memory': 200,
  'jobs.embedded.throughput': 1000,
  'jobs.bullmq.throughput': 0.7,
  'http.sheet.cached': 0.7,
};

/**
 * What `goal` bounds. The attendance figures bound the ratio to their
 * baseline from above; the export and job figures come from issue goals that
 * are absolute (2 s, 200 MB, 1,000 jobs/s) or a lower bound on the ratio
 * (BullMQ backend ≥ 70 % of bare BullMQ). `met` always reflects the goal.
 */
export type GoalKind = 'ratio-at-most' | 'ratio-at-least' | 'value-at-most' | 'value-at-least';

export const GOAL_KINDS: Readonly<Record<FigureName, GoalKind>> = {
  'marks.save.service': 'ratio-at-most',
  'marks.save.http': 'ratio-at-most',
  'sheet.read.1m': 'ratio-at-most',
  'sheet.read.scaling': 'ratio-at-most',
  'export.xlsx.time': 'value-at-most',
  'export.xlsx.memory': 'value-at-most',
  'jobs.embedded.throughput': 'value-at-least',
  'jobs.bullmq.throughput': 'ratio-at-least',
  'http.sheet.cached': 'ratio-at-least',
};

function goalMet(name: FigureName, value: number, ratio: number): boolean {
  const goal = GOALS[name];
  switch (GOAL_KINDS[name]) {
    case 'ratio-at-most':
      return ratio <= goal;
    case 'ratio-at-least':
      return ratio >= goal;
    case 'value-at-most':
      return value <= goal;
    case 'value-at-least':
      return value >= goal;
  }
}

/** A figure from plain numbers (not median timings); ratio = value / reference. */
export function plainFigure(
  name: FigureName,
  value: number,
  reference: number,
  unit: string,
): Figure {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const ratio = reference > 0 ? value / reference : Number.POSITIVE_INFINITY;
  return {
    name,
    value: round(value),
    unit,
    reference: round(reference),
    ratio: Math.round(ratio * 100) / 100,
    goal: GOALS[name],
    met: goalMet(name, value, ratio),
  };
}

export function figure(name: FigureName, value: Timing, reference: Timing): Figure {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const ratio = value.medianMs / reference.medianMs;
  const goal = GOALS[name];
  return {
    name,
    value: round(value.medianMs),
    unit: 'ms',
    reference: round(reference.medianMs),
    ratio: Math.round(ratio * 100) / 100,
    goal,
    met: goalMet(name, value.medianMs, ratio),
  };
}

export interface Rounds {
  readonly warmup: number;
  readonly runs: number;
}

export interface BenchContext {
  readonly target: BenchTarget;
  readonly app: App;
  readonly actor: Actor;
  readonly token: string;
  readonly dataset: Dataset;
  /** Lines for the report about where the time goes. */
  readonly details: string[];
}

/** Statement counts and SQL time of one instrumented call, for the details section. */
async function profileOnce(
  context: BenchContext,
  label: string,
  run: () => Promise<unknown>,
): Promise<void> {
  const { ms, value } = await timeOnce(() => context.target.queryLog.record(run));
  const entries = value.entries;
  const sqlMs = entries.reduce((total, entry) => total + entry.ms, 0);
  const byKind = new Map<string, number>();
  for (const entry of entries) {
    const kind = /^\s*(\w+)(?:\s+(?:into|from)\s+"?(\w+)"?)?/i.exec(entry.sql);
    const verb = kind?.[1]?.toLowerCase() ?? '?';
    const table =
      kind?.[2] ??
      /\bfrom\s+"?(\w+)"?/i.exec(entry.sql)?.[1] ??
      /^update\s+"?(\w+)"?/i.exec(entry.sql)?.[1] ??
      '';
    const key = table ? `${verb} ${table}` : verb;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
  }
  const kinds = [...byKind]
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${count}× ${key}`)
    .join(', ');
  const slowest = [...entries]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((entry) => `${entry.ms.toFixed(1)} ms ${entry.sql.replace(/\s+/g, ' ').slice(0, 60)}…`)
    .join('; ');
  context.details.push(
    `${label}: ${entries.length} statements, ${sqlMs.toFixed(1)} ms in the driver of ` +
      `${ms.toFixed(1)} ms (${kinds}); slowest: ${slowest}`,
  );
}

/**
 * marks.save.service and marks.save.http: one cohort-month (40 students × 20
 * sessions) saved at once, against a raw prepared upsert of the same rows.
 * Every run starts from a month without marks, so every run writes 800.
 */
export async function saveFigures(
  context: BenchContext,
  names: readonly FigureName[],
  rounds: Rounds,
): Promise<Figure[]> {
  const { app, actor, dataset, target } = context;
  const save: SaveCase = await dataset.saveCase(new Date().toISOString());
  const expected = save.rows.length;
  note(
    `save: cohort ${save.cohortId}, ${save.month}, ${save.sessions.length} sessions, ${expected} marks`,
  );

  const clear = () => dataset.clearSave(save);
  const serviceSave = async () => {
    const result = await app.services.monthAttendance.save(
      actor,
      save.cohortId,
      save.month,
      save.body,
    );
    if (result.changed !== expected) {
      throw new Error(`service save wrote ${result.changed} marks, expected ${expected}`);
    }
  };
  const httpSave = async () => {
    const response = await app.inject({
      method: 'PUT',
      url: `/api/v1/cohorts/${save.cohortId}/attendance/${save.month}`,
      headers: { authorization: `Bearer ${context.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(save.body),
    });
    if (response.statusCode !== 200) {
      throw new Error(`PUT month answered ${response.statusCode}: ${response.body.slice(0, 500)}`);
    }
    const changed = (JSON.parse(response.body) as { changed?: unknown }).changed;
    if (changed !== expected) throw new Error(`HTTP save wrote ${String(changed)} marks`);
  };
  const rawSave = () => target.raw.upsertMarks(save.rows);

  const tasks: Task[] = [{ label: 'raw upsert', prepare: clear, run: rawSave }];
  if (names.includes('marks.save.service')) {
    tasks.push({ label: 'service save', prepare: clear, run: serviceSave });
  }
  if (names.includes('marks.save.http')) {
    tasks.push({ label: 'HTTP save', prepare: clear, run: httpSave });
  }
  note(
    `save: ${rounds.warmup} warm-up + ${rounds.runs} timed rounds of ${tasks.map((t) => t.label).join(', ')}`,
  );
  const timings = await measure(tasks, rounds);
  for (const timing of timings) note(`  ${describeTiming(timing)}`);

  await clear();
  await profileOnce(context, `one service save (${expected} marks)`, serviceSave);
  await clear();

  const [raw, ...others] = timings;
  if (!raw) throw new Error('no raw timing');
  const byLabel = new Map(others.map((timing) => [timing.label, timing]));
  const figures: Figure[] = [];
  const service = byLabel.get('service save');
  if (service) figures.push(figure('marks.save.service', service, raw));
  const http = byLabel.get('HTTP save');
  if (http) figures.push(figure('marks.save.http', http, raw));
  return figures;
}

/** Reads the 12-month sheet of the first cohort; checks it has every student. */
export function sheetTask(context: BenchContext, label: string): Task {
  const cohort = context.dataset.cohorts[0];
  if (!cohort) throw new Error('no cohort to read');
  return {
    label,
    run: async () => {
      const sheet = await context.app.services.sheets.sheet(
        context.actor,
        cohort.id,
        HISTORY_FROM,
        HISTORY_TO,
      );
      if (sheet.rows.length !== STUDENTS_PER_COHORT) {
        throw new Error(`sheet has ${sheet.rows.length} rows, expected ${STUDENTS_PER_COHORT}`);
      }
    },
  };
}

export function groupByTask(context: BenchContext): Task {
  const cohort = context.dataset.cohorts[0];
  if (!cohort) throw new Error('no cohort to read');
  return {
    label: 'raw GROUP BY',
    run: async () => {
      const groups = await context.target.raw.countMarks(cohort.id, HISTORY_FROM, HISTORY_TO);
      if (groups === 0) throw new Error('the GROUP BY found no marks');
    },
  };
}

export async function measureReads(
  context: BenchContext,
  tasks: readonly Task[],
  rounds: Rounds,
  size: string,
): Promise<Timing[]> {
  note(
    `read at ${size}: ${rounds.warmup} warm-up + ${rounds.runs} timed rounds of ${tasks.map((t) => t.label).join(', ')}`,
  );
  const timings = await measure(tasks, rounds);
  for (const timing of timings) note(`  ${describeTiming(timing)}`);
  const sheet = tasks.find((task) => task.label.startsWith('sheet'));
  if (sheet) await profileOnce(context, `one sheet read at ${size}`, sheet.run);
  return timings;
}
