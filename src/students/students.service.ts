import type { Actor } from '../auth/actor.ts';
import { ALL_ROLES, STAFF_ROLES, canSeePersonalData, requireRole } from '../auth/actor.ts';
import { visibleCohortIds } from '../cohorts/cohort-scope.ts';
import type { Clock } from '../platform/clock.ts';
import { dateIn } from '../platform/clock.ts';
import type { Db } from '../platform/db/database.ts';
import { isUniqueViolation, violationText } from '../platform/db/errors.ts';
import type { NewStudent, Student, StudentUpdate } from '../platform/db/tables.ts';
import { AppError, invalidFields } from '../platform/errors/app-error.ts';
import type { FieldProblem } from '../platform/errors/app-error.ts';
import type { Page, PageRequest } from '../platform/http/schemas.ts';
import { blankToNull, searchKey } from '../platform/text.ts';
import { invalidateAllSheets } from '../sheets/sheet-cache.ts';
import { isValidCpf, normalizeCpf } from './cpf.ts';
import type { StudentFilter, UniqueField, UniqueValues } from './students.repo.ts';
import { StudentsRepo } from './students.repo.ts';
import type { CreateStudentBody, StudentView, UpdateStudentBody } from './students.schemas.ts';

/** What a caller may filter the list by; the instructor scope is the service's to add. */
export type StudentListFilter = Omit<StudentFilter, 'withinCohortIds'>;

/**
 * Students ("Alunos"). Staff change them; everyone reads them, except that an
 * instructor sees only students enrolled in the cohorts they teach, and only
 * staff see personal data (address, emergency contacts, medical notes).
 */
export class StudentsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** The institution's time zone: "today" for birth dates is taken there. */
    private readonly timeZone: string,
  ) {}

  async list(
    actor: Actor,
    filter: StudentListFilter,
    page: PageRequest,
  ): Promise<Page<StudentView>> {
    requireRole(actor, ALL_ROLES, 'read students');
    const scope = await visibleCohortIds(this.db, actor);
    const result = await new StudentsRepo(this.db).list(
      { ...filter, ...(scope === null ? {} : { withinCohortIds: scope }) },
      page,
    );
    return { items: result.items.map((student) => toView(actor, student)), total: result.total };
  }

  async get(actor: Actor, id: number): Promise<StudentView> {
    requireRole(actor, ALL_ROLES, 'read students');
    const repo = new StudentsRepo(this.db);
    const student = await this.load(repo, id);
    await this.assertVisible(repo, actor, id);
    return toView(actor, student);
  }

  async create(actor: Actor, input: CreateStudentBody): Promise<StudentView> {
    requireRole(actor, STAFF_ROLES, 'create students');
    const row = this.cleanNew(input);
    const repo = new StudentsRepo(this.db);
    await assertUnique(repo, row);

    try {
      return toView(actor, await repo.insert(row));
    } catch (error) {
      throw asDuplicate(error);
    }
  }

  async update(actor: Actor, id: number, input: UpdateStudentBody): Promise<StudentView> {
    requireRole(actor, STAFF_ROLES, 'change students');
    const repo = new StudentsRepo(this.db);
    const student = await this.load(repo, id);
    if (student.archivedAt !== null) throw archived(id);

    const changes = this.cleanChanges(student, input);
    await assertUnique(repo, changes, id);
    let updated: Student | undefined;
    try {
      updated = await repo.update(id, changes);
    } catch (error) {
      throw asDuplicate(error);
    }
    // Sheets show names, numbers and situations (one update, no transaction: bump after it).
    if (isShownOnSheets(changes)) await invalidateAllSheets(this.db);
    return toView(actor, updated ?? student);
  }

  /** Archives a student; enrollments and attendance stay. Idempotent. */
  async archive(actor: Actor, id: number): Promise<StudentView> {
    requireRole(actor, STAFF_ROLES, 'archive students');
    const repo = new StudentsRepo(this.db);
    const student = await this.load(repo, id);
    if (student.archivedAt !== null) return toView(actor, student);

    const now = this.clock.now().toISOString();
    const updated = await repo.update(id, { archivedAt: now, updatedAt: now });
    await invalidateAllSheets(this.db);
    return toView(actor, updated ?? student);
  }

  /** Brings an archived student back. Idempotent. */
  async restore(actor: Actor, id: number): Promise<StudentView> {
    requireRole(actor, STAFF_ROLES, 'restore students');
    const repo = new StudentsRepo(this.db);
    const student = await this.load(repo, id);
    if (student.archivedAt === null) return toView(actor, student);

    const now = this.clock.now().toISOString();
    const updated = await repo.update(id, { archivedAt: null, updatedAt: now });
    await invalidateAllSheets(this.db);
    return toView(actor, updated ?? student);
  }

  private async load(repo: StudentsRepo, id: number): Promise<Student> {
    const student = await repo.findById(id);
    if (!student) throw notFound(id);
    return student;
  }

  // 404 rather than 403: an instructor should not learn who else is enrolled.
  private async assertVisible(repo: StudentsRepo, actor: Actor, id: number): Promise<void> {
    const scope = await visibleCohortIds(this.db, actor);
    if (scope === null) return;
    if (await repo.isEnrolledInAny(id, scope)) return;
    throw notFound(id);
  }

  private cleanNew(input: CreateStudentBody): NewStudent {
    const clean = new InputCleaner(this.today());
    const fullName = clean.requiredText('fullName', input.fullName);
    const initiaticName = blankToNull(input.initiaticName);
    const now = this.clock.now().toISOString();
    const row: NewStudent = {
      fullName,
      searchText: searchTextOf(fullName, initiaticName),
      cpf: clean.cpf(input.cpf),
      initiaticNumber: clean.requiredText('initiaticNumber', input.initiaticNumber),
      initiaticName,
      email: clean.email(input.email) ?? null,
      phone: blankToNull(input.phone),
      secondaryPhone: blankToNull(input.secondaryPhone),
      birthDate: clean.birthDate(input.birthDate) ?? null,
      sex: input.sex ?? null,
      situation: input.situation ?? 'active',
      address: blankToNull(input.address),
      emergencyContacts: blankToNull(input.emergencyContacts),
      medicalNotes: blankToNull(input.medicalNotes),
      notes: blankToNull(input.notes),
      createdAt: now,
      updatedAt: now,
    };
    clean.throwIfAny();
    return row;
  }

  /** The columns to write for a PATCH; absent fields stay `undefined` (Kysely skips them). */
  private cleanChanges(student: Student, input: UpdateStudentBody): StudentUpdate {
    const clean = new InputCleaner(this.today());
    const fullName = clean.requiredText('fullName', input.fullName);
    const initiaticName = optionalText(input.initiaticName);
    const changes: StudentUpdate = {
      fullName,
      cpf: clean.cpf(input.cpf),
      initiaticNumber: clean.requiredText('initiaticNumber', input.initiaticNumber),
      initiaticName,
      email: clean.email(input.email),
      phone: optionalText(input.phone),
      secondaryPhone: optionalText(input.secondaryPhone),
      birthDate: clean.birthDate(input.birthDate),
      sex: input.sex,
      situation: input.situation,
      address: optionalText(input.address),
      emergencyContacts: optionalText(input.emergencyContacts),
      medicalNotes: optionalText(input.medicalNotes),
      notes: optionalText(input.notes),
      updatedAt: this.clock.now().toISOString(),
    };
    clean.throwIfAny();

    if (fullName !== undefined || initiaticName !== undefined) {
      changes.searchText = searchTextOf(
        fullName ?? student.fullName,
        initiaticName === undefined ? student.initiaticName : initiaticName,
      );
    }
    return changes;
  }

  private today(): string {
    return dateIn(this.clock.now(), this.timeZone);
  }
}

function isShownOnSheets(changes: StudentUpdate): boolean {
  return [changes.fullName, changes.initiaticNumber, changes.situation].some(
    (value) => value !== undefined,
  );
}

/**
 * Trims and checks the fields of one request, collecting every problem so
 * that a single 400 names them all. `undefined` (a field absent from a PATCH)
 * passes through untouched.
 */
class InputCleaner {
  private readonly problems: FieldProblem[] = [];

  constructor(private readonly today: string) {}

  requiredText(field: string, value: string): string;
  requiredText(field: string, value: string | undefined): string | undefined;
  requiredText(field: string, value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (trimmed === '') this.problems.push({ field, message: 'must not be blank' });
    return trimmed;
  }

  cpf(value: string): string;
  cpf(value: string | undefined): string | undefined;
  cpf(value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    const cpf = normalizeCpf(value);
    if (cpf === null) {
      this.problems.push({ field: 'cpf', message: 'must be 11 digits, as 123.456.789-09' });
      return value;
    }
    if (!isValidCpf(cpf)) this.problems.push({ field: 'cpf', message: 'has wrong check digits' });
    return cpf;
  }

  /** Stored in lower case, so that uniqueness ignores case. */
  email(value: string | null | undefined): string | null | undefined {
    if (value === undefined) return undefined;
    return blankToNull(value)?.toLowerCase() ?? null;
  }

  birthDate(value: string | null | undefined): string | null | undefined {
    if (value === undefined || value === null) return value;
    // YYYY-MM-DD strings compare as dates.
    if (value > this.today) {
      this.problems.push({ field: 'birthDate', message: 'must not be in the future' });
    }
    return value;
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw invalidFields(this.problems);
  }
}

function optionalText(value: string | null | undefined): string | null | undefined {
  return value === undefined ? undefined : blankToNull(value);
}

function searchTextOf(fullName: string, initiaticName: string | null): string {
  return searchKey(`${fullName} ${initiaticName ?? ''}`);
}

/** The API's view of a student: personal data only for staff, never the search column. */
function toView(actor: Actor, student: Student): StudentView {
  const { searchText: _search, address, emergencyContacts, medicalNotes, ...view } = student;
  if (!canSeePersonalData(actor)) return view;
  return { ...view, address, emergencyContacts, medicalNotes };
}

async function assertUnique(
  repo: StudentsRepo,
  values: UniqueValues,
  exceptId?: number,
): Promise<void> {
  const taken = await repo.findTakenFields(values, exceptId);
  if (taken.length > 0) throw duplicate(taken);
}

// A concurrent write can pass the check above; the unique index then names the column.
function asDuplicate(error: unknown): unknown {
  if (!isUniqueViolation(error)) return error;
  const text = violationText(error);
  const taken = UNIQUE_COLUMNS.filter(([, column]) => text.includes(column)).map(
    ([field]) => field,
  );
  return taken.length > 0 ? duplicate(taken) : error;
}

const UNIQUE_COLUMNS: readonly (readonly [UniqueField, string])[] = [
  ['cpf', 'cpf'],
  ['initiaticNumber', 'initiatic_number'],
  ['email', 'email'],
];

const FIELD_LABELS: Record<UniqueField, string> = {
  cpf: 'CPF',
  initiaticNumber: 'initiatic number',
  email: 'e-mail',
};

// The values themselves stay out of the message: they are personal data.
function duplicate(fields: readonly UniqueField[]): AppError {
  const labels = fields.map((field) => FIELD_LABELS[field]).join(', ');
  return new AppError(
    'OMAUM_STUDENT_DUPLICATE',
    `Another student already has this ${labels}`,
    fields.map((field) => ({ field, message: 'is already in use' })),
  );
}

function notFound(id: number): AppError {
  return new AppError('OMAUM_STUDENT_NOT_FOUND', `There is no student ${id}`);
}

function archived(id: number): AppError {
  return new AppError(
    'OMAUM_STUDENT_ARCHIVED',
    `The student ${id} is archived; restore the student before changing anything`,
  );
}
