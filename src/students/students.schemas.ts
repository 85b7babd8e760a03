import { Type } from 'typebox';
import type { Static } from 'typebox';

import {
  CalendarDate,
  Email,
  ListOf,
  MAX_INTEGER,
  Nullable,
  Pagination,
  StringEnum,
  Timestamp,
} from '../platform/http/schemas.ts';
import { CPF_SCHEMA_PATTERN } from './cpf.ts';

export const SITUATIONS = ['active', 'on_leave', 'disconnected', 'deceased', 'excluded'] as const;
export const SEXES = ['M', 'F', 'O'] as const;

const Situation = StringEnum(SITUATIONS, { description: 'Situação' });
const Sex = StringEnum(SEXES, { description: 'M, F or O (other)' });

/**
 * A student as the API shows it. `address`, `emergencyContacts` and
 * `medicalNotes` are personal data: present only for admins and secretaries.
 */
export const StudentSchema = Type.Object(
  {
    id: Type.Integer(),
    fullName: Type.String(),
    cpf: Type.String({ description: '11 digits' }),
    initiaticNumber: Type.String(),
    initiaticName: Nullable(Type.String()),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    secondaryPhone: Nullable(Type.String()),
    birthDate: Nullable(CalendarDate),
    sex: Nullable(Sex),
    situation: Situation,
    address: Type.Optional(Nullable(Type.String())),
    emergencyContacts: Type.Optional(Nullable(Type.String())),
    medicalNotes: Type.Optional(Nullable(Type.String())),
    notes: Nullable(Type.String()),
    archivedAt: Nullable(Timestamp),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Student' },
);
export type StudentView = Static<typeof StudentSchema>;

const FullName = Type.String({ minLength: 1, maxLength: 200 });
const Cpf = Type.String({
  pattern: CPF_SCHEMA_PATTERN,
  description: '12345678909 or 123.456.789-09; check digits are verified',
});
const InitiaticNumber = Type.String({ minLength: 1, maxLength: 30, description: 'Unique' });
// Forms send an empty field as ""; it is stored as null.
const OptionalEmail = Nullable(
  Type.Union([Email, Type.Literal('')], { description: 'Unique when present' }),
);
const Phone = Nullable(Type.String({ maxLength: 40, pattern: '^[0-9+()./\\s-]*$' }));

function Text(maxLength: number) {
  return Nullable(Type.String({ maxLength }));
}

const OptionalFields = {
  initiaticName: Type.Optional(Text(200)),
  email: Type.Optional(OptionalEmail),
  phone: Type.Optional(Phone),
  secondaryPhone: Type.Optional(Phone),
  birthDate: Type.Optional(Nullable(CalendarDate)),
  sex: Type.Optional(Nullable(Sex)),
  situation: Type.Optional(Situation),
  address: Type.Optional(Text(500)),
  emergencyContacts: Type.Optional(Text(1000)),
  medicalNotes: Type.Optional(Text(2000)),
  notes: Type.Optional(Text(2000)),
};

export const CreateStudentBody = Type.Object(
  {
    fullName: FullName,
    cpf: Cpf,
    initiaticNumber: InitiaticNumber,
    ...OptionalFields,
  },
  { additionalProperties: false },
);
export type CreateStudentBody = Static<typeof CreateStudentBody>;

export const UpdateStudentBody = Type.Object(
  {
    fullName: Type.Optional(FullName),
    cpf: Type.Optional(Cpf),
    initiaticNumber: Type.Optional(InitiaticNumber),
    ...OptionalFields,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateStudentBody = Static<typeof UpdateStudentBody>;

export const StudentListQuery = Type.Object(
  {
    ...Pagination,
    search: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Name or initiatic name (accents and case ignored), CPF or initiatic number',
      }),
    ),
    situation: Type.Optional(Situation),
    cohortId: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_INTEGER,
        description: 'Only students enrolled in this cohort',
      }),
    ),
    includeArchived: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type StudentListQuery = Static<typeof StudentListQuery>;

export const StudentList = ListOf(StudentSchema);
