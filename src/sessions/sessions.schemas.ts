import { Type } from 'typebox';
import type { Static } from 'typebox';

import { CalendarDate, ListOf, Nullable, Timestamp } from '../platform/http/schemas.ts';

export const Month = Type.String({
  pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
  description: 'YYYY-MM',
});

const Time = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM' });
const Subject = Type.String({ maxLength: 200 });

export const SessionSchema = Type.Object(
  {
    id: Type.Integer(),
    activityId: Type.Integer(),
    cohortId: Type.Integer(),
    date: CalendarDate,
    slot: Type.Integer({ description: 'Tells apart several sessions of one activity on one day' }),
    time: Nullable(Type.String()),
    subject: Nullable(Type.String()),
    extra: Type.Boolean({ description: 'Counts for nobody: attendance there is voluntary' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Session' },
);
export type SessionView = Static<typeof SessionSchema>;

const NewSessionFields = {
  date: CalendarDate,
  slot: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  time: Type.Optional(Nullable(Time)),
  subject: Type.Optional(Nullable(Subject)),
  extra: Type.Optional(Type.Boolean({ default: false })),
};

export const CreateSessionBody = Type.Object(NewSessionFields, { additionalProperties: false });
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const CreateSessionsBody = Type.Object(
  {
    sessions: Type.Array(Type.Object(NewSessionFields, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 100,
    }),
  },
  { additionalProperties: false },
);
export type CreateSessionsBody = Static<typeof CreateSessionsBody>;

export const UpdateSessionBody = Type.Object(
  {
    date: Type.Optional(CalendarDate),
    time: Type.Optional(Nullable(Time)),
    subject: Type.Optional(Nullable(Subject)),
    extra: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateSessionBody = Static<typeof UpdateSessionBody>;

export const SessionRangeQuery = Type.Object(
  {
    from: Type.Optional(CalendarDate),
    to: Type.Optional(CalendarDate),
  },
  { additionalProperties: false },
);

export const CohortSessionsQuery = Type.Object(
  { month: Month, includeExtra: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);

export const SessionList = ListOf(SessionSchema);
