import { Type } from 'typebox';
import type { Static } from 'typebox';

import { Nullable, RecordId, StringEnum, Timestamp } from '../platform/http/schemas.ts';
import { Month } from '../sessions/sessions.schemas.ts';

export const EXPORT_KINDS = ['sheet', 'marks', 'student-report', 'roll-call'] as const;
export const EXPORT_FORMATS = ['xlsx', 'pdf', 'csv'] as const;
export const EXPORT_STATUSES = ['queued', 'running', 'ready', 'failed'] as const;

export const ExportRequestBody = Type.Object(
  {
    kind: StringEnum(EXPORT_KINDS),
    format: StringEnum(EXPORT_FORMATS),
    cohortId: RecordId,
    from: Month,
    to: Type.Optional(Month),
    month: Type.Optional(Month),
    studentId: Type.Optional(RecordId),
  },
  { additionalProperties: false },
);
export type ExportRequestBody = Static<typeof ExportRequestBody>;

export const ExportCreatedSchema = Type.Object({
  id: Type.Integer(),
  jobId: Type.String(),
  status: StringEnum(EXPORT_STATUSES),
});

export const ExportSchema = Type.Object({
  id: Type.Integer(),
  kind: StringEnum(EXPORT_KINDS),
  format: StringEnum(EXPORT_FORMATS),
  params: Type.Object({
    cohortId: Type.Integer(),
    from: Type.String(),
    to: Type.String(),
    month: Nullable(Type.String()),
    studentId: Nullable(Type.Integer()),
  }),
  status: StringEnum(EXPORT_STATUSES),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  fileName: Nullable(Type.String()),
  sizeBytes: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  expiresAt: Nullable(Timestamp),
  downloadUrl: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ExportView = Static<typeof ExportSchema>;

export const ExportListSchema = Type.Object({
  items: Type.Array(ExportSchema),
  total: Type.Integer(),
});
