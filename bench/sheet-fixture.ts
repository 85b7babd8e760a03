import type { ActivityCell, Sheet, SheetRow } from '../src/sheets/sheets.schemas.ts';

/** The accumulated sheet of the export figures: 100 students, 3 activities, 12 months. */
export const FIXTURE_STUDENTS = 100;
export const FIXTURE_MONTHS = 12;

const MIN_PCT = 70;

/** Small deterministic PRNG (mulberry32): the same sheet on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIVITIES = [
  { activityId: 1, name: 'Aulas', kind: 'lesson', mode: 'mandatory', perMonth: 11, extra: 1 },
  {
    activityId: 2,
    name: 'Plenilúnios',
    kind: 'full_moon',
    mode: 'mandatory',
    perMonth: 2,
    extra: 0,
  },
  { activityId: 3, name: 'Limpeza', kind: 'cleaning', mode: 'convocation', perMonth: 6, extra: 0 },
] as const;

const FIRST_NAMES = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elisa', 'Fábio', 'Gabriela', 'Heitor'];
const LAST_NAMES = ['Silva', 'Souza', 'Oliveira', 'Santos', 'Lima', 'Pereira', 'Costa', 'Alves'];

function cellOf(
  next: () => number,
  activity: (typeof ACTIVITIES)[number],
  months: number,
): ActivityCell {
  const sessions = activity.perMonth * months;
  // Convocation activities summon a student to about 40 % of the sessions.
  const expected =
    activity.mode === 'convocation' ? Math.round(sessions * (0.3 + next() * 0.2)) : sessions;
  const absent = Math.floor(expected * next() * 0.3);
  const excused = Math.floor((expected - absent) * next() * 0.1);
  const pending = activity.mode === 'convocation' ? Math.floor(next() * 2) : 0;
  const present = expected - absent - excused - pending;
  const counted = expected - pending;
  const pct = counted > 0 ? Math.round(((present + excused) / counted) * 10_000) / 100 : null;
  const shortfall = pct !== null && pct < MIN_PCT;
  const needed = Math.ceil((MIN_PCT / 100) * counted) - (present + excused);
  return {
    activityId: activity.activityId,
    expected,
    present,
    absent,
    excused,
    volunteerExtra: Math.floor(next() * activity.extra * months),
    volunteerSimple: activity.mode === 'convocation' ? Math.floor(next() * sessions * 0.3) : 0,
    pending,
    pct,
    shortfall,
    missingToMinimum: shortfall ? Math.max(0, needed) : 0,
  };
}

/** A plausible Sheet built in memory (no database): what the sheet service would return. */
export function fixtureSheet(students = FIXTURE_STUDENTS, months = FIXTURE_MONTHS): Sheet {
  const next = random(20250101);
  const monthList = Array.from(
    { length: months },
    (_, i) => `${2025 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`,
  );
  const rows: SheetRow[] = Array.from({ length: students }, (_, index) => {
    const activities = ACTIVITIES.map((activity) => cellOf(next, activity, months));
    const shortfalls = activities.filter((cell) => cell.shortfall).length;
    const roll = next();
    const first = FIRST_NAMES[index % FIRST_NAMES.length] ?? 'Ana';
    const last = LAST_NAMES[Math.floor(index / FIRST_NAMES.length) % LAST_NAMES.length] ?? 'Silva';
    return {
      studentId: index + 1,
      fullName: `${first} ${last} ${index + 1}`,
      initiaticNumber: `B${index + 1}`,
      situation: roll < 0.9 ? 'active' : roll < 0.96 ? 'on_leave' : 'disconnected',
      activities,
      volunteer: activities.reduce(
        (sum, cell) => sum + cell.volunteerExtra + cell.volunteerSimple,
        0,
      ),
      shortfalls,
      cleared: shortfalls <= 1,
    };
  });
  const byShortfalls = { '0': 0, '1': 0, '2': 0, '3': 0, '4': 0, '5+': 0 };
  for (const row of rows) {
    const key =
      row.shortfalls >= 5 ? '5+' : (String(row.shortfalls) as '0' | '1' | '2' | '3' | '4');
    byShortfalls[key] += 1;
  }
  const count = (situation: string) => rows.filter((row) => row.situation === situation).length;
  const lastMonth = monthList[monthList.length - 1] ?? '2025-12';
  return {
    cohort: {
      id: 1,
      name: 'Turma Bench',
      courseId: 1,
      courseName: 'Curso Bench',
      bookNumber: '1',
      initiationDate: '2024-12-01',
      activitiesStartDate: '2025-01-01',
      firstLessonDate: '2025-01-06',
      endDate: null,
      weekday: 'mon',
      time: '20:00',
      place: 'Templo',
      status: 'active',
      minAttendancePct: MIN_PCT,
      maxShortfallsToClear: 1,
      instructor: { id: 1, name: 'Instrutor Ana Silva' },
      assistantInstructor: { id: 2, name: 'Instrutor Bruno Souza' },
      aide: null,
    },
    period: {
      from: monthList[0] ?? '2025-01',
      to: lastMonth,
      firstDay: `${monthList[0] ?? '2025-01'}-01`,
      lastDay: `${lastMonth}-${lastMonth.endsWith('-02') ? '28' : '30'}`,
      months: monthList,
    },
    activities: ACTIVITIES.map((activity, index) => ({
      activityId: activity.activityId,
      name: activity.name,
      kind: activity.kind,
      mode: activity.mode,
      position: index + 1,
      sessions: activity.perMonth * months,
      extraSessions: activity.extra * months,
    })),
    rows,
    summary: {
      byShortfalls,
      cleared: rows.filter((row) => row.cleared).length,
      notCleared: rows.filter((row) => !row.cleared).length,
      active: count('active'),
      onLeave: count('on_leave'),
      disconnected: count('disconnected'),
    },
  };
}
