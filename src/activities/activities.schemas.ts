import { Type } from 'typebox';
import type { Static } from 'typebox';

import type { ActivityKind, ActivityMode } from '../platform/db/tables.ts';
import { ListOf, Nullable, Pagination, StringEnum, Timestamp } from '../platform/http/schemas.ts';

export const ACTIVITY_KINDS = [
  'lesson',
  'full_moon',
  'service',
  'cleaning',
  'lecture',
  'other',
] as const satisfies readonly ActivityKind[];
export const ACTIVITY_MODES = [
  'mandatory',
  'convocation',
] as const satisfies readonly ActivityMode[];

const Kind = StringEnum(ACTIVITY_KINDS);
const Mode = StringEnum(ACTIVITY_MODES, {
  description: 'mandatory: expected of everyone; convocation: expected of those summoned',
});
const Name = Type.String({
  minLength: 1,
  maxLength: 120,
  description: 'Unique in the cohort, case-insensitively, e.g. "Limpezas"',
});
const Position = Type.Integer({
  minimum: 1,
  maximum: 1000,
  description: 'Column group in the sheet, from 1; past the end means last',
});

export const ActivitySchema = Type.Object(
  {
    id: Type.Integer(),
    cohortId: Type.Integer(),
    name: Type.String(),
    kind: Kind,
    mode: Mode,
    position: Type.Integer(),
    isActive: Type.Boolean(),
    isDefault: Type.Boolean({ description: '"Aulas" and "Plenilúnios": kind and mode locked' }),
    archivedAt: Nullable(Timestamp),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Activity' },
);

export const CreateActivityBody = Type.Object(
  {
    name: Name,
    kind: Kind,
    mode: Mode,
    position: Type.Optional(Position),
  },
  { additionalProperties: false },
);
export type CreateActivityBody = Static<typeof CreateActivityBody>;

export const UpdateActivityBody = Type.Object(
  {
    name: Type.Optional(Name),
    kind: Type.Optional(Kind),
    mode: Type.Optional(Mode),
    position: Type.Optional(Position),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateActivityBody = Static<typeof UpdateActivityBody>;

export const ActivityListQuery = Type.Object(
  {
    ...Pagination,
    includeArchived: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type ActivityListQuery = Static<typeof ActivityListQuery>;

export const ActivityList = ListOf(ActivitySchema);
