import { Type } from 'typebox';
import type { Static } from 'typebox';

import { CalendarDate, Nullable, RecordId } from '../platform/http/schemas.ts';
import { Month } from '../sessions/sessions.schemas.ts';

export const PeriodQuery = Type.Object(
  {
    from: Month,
    to: Type.Optional(Month),
  },
  { additionalProperties: false },
);
export type PeriodQuery = Static<typeof PeriodQuery>;

export const MonthQuery = Type.Object({ month: Month }, { additionalProperties: false });

const Person = Nullable(Type.Object({ id: Type.Integer(), name: Type.String() }));

export const SheetCohort = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  courseId: Type.Integer(),
  courseName: Type.String(),
  bookNumber: Nullable(Type.String()),
  initiationDate: Nullable(CalendarDate),
  activitiesStartDate: Nullable(CalendarDate),
  firstLessonDate: Nullable(CalendarDate),
  endDate: Nullable(CalendarDate),
  weekday: Nullable(Type.String()),
  time: Nullable(Type.String()),
  place: Nullable(Type.String()),
  status: Type.String(),
  minAttendancePct: Type.Number(),
  maxShortfallsToClear: Type.Integer(),
  instructor: Person,
  assistantInstructor: Person,
  aide: Person,
});

export const SheetPeriod = Type.Object({
  from: Type.String(),
  to: Type.String(),
  firstDay: CalendarDate,
  lastDay: CalendarDate,
  months: Type.Array(Type.String()),
});

export const SheetActivity = Type.Object({
  activityId: Type.Integer(),
  name: Type.String(),
  kind: Type.String(),
  mode: Type.String(),
  position: Type.Integer(),
  sessions: Type.Integer({ description: 'Regular (not extra) sessions in the period' }),
  extraSessions: Type.Integer(),
});

export const ActivityCell = Type.Object({
  activityId: Type.Integer(),
  expected: Type.Integer(),
  present: Type.Integer(),
  absent: Type.Integer(),
  excused: Type.Integer(),
  volunteerExtra: Type.Integer(),
  volunteerSimple: Type.Integer(),
  pending: Type.Integer(),
  pct: Nullable(Type.Number({ description: 'Two decimals; null when nothing was expected' })),
  shortfall: Type.Boolean(),
  missingToMinimum: Type.Integer(),
});
export type ActivityCell = Static<typeof ActivityCell>;

export const SheetRow = Type.Object({
  studentId: Type.Integer(),
  fullName: Type.String(),
  initiaticNumber: Type.String(),
  situation: Type.String(),
  activities: Type.Array(ActivityCell),
  volunteer: Type.Integer(),
  shortfalls: Type.Integer(),
  cleared: Type.Boolean(),
});
export type SheetRow = Static<typeof SheetRow>;

export const SheetSummarySchema = Type.Object({
  byShortfalls: Type.Object({
    '0': Type.Integer(),
    '1': Type.Integer(),
    '2': Type.Integer(),
    '3': Type.Integer(),
    '4': Type.Integer(),
    '5+': Type.Integer(),
  }),
  cleared: Type.Integer(),
  notCleared: Type.Integer(),
  active: Type.Integer(),
  onLeave: Type.Integer(),
  disconnected: Type.Integer(),
});

export const SheetSchema = Type.Object(
  {
    cohort: SheetCohort,
    period: SheetPeriod,
    activities: Type.Array(SheetActivity),
    rows: Type.Array(SheetRow),
    summary: SheetSummarySchema,
  },
  { $id: 'Sheet' },
);
export type Sheet = Static<typeof SheetSchema>;

export const NotClearedSchema = Type.Object({
  cohortId: Type.Integer(),
  period: SheetPeriod,
  items: Type.Array(
    Type.Object({
      studentId: Type.Integer(),
      fullName: Type.String(),
      situation: Type.String(),
      shortfalls: Type.Integer(),
      activities: Type.Array(
        Type.Object({
          activityId: Type.Integer(),
          name: Type.String(),
          pct: Nullable(Type.Number()),
          missingToMinimum: Type.Integer(),
        }),
      ),
    }),
  ),
  total: Type.Integer(),
});

export const ForecastSchema = Type.Object({
  cohortId: Type.Integer(),
  period: SheetPeriod,
  items: Type.Array(
    Type.Object({
      studentId: Type.Integer(),
      fullName: Type.String(),
      activities: Type.Array(
        Type.Object({
          activityId: Type.Integer(),
          name: Type.String(),
          expected: Type.Integer(),
          present: Type.Integer(),
          undecided: Type.Integer({ description: 'Expected sessions without P, F or J yet' }),
          presencesNeeded: Type.Integer(),
          affordableAbsences: Type.Integer(),
          canReachMinimum: Type.Boolean(),
        }),
      ),
    }),
  ),
});

export const StudentReportSchema = Type.Object({
  studentId: Type.Integer(),
  fullName: Type.String(),
  cohortId: Type.Integer(),
  cohortName: Type.String(),
  period: SheetPeriod,
  activities: Type.Array(Type.Object({ activityId: Type.Integer(), name: Type.String() })),
  months: Type.Array(Type.Object({ month: Type.String(), activities: Type.Array(ActivityCell) })),
  total: Type.Object({
    activities: Type.Array(ActivityCell),
    volunteer: Type.Integer(),
    shortfalls: Type.Integer(),
    cleared: Type.Boolean(),
  }),
});

export const StudentReportQuery = Type.Object(
  { cohortId: RecordId, from: Month, to: Type.Optional(Month) },
  { additionalProperties: false },
);
