import type { Db } from '../../src/platform/db/database.ts';
import type {
  Cohort,
  Course,
  NewCohort,
  NewStudent,
  Student,
} from '../../src/platform/db/tables.ts';

/**
 * Rows inserted straight into the database, for tests that need records of
 * another feature without going through its service. Each call makes unique
 * names, CPFs and numbers.
 */
let sequence = 0;

function next(): number {
  sequence += 1;
  return sequence;
}

const NOW = '2026-01-01T12:00:00.000Z';

/** A valid CPF (check digits computed) derived from a number. */
export function validCpf(seed: number): string {
  const base = String(100_000_000 + (seed % 899_999_999))
    .padStart(9, '0')
    .slice(0, 9);
  const digits = base.split('').map(Number);
  const check = (weights: number) => {
    const sum = digits.reduce((total, digit, index) => total + digit * (weights - index), 0);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  digits.push(check(10));
  digits.push(check(11));
  return digits.join('');
}

export async function insertCourse(db: Db, overrides: Partial<Course> = {}): Promise<Course> {
  const n = next();
  return db
    .insertInto('courses')
    .values({
      name: `Curso ${n}`,
      description: null,
      isActive: true,
      createdAt: NOW,
      updatedAt: NOW,
      ...stripId(overrides),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertStudent(db: Db, overrides: Partial<NewStudent> = {}): Promise<Student> {
  const n = next();
  const fullName = overrides.fullName ?? `Aluno Teste ${n}`;
  return db
    .insertInto('students')
    .values({
      fullName,
      searchText: fullName.toLowerCase(),
      cpf: validCpf(n * 7919 + (Date.now() % 100000)),
      initiaticNumber: `T${n}-${Date.now() % 100000}`,
      situation: 'active',
      createdAt: NOW,
      updatedAt: NOW,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertCohort(db: Db, overrides: Partial<NewCohort> = {}): Promise<Cohort> {
  const n = next();
  const courseId = overrides.courseId ?? (await insertCourse(db)).id;
  const cohort = await db
    .insertInto('cohorts')
    .values({
      courseId,
      name: `Turma ${n}`,
      capacity: 40,
      status: 'active',
      minAttendancePct: 70,
      maxShortfallsToClear: 1,
      weekday: 'mon',
      createdAt: NOW,
      updatedAt: NOW,
      ...overrides,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto('activities')
    .values([
      activityRow(cohort.id, 'Aulas', 'lesson', 1),
      activityRow(cohort.id, 'Plenilúnios', 'full_moon', 2),
    ])
    .execute();
  return cohort;
}

function activityRow(
  cohortId: number,
  name: string,
  kind: 'lesson' | 'full_moon',
  position: number,
) {
  return {
    cohortId,
    name,
    kind,
    mode: 'mandatory' as const,
    position,
    isActive: true,
    isDefault: true,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

export async function insertEnrollment(
  db: Db,
  studentId: number,
  cohortId: number,
  enrolledOn = '2026-01-01',
) {
  return db
    .insertInto('enrollments')
    .values({
      studentId,
      cohortId,
      enrolledOn,
      status: 'active',
      createdAt: NOW,
      updatedAt: NOW,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

function stripId<T extends { id?: unknown }>(row: T): Omit<T, 'id'> {
  const { id: _id, ...rest } = row;
  return rest;
}
