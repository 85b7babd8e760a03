/**
 * A cohort's month of demo attendance, as the body `MonthAttendanceService.save`
 * takes: the sessions (lessons on the cohort's weekday, the Plenilúnio on the
 * full-moon date, two to four convocation duties, now and then an extra
 * session) and believable marks that every attendance rule accepts:
 *
 * - marks only within a student's enrollment, and none after "today";
 * - P, F or J where the session is expected (J with a reason), V1 or V2
 *   where it is not (extra sessions, duties the student was not summoned to);
 * - each student has a propensity to attend; a few attend little, some miss
 *   most of one month (travel, illness), those on leave are excused.
 *
 * Pure: the marks come from the seeded generator given for the month.
 */
import type { MarkInput, MonthBody, MonthSessionInput } from '../attendance/attendance.schemas.ts';
import {
  fullMoonDates,
  parseMonth,
  suggestLessonDates,
  weekdayDates,
} from '../attendance/calendar.ts';
import { enrollmentCovers } from '../attendance/statistics.ts';
import { MONTH_NAMES } from '../web/format.ts';
import type { DemoCohort } from './demo-data.ts';
import {
  AWAY_REASONS,
  EXTRA_LESSON_SUBJECTS,
  JUSTIFICATIONS,
  isNoActivityDay,
} from './demo-data.ts';
import type { DemoRandom } from './demo-random.ts';

/** Convocation duties are done by teams that take turns. */
export const CONVOCATION_TEAMS = 2;

export interface DemoMember {
  readonly studentId: number;
  readonly enrolledOn: string;
  readonly endedOn: string | null;
  /** Chance of being present at an expected session. */
  readonly propensity: number;
  /** Convocation team, 0-based. */
  readonly team: number;
  readonly leave: { readonly from: string; readonly justification: string } | null;
  /** A month (`YYYY-MM`) the student was mostly away, and why. */
  readonly away: { readonly month: string; readonly reason: string } | null;
}

export interface DemoActivityIds {
  readonly lesson: number;
  readonly fullMoon: number;
  readonly convocation: number;
}

export interface CohortAttendancePlan {
  readonly cohortId: number;
  readonly spec: DemoCohort;
  readonly activityIds: DemoActivityIds;
  readonly members: readonly DemoMember[];
}

/** What carries over from one month to the next: lesson numbering and team turns. */
export interface CohortProgress {
  lessons: number;
  convocations: number;
}

type Role = 'lesson' | 'full_moon' | 'convocation';

interface PlannedSession {
  readonly role: Role;
  readonly activityId: number;
  readonly date: string;
  readonly time: string;
  readonly subject: string;
  readonly isExtra: boolean;
  /** The team summoned (regular convocation sessions only). */
  readonly team: number | null;
}

const ROLE_ORDER: Record<Role, number> = { lesson: 0, full_moon: 1, convocation: 2 };

/** A member's profile: attendance propensity and the odd month away. */
export function memberProfile(
  rng: DemoRandom,
  options: { isStruggling: boolean; months: readonly string[] },
): Pick<DemoMember, 'propensity' | 'away'> {
  let propensity: number;
  if (options.isStruggling) propensity = rng.uniform(0.5, 0.62);
  else if (rng.chance(0.1)) propensity = rng.uniform(0.75, 0.8);
  else propensity = rng.uniform(0.8, 0.96);
  const away =
    !options.isStruggling && rng.chance(0.25) && options.months.length > 0
      ? { month: rng.pick(options.months), reason: rng.pick(AWAY_REASONS) }
      : null;
  return { propensity, away };
}

/** The month's sessions and marks, for `MonthAttendanceService.save`. */
export function planMonth(
  cohort: CohortAttendancePlan,
  month: string,
  options: {
    readonly rng: DemoRandom;
    readonly progress: CohortProgress;
    readonly timeZone: string;
    /** No session after this date (`YYYY-MM-DD`). */
    readonly today: string;
  },
): MonthBody {
  const { rng, today } = options;
  const sessions = plannedSessions(cohort, month, options).filter((s) => s.date <= today);
  return {
    sessions: sessions.map((session): MonthSessionInput => ({
      activityId: session.activityId,
      date: session.date,
      time: session.time,
      subject: session.subject,
      extra: session.isExtra,
      marks: cohort.members.flatMap((member) => {
        const mark = markOf(rng, member, session, month);
        return mark ? [mark] : [];
      }),
    })),
  };
}

function plannedSessions(
  cohort: CohortAttendancePlan,
  month: string,
  options: { readonly rng: DemoRandom; readonly progress: CohortProgress; timeZone: string },
): PlannedSession[] {
  const { spec, activityIds } = cohort;
  const { rng, progress } = options;
  const { year, month: monthNumber } = parseMonth(month);
  const start = spec.initiationDate;
  const sessions: PlannedSession[] = [];

  const lessonDates = suggestLessonDates({
    year,
    month: monthNumber,
    weekday: spec.weekday,
    from: spec.firstLessonDate,
  }).filter((date) => !isNoActivityDay(date));
  for (const date of lessonDates) {
    const subject = spec.subjects[progress.lessons % spec.subjects.length] ?? null;
    progress.lessons += 1;
    sessions.push(regular('lesson', activityIds.lesson, date, spec.time, subject ?? 'Aula'));
  }

  for (const date of fullMoonDates(year, monthNumber, options.timeZone)) {
    if (date < start) continue;
    const subject = `Plenilúnio de ${MONTH_NAMES[monthNumber - 1] ?? month}`;
    sessions.push(regular('full_moon', activityIds.fullMoon, date, spec.fullMoonTime, subject));
  }

  const { convocation } = spec;
  const dutyDays = weekdayDates(year, monthNumber, convocation.weekday).filter(
    (date) => date >= start && !isNoActivityDay(date),
  );
  for (const date of rng.sample(dutyDays, rng.between(2, 4))) {
    const team = progress.convocations % CONVOCATION_TEAMS;
    progress.convocations += 1;
    sessions.push({
      ...regular('convocation', activityIds.convocation, date, convocation.time, ''),
      subject: `${convocation.subject} – equipe ${team + 1}`,
      team,
    });
  }

  if (rng.chance(0.3)) {
    const extra = extraSession(cohort, year, monthNumber, sessions, rng);
    if (extra) sessions.push(extra);
  }
  return sessions.sort(
    (a, b) => a.date.localeCompare(b.date) || ROLE_ORDER[a.role] - ROLE_ORDER[b.role],
  );
}

function regular(
  role: Role,
  activityId: number,
  date: string,
  time: string,
  subject: string,
): PlannedSession {
  return { role, activityId, date, time, subject, isExtra: false, team: null };
}

/** An extra lesson or duty on a free weekend day: it counts for nobody. */
function extraSession(
  cohort: CohortAttendancePlan,
  year: number,
  month: number,
  planned: readonly PlannedSession[],
  rng: DemoRandom,
): PlannedSession | null {
  const { spec, activityIds } = cohort;
  const isLesson = rng.chance(0.5);
  const activityId = isLesson ? activityIds.lesson : activityIds.convocation;
  const taken = new Set(planned.filter((s) => s.activityId === activityId).map((s) => s.date));
  const days = [...weekdayDates(year, month, 'sat'), ...weekdayDates(year, month, 'sun')].filter(
    (date) => date >= spec.firstLessonDate && !isNoActivityDay(date) && !taken.has(date),
  );
  if (days.length === 0) return null;
  return {
    role: isLesson ? 'lesson' : 'convocation',
    activityId,
    date: rng.pick(days),
    time: isLesson ? '15:00' : spec.convocation.time,
    subject: isLesson ? rng.pick(EXTRA_LESSON_SUBJECTS) : spec.convocation.extraSubject,
    isExtra: true,
    team: null,
  };
}

function markOf(
  rng: DemoRandom,
  member: DemoMember,
  session: PlannedSession,
  month: string,
): MarkInput | null {
  const { studentId } = member;
  if (!enrollmentCovers(member, session.date)) return null;
  const isOnLeave = member.leave !== null && session.date >= member.leave.from;

  if (session.isExtra) {
    // Voluntary: the keen ones come more often.
    const comes = !isOnLeave && rng.chance(0.45 * member.propensity);
    return comes ? { studentId, status: 'V1' } : null;
  }
  if (session.role === 'convocation') {
    const isSummoned = session.team === member.team && !isOnLeave;
    if (isSummoned) return { ...attendance(rng, member, session, month), summoned: true };
    // Not summoned, came to help anyway.
    return !isOnLeave && rng.chance(0.06) ? { studentId, status: 'V2', summoned: false } : null;
  }
  return attendance(rng, member, session, month);
}

/** P, F or J at a session expected of the member. */
function attendance(
  rng: DemoRandom,
  member: DemoMember,
  session: PlannedSession,
  month: string,
): MarkInput {
  const { studentId, leave, away } = member;
  if (leave !== null && session.date >= leave.from) {
    return { studentId, status: 'J', justification: leave.justification };
  }
  // Duties are planned with the team, so they are missed a little less.
  const bias = session.role === 'convocation' ? 0.03 : 0;
  const isAway = away?.month === month;
  const chance = Math.min(0.99, (member.propensity + bias) * (isAway ? 0.25 : 1));
  if (rng.chance(chance)) return { studentId, status: 'P' };
  if (isAway && away && rng.chance(0.85)) {
    return { studentId, status: 'J', justification: away.reason };
  }
  if (rng.chance(0.35)) {
    return { studentId, status: 'J', justification: rng.pick(JUSTIFICATIONS) };
  }
  return { studentId, status: 'F' };
}
