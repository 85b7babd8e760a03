import { Type } from 'typebox';
import type { Static } from 'typebox';

import { CalendarDate, Nullable, StringEnum, Timestamp } from '../platform/http/schemas.ts';
import { Month } from '../sessions/sessions.schemas.ts';

export const MarkStatusSchema = StringEnum(['P', 'F', 'J', 'V1', 'V2'], {
  description: 'P present, F absent, J excused absence, V1 voluntary extra, V2 voluntary simple',
});

export const MarkInput = Type.Object(
  {
    studentId: Type.Integer({ minimum: 1 }),
    status: Type.Optional(Nullable(MarkStatusSchema)),
    summoned: Type.Optional(Type.Boolean()),
    justification: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    version: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'The version you read (0 when there was no mark); a stale one gets 409',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MarkInput = Static<typeof MarkInput>;

export const SessionMarksBody = Type.Object(
  { marks: Type.Array(MarkInput, { maxItems: 500 }) },
  { additionalProperties: false },
);
export type SessionMarksBody = Static<typeof SessionMarksBody>;

export const MarkSchema = Type.Object(
  {
    id: Type.Integer(),
    sessionId: Type.Integer(),
    studentId: Type.Integer(),
    status: Nullable(MarkStatusSchema),
    summoned: Type.Boolean(),
    justification: Nullable(Type.String()),
    recordedBy: Nullable(Type.Integer()),
    recordedAt: Timestamp,
    version: Type.Integer(),
  },
  { $id: 'Mark' },
);
export type MarkView = Static<typeof MarkSchema>;

export const SaveResult = Type.Object({
  changed: Type.Integer({ description: 'Marks written; 0 when the request changed nothing' }),
  marks: Type.Array(MarkSchema),
});
export type SaveResult = Static<typeof SaveResult>;

export const MonthSessionInput = Type.Object(
  {
    id: Type.Optional(Type.Integer({ minimum: 1, description: 'An existing session' })),
    activityId: Type.Integer({ minimum: 1 }),
    date: CalendarDate,
    slot: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 1 })),
    time: Type.Optional(Nullable(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }))),
    subject: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    extra: Type.Optional(Type.Boolean()),
    marks: Type.Array(MarkInput, { maxItems: 500 }),
  },
  { additionalProperties: false },
);
export type MonthSessionInput = Static<typeof MonthSessionInput>;

export const MonthBody = Type.Object(
  { sessions: Type.Array(MonthSessionInput, { maxItems: 200 }) },
  { additionalProperties: false },
);
export type MonthBody = Static<typeof MonthBody>;

export const MonthParams = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2147483647 }),
  month: Month,
});

export const HistoryEntrySchema = Type.Object({
  id: Type.Integer(),
  markId: Type.Integer(),
  sessionId: Type.Integer(),
  studentId: Type.Integer(),
  changedBy: Nullable(Type.Integer()),
  changedAt: Timestamp,
  source: Type.String(),
  oldStatus: Nullable(Type.String()),
  newStatus: Nullable(Type.String()),
  oldSummoned: Nullable(Type.Boolean()),
  newSummoned: Type.Boolean(),
  oldJustification: Nullable(Type.String()),
  newJustification: Nullable(Type.String()),
  version: Type.Integer(),
});

export const HistoryList = Type.Object({
  items: Type.Array(HistoryEntrySchema),
  total: Type.Integer(),
});
