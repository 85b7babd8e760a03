import { Type } from 'typebox';
import type { Static } from 'typebox';

import {
  CalendarDate,
  ListOf,
  Nullable,
  Pagination,
  StringEnum,
  Timestamp,
} from '../platform/http/schemas.ts';

export const ENROLLMENT_STATUSES = ['active', 'cancelled', 'finished'] as const;

const Status = StringEnum(ENROLLMENT_STATUSES, {
  description: 'cancelled and finished enrollments carry an endedOn date',
});
const Notes = Nullable(Type.String({ maxLength: 2000 }));
const RowId = Type.Integer({ minimum: 1, maximum: 2147483647 });

const enrollmentFields = {
  id: Type.Integer(),
  studentId: Type.Integer(),
  cohortId: Type.Integer(),
  enrolledOn: CalendarDate,
  endedOn: Nullable(CalendarDate),
  status: Status,
  notes: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const EnrollmentSchema = Type.Object(enrollmentFields, { $id: 'Enrollment' });

/** An enrollment as a cohort's roll shows it: with the student's name and number (read-only). */
export const CohortEnrollmentSchema = Type.Object(
  { ...enrollmentFields, studentName: Type.String(), initiaticNumber: Type.String() },
  { $id: 'CohortEnrollment' },
);

/** An enrollment as a student's history shows it: with the cohort's name (read-only). */
export const StudentEnrollmentSchema = Type.Object(
  { ...enrollmentFields, cohortName: Type.String() },
  { $id: 'StudentEnrollment' },
);

export const CreateEnrollmentBody = Type.Object(
  {
    studentId: RowId,
    enrolledOn: CalendarDate,
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false },
);
export type CreateEnrollmentBody = Static<typeof CreateEnrollmentBody>;

export const BulkEnrollmentBody = Type.Object(
  {
    studentIds: Type.Array(RowId, { minItems: 1, maxItems: 500, uniqueItems: true }),
    enrolledOn: CalendarDate,
  },
  { additionalProperties: false },
);
export type BulkEnrollmentBody = Static<typeof BulkEnrollmentBody>;

export const UpdateEnrollmentBody = Type.Object(
  {
    status: Type.Optional(Status),
    enrolledOn: Type.Optional(CalendarDate),
    endedOn: Type.Optional(Nullable(CalendarDate)),
    notes: Type.Optional(Notes),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateEnrollmentBody = Static<typeof UpdateEnrollmentBody>;

export const EnrollmentListQuery = Type.Object(
  { ...Pagination, status: Type.Optional(Status) },
  { additionalProperties: false },
);
export type EnrollmentListQuery = Static<typeof EnrollmentListQuery>;

export const EnrollmentList = ListOf(EnrollmentSchema);
export const CohortEnrollmentList = ListOf(CohortEnrollmentSchema);
export const StudentEnrollmentList = ListOf(StudentEnrollmentSchema);
