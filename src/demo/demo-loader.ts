/**
 * Loads the demo institution into an empty database through the services,
 * as the system actor, so that every rule of the product applies: unique
 * CPFs and e-mails, staff exclusivity, enrollment rules, mark validation,
 * counters and history.
 *
 * The same seed and the same "today" give the same institution. Attendance
 * covers the twelve months that end with the last complete month before today.
 */
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { formatMonth, monthsBetween, parseMonth } from '../attendance/calendar.ts';
import type { Clock } from '../platform/clock.ts';
import { dateIn } from '../platform/clock.ts';
import type { Sex } from '../platform/db/tables.ts';
import type { Services } from '../services.ts';
import type { CohortAttendancePlan, CohortProgress, DemoMember } from './demo-attendance.ts';
import { CONVOCATION_TEAMS, memberProfile, planMonth } from './demo-attendance.ts';
import type { DemoCohort } from './demo-data.ts';
import {
  COHORTS,
  COURSES,
  DEMO_SEED,
  STAFF_INITIATION_YEARS,
  STAFF_ROLES_PER_COHORT,
} from './demo-data.ts';
import { PeopleFactory } from './demo-people.ts';
import type { PersonRequest } from './demo-people.ts';
import { DemoRandom } from './demo-random.ts';

const ACTOR = SYSTEM_ACTOR;
const FIRST = { limit: 1, offset: 0 };

export interface DemoOptions {
  readonly clock: Clock;
  /** The institution's time zone: "today" and the full-moon dates are taken there. */
  readonly timeZone: string;
  readonly seed?: number;
}

export interface DemoSummary {
  /** The months with attendance, `YYYY-MM`. */
  readonly period: { readonly from: string; readonly to: string };
  readonly courses: number;
  readonly cohorts: number;
  readonly students: number;
  readonly enrollments: number;
  readonly activities: number;
  readonly sessions: number;
  readonly marks: number;
}

export interface ExistingRecords {
  readonly courses: number;
  readonly cohorts: number;
  readonly students: number;
}

/** The database already holds an institution; nothing was written. */
export class DemoNotEmptyError extends Error {
  constructor(readonly existing: ExistingRecords) {
    super(
      `the database is not empty (${existing.courses} courses, ${existing.cohorts} cohorts, ` +
        `${existing.students} students): the demo only fills an empty database`,
    );
    this.name = 'DemoNotEmptyError';
  }
}

/** Courses, cohorts and students in the database, archived ones included. */
export async function countExisting(services: Services): Promise<ExistingRecords> {
  const courses = await services.courses.list(ACTOR, { includeArchived: true }, FIRST);
  const cohorts = await services.cohorts.list(ACTOR, { includeArchived: true }, FIRST);
  const students = await services.students.list(ACTOR, { includeArchived: true }, FIRST);
  return { courses: courses.total, cohorts: cohorts.total, students: students.total };
}

/** The twelve months ending with the last complete month before `today` (`YYYY-MM-DD`). */
export function attendanceWindow(today: string): { from: string; to: string; months: string[] } {
  const { year, month } = parseMonth(today.slice(0, 7));
  const last = year * 12 + (month - 1) - 1;
  const at = (index: number) => formatMonth(Math.floor(index / 12), (index % 12) + 1);
  const from = at(last - 11);
  const to = at(last);
  return { from, to, months: monthsBetween(from, to) };
}

/**
 * Fills an empty database with the demo institution. Throws DemoNotEmptyError,
 * before writing anything, when any course, cohort or student exists.
 */
export async function loadDemoInstitution(
  services: Services,
  options: DemoOptions,
): Promise<DemoSummary> {
  const existing = await countExisting(services);
  if (existing.courses + existing.cohorts + existing.students > 0) {
    throw new DemoNotEmptyError(existing);
  }
  const seed = options.seed ?? DEMO_SEED;
  const today = dateIn(options.clock.now(), options.timeZone);
  const window = attendanceWindow(today);
  const loader = new DemoLoader(services, seed, window.months);

  const courseIds: number[] = [];
  for (const course of COURSES) {
    courseIds.push((await services.courses.create(ACTOR, course)).id);
  }
  const plans: CohortAttendancePlan[] = [];
  for (const [index, spec] of COHORTS.entries()) {
    const courseId = courseIds[spec.course];
    if (courseId === undefined) throw new Error(`demo cohort "${spec.name}" has no course`);
    plans.push(await loader.cohort(index, spec, courseId));
  }

  let sessions = 0;
  let marks = 0;
  for (const [index, plan] of plans.entries()) {
    const progress: CohortProgress = { lessons: 0, convocations: 0 };
    const firstMonth = plan.spec.initiationDate.slice(0, 7);
    for (const month of window.months.filter((m) => m >= firstMonth)) {
      const body = planMonth(plan, month, {
        rng: DemoRandom.derived(seed, 'attendance', index, month),
        progress,
        timeZone: options.timeZone,
        today,
      });
      if (body.sessions.length === 0) continue;
      const saved = await services.monthAttendance.save(ACTOR, plan.cohortId, month, body);
      sessions += saved.createdSessions;
      marks += saved.marks.length;
    }
  }

  return {
    period: { from: window.from, to: window.to },
    courses: courseIds.length,
    cohorts: plans.length,
    students: loader.students,
    enrollments: loader.enrollments,
    activities: loader.activities,
    sessions,
    marks,
  };
}

/** Creates people, cohorts, activities and enrollments, counting what it made. */
class DemoLoader {
  students = 0;
  enrollments = 0;
  activities = 0;
  private readonly people: PeopleFactory;

  constructor(
    private readonly services: Services,
    private readonly seed: number,
    private readonly months: readonly string[],
  ) {
    this.people = new PeopleFactory(new DemoRandom(seed));
  }

  async cohort(index: number, spec: DemoCohort, courseId: number): Promise<CohortAttendancePlan> {
    const { services } = this;
    const staff: number[] = [];
    for (let role = 0; role < STAFF_ROLES_PER_COHORT; role++) {
      const request = {
        city: spec.city,
        initiationYears: STAFF_INITIATION_YEARS,
        bornBetween: [1952, 1982] as const,
      };
      staff.push((await this.createStudent(request)).id);
    }
    const [instructorId, assistantInstructorId, aideId] = staff;
    const cohort = await services.cohorts.create(ACTOR, {
      courseId,
      name: spec.name,
      bookNumber: spec.bookNumber,
      initiationDate: spec.initiationDate,
      activitiesStartDate: spec.initiationDate,
      firstLessonDate: spec.firstLessonDate,
      weekday: spec.weekday,
      time: spec.time,
      place: spec.place,
      capacity: spec.capacity,
      status: 'active',
      minAttendancePct: spec.minAttendancePct,
      maxShortfallsToClear: spec.maxShortfallsToClear,
      instructorId: instructorId ?? null,
      assistantInstructorId: assistantInstructorId ?? null,
      aideId: aideId ?? null,
    });

    const convocation = await services.activities.create(ACTOR, cohort.id, {
      name: spec.convocation.name,
      kind: spec.convocation.kind,
      mode: 'convocation',
    });
    const activities = await services.activities.list(
      ACTOR,
      cohort.id,
      {},
      { limit: 50, offset: 0 },
    );
    this.activities += activities.total;
    const idOf = (kind: string) => {
      const activity = activities.items.find((a) => a.kind === kind && a.isDefault);
      if (!activity) throw new Error(`cohort "${spec.name}" has no default ${kind} activity`);
      return activity.id;
    };

    const members = await this.enrollMembers(index, spec, cohort.id);
    return {
      cohortId: cohort.id,
      spec,
      activityIds: {
        lesson: idOf('lesson'),
        fullMoon: idOf('full_moon'),
        convocation: convocation.id,
      },
      members,
    };
  }

  /** Founders on the initiation date, late joiners later; then cancellations and leaves. */
  private async enrollMembers(
    index: number,
    spec: DemoCohort,
    cohortId: number,
  ): Promise<DemoMember[]> {
    const { services } = this;
    const rng = DemoRandom.derived(this.seed, 'members', index);
    const starts: string[] = [
      ...Array.from({ length: spec.founders }, () => spec.initiationDate),
      ...spec.lateJoiners.map((joiner) => joiner.enrolledOn),
    ];
    const bornBetween: [number, number] = spec.course === 0 ? [1962, 2004] : [1958, 1998];

    const studentIds: number[] = [];
    const sexes = new Map<number, Sex>();
    for (let i = 0; i < starts.length; i++) {
      const request = { city: spec.city, initiationYears: spec.initiationYears, bornBetween };
      const { id, sex } = await this.createStudent(request);
      studentIds.push(id);
      sexes.set(id, sex);
    }
    const founderIds = studentIds.slice(0, spec.founders);
    const bulk = await services.enrollments.bulkCreate(ACTOR, cohortId, {
      studentIds: founderIds,
      enrolledOn: spec.initiationDate,
    });
    const enrollmentIds = new Map(bulk.items.map((e) => [e.studentId, e.id]));
    for (const [offset, joiner] of spec.lateJoiners.entries()) {
      const studentId = studentIds[spec.founders + offset];
      if (studentId === undefined) continue;
      const enrollment = await services.enrollments.create(ACTOR, cohortId, {
        studentId,
        enrolledOn: joiner.enrolledOn,
        notes: joiner.note,
      });
      enrollmentIds.set(studentId, enrollment.id);
    }
    this.enrollments += enrollmentIds.size;

    const members: DemoMember[] = studentIds.map((studentId, position) => ({
      studentId,
      enrolledOn: starts[position] ?? spec.initiationDate,
      endedOn: null,
      team: position % CONVOCATION_TEAMS,
      leave: null,
      ...memberProfile(rng, {
        isStruggling: spec.struggling.includes(position),
        months: this.months,
      }),
    }));

    for (const event of spec.events) {
      const member = members[event.member];
      if (!member) throw new Error(`cohort "${spec.name}" has no member ${event.member}`);
      if (event.kind === 'cancelled') {
        await services.enrollments.update(ACTOR, enrollmentIds.get(member.studentId) ?? 0, {
          status: 'cancelled',
          endedOn: event.endedOn,
          notes: event.note,
        });
        await services.students.update(ACTOR, member.studentId, {
          situation: 'disconnected',
          notes:
            `${sexes.get(member.studentId) === 'F' ? 'Desligada' : 'Desligado'} ` +
            `em ${brazilianDate(event.endedOn)}. ${event.note}`,
        });
        members[event.member] = { ...member, endedOn: event.endedOn, away: null };
      } else {
        await services.students.update(ACTOR, member.studentId, {
          situation: 'on_leave',
          notes: `Em licença desde ${brazilianDate(event.from)}.`,
        });
        members[event.member] = {
          ...member,
          leave: { from: event.from, justification: event.justification },
        };
      }
    }
    return members;
  }

  private async createStudent(request: PersonRequest): Promise<{ id: number; sex: Sex }> {
    const person = this.people.person(request);
    const student = await this.services.students.create(ACTOR, person);
    this.students += 1;
    return { id: student.id, sex: person.sex };
  }
}

/** `2026-05-12` → `12/05/2026`. */
function brazilianDate(date: string): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}
