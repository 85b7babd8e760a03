import { Type } from 'typebox';
import type { Static } from 'typebox';

import {
  Email,
  ListOf,
  Nullable,
  Pagination,
  RecordId,
  StringEnum,
  Timestamp,
} from '../platform/http/schemas.ts';

export const REPORT_KINDS = ['sheet-month', 'sheet-accumulated'] as const;
export const REPORT_FORMATS = ['xlsx', 'pdf', 'csv'] as const;
export const MAX_RECIPIENTS = 100;

const Recipients = Type.Array(Email, { minItems: 1, maxItems: MAX_RECIPIENTS });
const Cron = Type.String({
  minLength: 9,
  maxLength: 100,
  description: 'Five-field cron expression, e.g. `0 7 1 * *`',
});
const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone' });
const Report = StringEnum(REPORT_KINDS, {
  description: 'sheet-month: the previous month; sheet-accumulated: first month to previous',
});

export const CreateReportScheduleBody = Type.Object(
  {
    cohortId: RecordId,
    report: Report,
    format: StringEnum(REPORT_FORMATS),
    recipients: Recipients,
    cron: Cron,
    timeZone: Type.Optional(TimeZone),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateReportScheduleBody = Static<typeof CreateReportScheduleBody>;

export const UpdateReportScheduleBody = Type.Object(
  {
    cohortId: Type.Optional(RecordId),
    report: Type.Optional(Report),
    format: Type.Optional(StringEnum(REPORT_FORMATS)),
    recipients: Type.Optional(Recipients),
    cron: Type.Optional(Cron),
    timeZone: Type.Optional(TimeZone),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateReportScheduleBody = Static<typeof UpdateReportScheduleBody>;

export const ReportScheduleListQuery = Type.Object(
  { cohortId: Type.Optional(RecordId), ...Pagination },
  { additionalProperties: false },
);
export type ReportScheduleListQuery = Static<typeof ReportScheduleListQuery>;

export const ReportScheduleSchema = Type.Object({
  id: Type.Integer(),
  cohortId: Type.Integer(),
  report: StringEnum(REPORT_KINDS),
  format: StringEnum(REPORT_FORMATS),
  recipients: Type.Array(Type.String()),
  cron: Type.String(),
  timeZone: Type.String(),
  isActive: Type.Boolean(),
  createdBy: Nullable(Type.Integer()),
  lastRunAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ReportScheduleView = Static<typeof ReportScheduleSchema>;

export const ReportScheduleList = ListOf(ReportScheduleSchema);
