import type { Actor } from '../auth/actor.ts';
import type { CohortView } from '../cohorts/cohorts.repo.ts';
import { formatShortMonth } from '../web/format.ts';
import { currentMonth, monthsEndingWith } from '../web/time.ts';
import type { Services } from '../services.ts';

/** How many months the attendance chart covers, the current one included. */
export const CHART_MONTHS = 6;
// Enough for any school; the home page reads a few queries per cohort.
const MAX_COHORTS = 100;

export interface HomeCounts {
  readonly activeStudents: number;
  readonly activeCohorts: number;
  /** Marks of this month's sessions in the cohorts the actor sees. */
  readonly marksThisMonth: number;
}

/** One active cohort this month: what is left to do. */
export interface CohortAttention {
  readonly cohortId: number;
  readonly name: string;
  readonly courseName: string;
  /** Expected cells (session × student) of this month still without P, F or J. */
  readonly pending: number;
  /** Students not cleared this month (active and on leave). */
  readonly notCleared: number;
}

/**
 * Attendance % of one cohort per month, as that month's sheet gives it:
 * present over expected, summed over its students and activities, whole
 * (null: nothing expected that month).
 */
export interface CohortSeries {
  readonly cohortId: number;
  readonly name: string;
  readonly values: readonly (number | null)[];
}

export interface HomeStats {
  readonly month: string;
  readonly counts: HomeCounts;
  /** Active cohorts with pending marks or students not cleared this month. */
  readonly attention: readonly CohortAttention[];
  readonly months: readonly string[];
  readonly series: readonly CohortSeries[];
}

interface CohortFacts {
  readonly attention: CohortAttention;
  readonly marks: number;
  readonly series: CohortSeries;
}

/** What the home page shows, for the cohorts the actor may see (the services decide). */
export async function homeStats(services: Services, actor: Actor): Promise<HomeStats> {
  const month = currentMonth(services);
  const months = monthsEndingWith(month, CHART_MONTHS);
  const [cohorts, students] = await Promise.all([
    services.cohorts.list(actor, { status: 'active' }, { limit: MAX_COHORTS, offset: 0 }),
    services.students.list(actor, { situation: 'active' }, { limit: 1, offset: 0 }),
  ]);
  const attendance = await services.sheets.monthlyAttendance(
    actor,
    cohorts.items.map((cohort) => cohort.id),
    months,
  );
  const facts: CohortFacts[] = [];
  for (const cohort of cohorts.items) {
    const values = attendance.get(cohort.id) ?? months.map(() => null);
    facts.push(await cohortFacts(services, actor, cohort, month, values));
  }
  return {
    month,
    counts: {
      activeStudents: students.total,
      activeCohorts: cohorts.total,
      marksThisMonth: facts.reduce((sum, fact) => sum + fact.marks, 0),
    },
    attention: facts
      .map((fact) => fact.attention)
      .filter((row) => row.pending > 0 || row.notCleared > 0),
    months,
    series: facts.map((fact) => fact.series),
  };
}

async function cohortFacts(
  services: Services,
  actor: Actor,
  cohort: CohortView,
  month: string,
  values: readonly (number | null)[],
): Promise<CohortFacts> {
  const grid = await services.monthAttendance.read(actor, cohort.id, month);
  const notCleared = await services.sheets.notCleared(actor, cohort.id, month);
  return {
    attention: {
      cohortId: cohort.id,
      name: cohort.name,
      courseName: cohort.courseName,
      pending: grid.pending.length,
      notCleared: notCleared.total,
    },
    marks: grid.marks.length,
    series: { cohortId: cohort.id, name: cohort.name, values },
  };
}

/** `2026-03` → `mar/26`, for the chart's axis. */
export const shortMonth = formatShortMonth;

/**
 * The chart's data, as JSON safe inside `<script type="application/json">`:
 * `<` is escaped so that no cohort name can close the element.
 */
export function chartJson(stats: Pick<HomeStats, 'months' | 'series'>): string {
  const data = {
    labels: stats.months.map(shortMonth),
    series: stats.series.map((series) => ({ name: series.name, values: series.values })),
  };
  return JSON.stringify(data).replace(/</g, '\\u003c');
}
