import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { ActivityCounters, StudentSituation } from '../../src/attendance/statistics.ts';
import { activityResult, sheetSummary, studentResult } from '../../src/attendance/statistics.ts';
import type { Sheet, SheetRow } from '../../src/sheets/sheets.schemas.ts';

const POLICY = { minAttendancePct: 70, maxShortfallsToClear: 1 };

export const AULAS = 1;
export const PLENILUNIOS = 2;
export const LIMPEZAS = 3;

type Counts = [expected: number, present: number, absent: number, excused: number];

export interface StudentPlan {
  readonly id: number;
  readonly name: string;
  readonly situation: StudentSituation;
  /** Aulas, Plenilúnios, Limpezas; voluntary marks as [V1, V2] per activity. */
  readonly counts: [Counts, Counts, Counts];
  readonly voluntary?: [number, number][];
}

/**
 * The worked example of product.md (A, B, C; minimum 70 %, at most one
 * shortfall) with accented names, plus D, a disconnected student who has
 * shortfalls and nothing expected in Limpezas. Cells are computed by the rules
 * module, as the service does.
 */
export const WORKED_EXAMPLE: readonly StudentPlan[] = [
  {
    id: 11,
    name: 'Ana Conceição',
    situation: 'active',
    counts: [
      [10, 7, 2, 1],
      [4, 4, 0, 0],
      [3, 3, 0, 0],
    ],
    voluntary: [
      [0, 0],
      [0, 0],
      [0, 1],
    ],
  },
  {
    id: 12,
    name: 'Bruno Araújo',
    situation: 'active',
    counts: [
      [10, 6, 4, 0],
      [4, 2, 2, 0],
      [4, 2, 2, 0],
    ],
  },
  {
    id: 13,
    name: 'Cláudia Simões',
    situation: 'active',
    counts: [
      [10, 9, 1, 0],
      [4, 2, 2, 0],
      [2, 2, 0, 0],
    ],
    voluntary: [
      [0, 0],
      [0, 0],
      [2, 0],
    ],
  },
  {
    id: 14,
    name: 'Dário Gonçalves',
    situation: 'disconnected',
    counts: [
      [4, 1, 3, 0],
      [1, 0, 1, 0],
      [0, 0, 0, 0],
    ],
  },
];

export function workedExampleSheet(plans: readonly StudentPlan[] = WORKED_EXAMPLE): Sheet {
  const rows = plans.map(rowOf);
  return {
    cohort: {
      id: 7,
      name: 'Turma Ágata',
      courseId: 1,
      courseName: '1º Grau – Aprendizes',
      bookNumber: '12',
      initiationDate: '2025-08-16',
      activitiesStartDate: '2025-08-23',
      firstLessonDate: '2025-08-30',
      endDate: null,
      weekday: 'sat',
      time: '15:00',
      place: 'Sala Lótus',
      status: 'active',
      ...POLICY,
      instructor: { id: 1, name: 'Helena Moraes' },
      assistantInstructor: { id: 2, name: 'João Antônio' },
      aide: null,
    },
    period: {
      from: '2026-03',
      to: '2026-03',
      firstDay: '2026-03-01',
      lastDay: '2026-03-31',
      months: ['2026-03'],
    },
    activities: [
      activity(AULAS, 'Aulas', 'lesson', 'mandatory', 10),
      activity(PLENILUNIOS, 'Plenilúnios', 'full_moon', 'mandatory', 4),
      activity(LIMPEZAS, 'Limpezas', 'cleaning', 'convocation', 6),
    ],
    rows,
    summary: sheetSummary(
      rows.map((row, index) => ({
        situation: plans[index]?.situation ?? 'active',
        shortfalls: row.shortfalls,
        cleared: row.cleared,
      })),
    ),
  };
}

function activity(id: number, name: string, kind: string, mode: string, sessions: number) {
  return {
    activityId: id,
    name,
    kind,
    mode,
    position: id,
    sessions,
    extraSessions: 0,
  };
}

function rowOf(plan: StudentPlan): SheetRow {
  const activities = [AULAS, PLENILUNIOS, LIMPEZAS].map((activityId, index) => {
    const [expected, present, absent, excused] = plan.counts[index] ?? [0, 0, 0, 0];
    const [volunteerExtra, volunteerSimple] = plan.voluntary?.[index] ?? [0, 0];
    const counters: ActivityCounters = {
      expected,
      present,
      absent,
      excused,
      volunteerExtra,
      volunteerSimple,
      pending: 0,
    };
    return { activityId, ...activityResult(counters, POLICY) };
  });
  return {
    studentId: plan.id,
    fullName: plan.name,
    initiaticNumber: `IN-${plan.id}`,
    situation: plan.situation,
    activities,
    ...studentResult(activities, POLICY),
  };
}

/** A fresh directory for one test's files; `cleanup` removes it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'omaum-exports-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A progress reporter that remembers every call. */
export function recordProgress(): {
  calls: [number, number][];
  report: (done: number, total: number) => void;
} {
  const calls: [number, number][] = [];
  return { calls, report: (done, total) => void calls.push([done, total]) };
}

/** `count` students cycling through the worked example's attendance, for multi-page files. */
export function manyStudents(count: number): StudentPlan[] {
  return Array.from({ length: count }, (_, index) => {
    const model = WORKED_EXAMPLE[index % 3] ?? WORKED_EXAMPLE[0];
    if (!model) throw new Error('the worked example has students');
    return { ...model, id: 100 + index, name: `Aluno ${String(index + 1).padStart(3, '0')}` };
  });
}
