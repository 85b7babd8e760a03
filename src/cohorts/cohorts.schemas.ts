import { Type } from 'typebox';
import type { Static } from 'typebox';

import type { CohortStatus, Weekday } from '../platform/db/tables.ts';
import {
  CalendarDate,
  ListOf,
  MAX_INTEGER,
  Nullable,
  Pagination,
  RecordId,
  StringEnum,
  Timestamp,
} from '../platform/http/schemas.ts';

export const WEEKDAYS = [
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
] as const satisfies readonly Weekday[];
export const COHORT_STATUSES = [
  'active',
  'inactive',
  'cancelled',
  'finished',
] as const satisfies readonly CohortStatus[];

const Weekday = StringEnum(WEEKDAYS);
const Status = StringEnum(COHORT_STATUSES);
const StudentRef = Type.Integer({ minimum: 1, maximum: MAX_INTEGER, description: 'A student id' });

export const CohortSchema = Type.Object(
  {
    id: Type.Integer(),
    courseId: Type.Integer(),
    name: Type.String(),
    bookNumber: Nullable(Type.String()),
    initiationDate: Nullable(CalendarDate),
    activitiesStartDate: Nullable(CalendarDate),
    firstLessonDate: Nullable(CalendarDate),
    endDate: Nullable(CalendarDate),
    weekday: Nullable(Weekday),
    time: Nullable(Type.String()),
    place: Nullable(Type.String()),
    capacity: Type.Integer(),
    status: Status,
    minAttendancePct: Type.Integer(),
    maxShortfallsToClear: Type.Integer(),
    instructorId: Nullable(Type.Integer()),
    assistantInstructorId: Nullable(Type.Integer()),
    aideId: Nullable(Type.Integer()),
    archivedAt: Nullable(Timestamp),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    courseName: Type.String({ description: 'Read-only' }),
    instructorName: Nullable(Type.String({ description: 'Read-only' })),
    assistantInstructorName: Nullable(Type.String({ description: 'Read-only' })),
    aideName: Nullable(Type.String({ description: 'Read-only' })),
  },
  { $id: 'Cohort' },
);

// The same field rules serve creation and change; only what is required differs.
const fields = {
  courseId: RecordId,
  name: Type.String({
    minLength: 1,
    maxLength: 120,
    description: 'Unique, case-insensitively, e.g. "Turma 2026-A"',
  }),
  bookNumber: Nullable(Type.String({ maxLength: 40, description: 'Attendance book number' })),
  initiationDate: Nullable(CalendarDate),
  activitiesStartDate: Nullable(CalendarDate),
  firstLessonDate: Nullable(CalendarDate),
  endDate: Nullable(CalendarDate),
  weekday: Nullable(Weekday),
  time: Nullable(
    Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24 h' }),
  ),
  place: Nullable(Type.String({ maxLength: 200 })),
  capacity: Type.Integer({ minimum: 1, maximum: 10000 }),
  status: Status,
  minAttendancePct: Type.Integer({ minimum: 0, maximum: 100 }),
  maxShortfallsToClear: Type.Integer({ minimum: 0, maximum: 100 }),
  instructorId: Nullable(StudentRef),
  assistantInstructorId: Nullable(StudentRef),
  aideId: Nullable(StudentRef),
};

export const CreateCohortBody = Type.Object(
  {
    courseId: fields.courseId,
    name: fields.name,
    bookNumber: Type.Optional(fields.bookNumber),
    initiationDate: Type.Optional(fields.initiationDate),
    activitiesStartDate: Type.Optional(fields.activitiesStartDate),
    firstLessonDate: Type.Optional(fields.firstLessonDate),
    endDate: Type.Optional(fields.endDate),
    weekday: Type.Optional(fields.weekday),
    time: Type.Optional(fields.time),
    place: Type.Optional(fields.place),
    capacity: fields.capacity,
    status: Type.Optional(Status),
    minAttendancePct: Type.Optional(fields.minAttendancePct),
    maxShortfallsToClear: Type.Optional(fields.maxShortfallsToClear),
    instructorId: Type.Optional(fields.instructorId),
    assistantInstructorId: Type.Optional(fields.assistantInstructorId),
    aideId: Type.Optional(fields.aideId),
  },
  { additionalProperties: false },
);
export type CreateCohortBody = Static<typeof CreateCohortBody>;

export const UpdateCohortBody = Type.Object(
  {
    courseId: Type.Optional(fields.courseId),
    name: Type.Optional(fields.name),
    bookNumber: Type.Optional(fields.bookNumber),
    initiationDate: Type.Optional(fields.initiationDate),
    activitiesStartDate: Type.Optional(fields.activitiesStartDate),
    firstLessonDate: Type.Optional(fields.firstLessonDate),
    endDate: Type.Optional(fields.endDate),
    weekday: Type.Optional(fields.weekday),
    time: Type.Optional(fields.time),
    place: Type.Optional(fields.place),
    capacity: Type.Optional(fields.capacity),
    status: Type.Optional(Status),
    minAttendancePct: Type.Optional(fields.minAttendancePct),
    maxShortfallsToClear: Type.Optional(fields.maxShortfallsToClear),
    instructorId: Type.Optional(fields.instructorId),
    assistantInstructorId: Type.Optional(fields.assistantInstructorId),
    aideId: Type.Optional(fields.aideId),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateCohortBody = Static<typeof UpdateCohortBody>;

export const CohortListQuery = Type.Object(
  {
    ...Pagination,
    courseId: Type.Optional(RecordId),
    status: Type.Optional(Status),
    search: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the name' })),
    includeArchived: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type CohortListQuery = Static<typeof CohortListQuery>;

export const CohortList = ListOf(CohortSchema);
