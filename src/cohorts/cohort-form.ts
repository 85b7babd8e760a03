import { LABELS, formatDate, formatWeekday, label, parseBrazilianDate } from '../web/format.ts';
import { fieldMessagePt, MESSAGES_PT } from '../web/messages.ts';
import { field } from '../web/page.ts';
import { fieldErrors } from '../web/web.plugin.ts';
import type { AppError } from '../platform/errors/app-error.ts';
import type { CohortView } from './cohorts.repo.ts';
import { COHORT_STATUSES, WEEKDAYS } from './cohorts.schemas.ts';
import type { CreateCohortBody } from './cohorts.schemas.ts';

/**
 * The cohort form ("Turma") as typed: every value is the text of its input,
 * so that a form sent back with errors shows exactly what was typed. Names
 * are the service's field names, so its field problems land beside them.
 */
export interface CohortForm {
  courseId: string;
  name: string;
  bookNumber: string;
  initiationDate: string;
  activitiesStartDate: string;
  firstLessonDate: string;
  endDate: string;
  weekday: string;
  time: string;
  place: string;
  capacity: string;
  status: string;
  minAttendancePct: string;
  maxShortfallsToClear: string;
  instructorId: string;
  assistantInstructorId: string;
  aideId: string;
}

export type FormErrors = Record<string, string>;

export type ParsedCohort =
  | { readonly ok: true; readonly input: CreateCohortBody }
  | { readonly ok: false; readonly errors: FormErrors };

const FORM_FIELDS = [
  'courseId',
  'name',
  'bookNumber',
  'initiationDate',
  'activitiesStartDate',
  'firstLessonDate',
  'endDate',
  'weekday',
  'time',
  'place',
  'capacity',
  'status',
  'minAttendancePct',
  'maxShortfallsToClear',
  'instructorId',
  'assistantInstructorId',
  'aideId',
] as const satisfies readonly (keyof CohortForm)[];

export const STAFF_FIELDS = ['instructorId', 'assistantInstructorId', 'aideId'] as const;

/** pt-BR names of fields that messages mention ("the same person as ..."). */
export const FIELD_LABELS: Record<string, string> = {
  instructorId: 'Instrutor',
  assistantInstructorId: 'Instrutor auxiliar',
  aideId: 'Auxiliar de instrução',
  initiationDate: 'Iniciação',
  activitiesStartDate: 'Início das atividades',
  firstLessonDate: 'Primeira aula',
};

const TEXT_LIMITS: Partial<Record<keyof CohortForm, number>> = {
  name: 120,
  bookNumber: 40,
  place: 200,
};

export function readCohortForm(body: unknown): CohortForm {
  const form = emptyCohortForm();
  for (const name of FORM_FIELDS) form[name] = field(body, name);
  return form;
}

/** A new cohort's form: active, with the school's usual thresholds. */
export function emptyCohortForm(): CohortForm {
  return {
    courseId: '',
    name: '',
    bookNumber: '',
    initiationDate: '',
    activitiesStartDate: '',
    firstLessonDate: '',
    endDate: '',
    weekday: '',
    time: '',
    place: '',
    capacity: '',
    status: 'active',
    minAttendancePct: '70',
    maxShortfallsToClear: '1',
    instructorId: '',
    assistantInstructorId: '',
    aideId: '',
  };
}

export function cohortToForm(cohort: CohortView): CohortForm {
  const text = (value: number | string | null) => (value === null ? '' : String(value));
  return {
    courseId: text(cohort.courseId),
    name: cohort.name,
    bookNumber: text(cohort.bookNumber),
    initiationDate: formatDate(cohort.initiationDate),
    activitiesStartDate: formatDate(cohort.activitiesStartDate),
    firstLessonDate: formatDate(cohort.firstLessonDate),
    endDate: formatDate(cohort.endDate),
    weekday: text(cohort.weekday),
    time: text(cohort.time),
    place: text(cohort.place),
    capacity: text(cohort.capacity),
    status: cohort.status,
    minAttendancePct: text(cohort.minAttendancePct),
    maxShortfallsToClear: text(cohort.maxShortfallsToClear),
    instructorId: text(cohort.instructorId),
    assistantInstructorId: text(cohort.assistantInstructorId),
    aideId: text(cohort.aideId),
  };
}

/**
 * Turns what was typed into the service's input, or into pt-BR errors keyed
 * by field. It checks what the API's schema would (formats, ranges, lengths);
 * the rules themselves stay in the service.
 */
export function parseCohortForm(form: CohortForm): ParsedCohort {
  const reader = new FieldReader();
  const input: CreateCohortBody = {
    courseId: reader.id('courseId', form.courseId, true) ?? 0,
    name: reader.text('name', form.name, true) ?? '',
    bookNumber: reader.text('bookNumber', form.bookNumber, false),
    initiationDate: reader.date('initiationDate', form.initiationDate),
    activitiesStartDate: reader.date('activitiesStartDate', form.activitiesStartDate),
    firstLessonDate: reader.date('firstLessonDate', form.firstLessonDate),
    endDate: reader.date('endDate', form.endDate),
    weekday: reader.choice('weekday', form.weekday, WEEKDAYS, false),
    time: reader.time('time', form.time),
    place: reader.text('place', form.place, false),
    capacity: reader.integer('capacity', form.capacity, { min: 1, max: 10000 }) ?? 0,
    status: reader.choice('status', form.status, COHORT_STATUSES, true) ?? 'active',
    minAttendancePct: reader.integer('minAttendancePct', form.minAttendancePct, PCT) ?? 0,
    maxShortfallsToClear:
      reader.integer('maxShortfallsToClear', form.maxShortfallsToClear, SHORTFALLS) ?? 0,
    instructorId: reader.id('instructorId', form.instructorId, false),
    assistantInstructorId: reader.id('assistantInstructorId', form.assistantInstructorId, false),
    aideId: reader.id('aideId', form.aideId, false),
  };
  return reader.hasErrors() ? { ok: false, errors: reader.errors } : { ok: true, input };
}

const PCT = { min: 0, max: 100 };
const SHORTFALLS = { min: 0, max: 100 };

const REQUIRED = 'Campo obrigatório.';

/** Reads typed values one field at a time, collecting a pt-BR error per field. */
class FieldReader {
  readonly errors: FormErrors = {};

  hasErrors(): boolean {
    return Object.keys(this.errors).length > 0;
  }

  text(name: keyof CohortForm, text: string, required: boolean): string | null {
    if (text === '') return this.missing(name, required);
    const limit = TEXT_LIMITS[name];
    if (limit !== undefined && text.length > limit) {
      return this.fail(name, `Use no máximo ${limit} caracteres.`);
    }
    return text;
  }

  date(name: keyof CohortForm, text: string): string | null {
    if (text === '') return null;
    return parseBrazilianDate(text) ?? this.fail(name, 'Data inválida (use dd/mm/aaaa).');
  }

  time(name: keyof CohortForm, text: string): string | null {
    if (text === '') return null;
    const match = /^(\d{1,2})[:hH](\d{2})$/.exec(text);
    const hours = Number(match?.[1]);
    const minutes = Number(match?.[2]);
    if (!match || hours > 23 || minutes > 59) {
      return this.fail(name, 'Horário inválido (use hh:mm, por exemplo 19:30).');
    }
    return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
  }

  integer(name: keyof CohortForm, text: string, range: { min: number; max: number }) {
    if (text === '') return this.missing(name, true);
    if (!/^\d+$/.test(text)) return this.fail(name, 'Informe um número inteiro.');
    const value = Number(text);
    if (value < range.min) return this.fail(name, `Deve ser no mínimo ${range.min}.`);
    if (value > range.max) return this.fail(name, `Deve ser no máximo ${range.max}.`);
    return value;
  }

  id(name: keyof CohortForm, text: string, required: boolean): number | null {
    if (text === '') return this.missing(name, required);
    const value = Number(text);
    return Number.isSafeInteger(value) && value > 0 ? value : this.fail(name, 'Escolha da lista.');
  }

  choice<T extends string>(
    name: keyof CohortForm,
    text: string,
    values: readonly T[],
    required: boolean,
  ): T | null {
    if (text === '') return this.missing(name, required);
    const found = values.find((value) => value === text);
    return found ?? this.fail(name, 'Escolha da lista.');
  }

  private missing(name: string, required: boolean): null {
    return required ? this.fail(name, REQUIRED) : null;
  }

  private fail(name: string, message: string): null {
    this.errors[name] ??= message;
    return null;
  }
}

/**
 * The service's refusal of a cohort, in pt-BR, beside the fields it names;
 * under `form` when it names none.
 */
export function cohortErrorsPt(error: AppError): FormErrors {
  const errors: FormErrors = {};
  for (const [name, message] of Object.entries(fieldErrors(error) ?? {})) {
    errors[name] = cohortFieldMessagePt(name, message);
  }
  if (error.code === 'OMAUM_COHORT_DUPLICATE') errors.name = MESSAGES_PT[error.code];
  if (Object.keys(errors).length === 0) errors.form = MESSAGES_PT[error.code];
  return errors;
}

const STAFF_MESSAGES: readonly [RegExp, (match: RegExpExecArray) => string][] = [
  [/does not exist/, () => 'Aluno não encontrado.'],
  [/is an archived student/, () => 'Este aluno está arquivado.'],
  [
    /is not active \((\w+)\)/,
    (match) => `Não é um aluno ativo (situação: ${label('situation', match[1] ?? '')}).`,
  ],
  [
    /is the same person as (\w+)/,
    (match) => `É a mesma pessoa escolhida como ${FIELD_LABELS[match[1] ?? ''] ?? match[1]}.`,
  ],
  [
    /already teaches in the active cohort "(.*)"/,
    (match) => `Já atua na turma ativa "${match[1]}".`,
  ],
];

function cohortFieldMessagePt(name: string, message: string): string {
  if (STAFF_FIELDS.some((staff) => staff === name)) return staffMessagePt(message);
  if (name === 'courseId') {
    return /archived/.test(message) ? 'O curso está arquivado.' : 'Curso não encontrado.';
  }
  const before = /must not be before (\w+)/.exec(message);
  if (name === 'endDate' && before) {
    const start = FIELD_LABELS[before[1] ?? ''] ?? 'o início';
    return `Não pode ser anterior à data de ${start.toLowerCase()}.`;
  }
  const enrolled = /must be at least (\d+)/.exec(message);
  if (name === 'capacity' && enrolled) {
    return `A turma tem ${enrolled[1]} matrículas ativas: a capacidade não pode ser menor.`;
  }
  return fieldMessagePt(message);
}

function staffMessagePt(message: string): string {
  for (const [pattern, text] of STAFF_MESSAGES) {
    const match = pattern.exec(message);
    if (match) return text(match);
  }
  return fieldMessagePt(message);
}

/** Options of the pt-BR selects of the form. */
export const COHORT_CHOICES = {
  weekdays: WEEKDAYS.map((value) => ({ value, label: capitalize(formatWeekday(value)) })),
  statuses: COHORT_STATUSES.map((value) => ({ value, label: LABELS.cohortStatus[value] })),
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
