import { Type } from 'typebox';
import type { Static } from 'typebox';

import { ListOf, Nullable, Pagination, Timestamp } from '../platform/http/schemas.ts';

export const CourseSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Nullable(Type.String()),
    isActive: Type.Boolean(),
    archivedAt: Nullable(Timestamp),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Course' },
);

const Name = Type.String({
  minLength: 1,
  maxLength: 120,
  description: 'Unique, e.g. "1º Grau – Aprendizes"',
});
const Description = Nullable(Type.String({ maxLength: 2000 }));

export const CreateCourseBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateCourseBody = Static<typeof CreateCourseBody>;

export const UpdateCourseBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateCourseBody = Static<typeof UpdateCourseBody>;

export const CourseListQuery = Type.Object(
  {
    ...Pagination,
    search: Type.Optional(Type.String({ maxLength: 100 })),
    isActive: Type.Optional(Type.Boolean()),
    includeArchived: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type CourseListQuery = Static<typeof CourseListQuery>;

export const CourseList = ListOf(CourseSchema);
