import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types as the application sees them, in camelCase (the CamelCasePlugin
 * maps them to snake_case columns). Timestamps are ISO-8601 strings in UTC,
 * calendar dates are `YYYY-MM-DD` strings, booleans are booleans on both
 * dialects (see `database.ts` for how SQLite is brought in line).
 */
type Timestamp = string;
type CalendarDate = string;
type Id = Generated<number>;

export type Role = 'admin' | 'secretary' | 'instructor' | 'viewer';
export type StudentSituation = 'active' | 'on_leave' | 'disconnected' | 'deceased' | 'excluded';
export type Sex = 'M' | 'F' | 'O';
export type CohortStatus = 'active' | 'inactive' | 'cancelled' | 'finished';
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type ActivityKind = 'lesson' | 'full_moon' | 'service' | 'cleaning' | 'lecture' | 'other';
export type ActivityMode = 'mandatory' | 'convocation';
export type EnrollmentStatus = 'active' | 'cancelled' | 'finished';

interface Audited {
  createdAt: ColumnType<Timestamp, Timestamp, never>;
  updatedAt: Timestamp;
}

export interface CoursesTable extends Audited {
  id: Id;
  name: string;
  description: string | null;
  isActive: boolean;
  archivedAt: Timestamp | null;
}

export interface StudentsTable extends Audited {
  id: Id;
  fullName: string;
  /** Lower-case, accent-free full name and initiatic name, for search. */
  searchText: string;
  cpf: string;
  initiaticNumber: string;
  initiaticName: string | null;
  email: string | null;
  phone: string | null;
  secondaryPhone: string | null;
  birthDate: CalendarDate | null;
  sex: Sex | null;
  situation: StudentSituation;
  address: string | null;
  emergencyContacts: string | null;
  medicalNotes: string | null;
  notes: string | null;
  archivedAt: Timestamp | null;
}

export interface CohortsTable extends Audited {
  id: Id;
  courseId: number;
  name: string;
  bookNumber: string | null;
  initiationDate: CalendarDate | null;
  activitiesStartDate: CalendarDate | null;
  firstLessonDate: CalendarDate | null;
  endDate: CalendarDate | null;
  weekday: Weekday | null;
  time: string | null;
  place: string | null;
  capacity: number;
  status: CohortStatus;
  minAttendancePct: number;
  maxShortfallsToClear: number;
  instructorId: number | null;
  assistantInstructorId: number | null;
  aideId: number | null;
  archivedAt: Timestamp | null;
}

export interface ActivitiesTable extends Audited {
  id: Id;
  cohortId: number;
  name: string;
  kind: ActivityKind;
  mode: ActivityMode;
  position: number;
  isActive: boolean;
  /** The two activities every cohort is created with ("Aulas", "Plenilúnios"). */
  isDefault: boolean;
  archivedAt: Timestamp | null;
}

export interface EnrollmentsTable extends Audited {
  id: Id;
  studentId: number;
  cohortId: number;
  enrolledOn: CalendarDate;
  endedOn: CalendarDate | null;
  status: EnrollmentStatus;
  notes: string | null;
}

export interface UsersTable extends Audited {
  id: Id;
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  studentId: number | null;
  isActive: boolean;
  mustChangePassword: boolean;
  failedSignIns: number;
  lockedUntil: Timestamp | null;
  lastSignInAt: Timestamp | null;
}

export interface ApiTokensTable extends Audited {
  id: Id;
  userId: number;
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: string;
  name: string;
  expiresAt: Timestamp;
  revokedAt: Timestamp | null;
  lastUsedAt: Timestamp | null;
}

export type MarkStatus = 'P' | 'F' | 'J' | 'V1' | 'V2';
export type MarkSource = 'api' | 'grid' | 'month' | 'import' | 'system';

/** One occurrence of an activity ("Dia de atividade"). */
export interface SessionsTable extends Audited {
  id: Id;
  activityId: number;
  cohortId: number;
  heldOn: CalendarDate;
  /** `YYYY-MM` of heldOn. */
  month: string;
  slot: number;
  time: string | null;
  subject: string | null;
  isExtra: boolean;
}

/** One student's status at one session ("Registro de presença"). */
export interface MarksTable extends Audited {
  id: Id;
  sessionId: number;
  studentId: number;
  cohortId: number;
  activityId: number;
  month: string;
  status: MarkStatus | null;
  isSummoned: boolean;
  justification: string | null;
  recordedBy: number | null;
  recordedAt: Timestamp;
  version: number;
}

export interface MarkHistoryTable {
  id: Id;
  markId: number;
  sessionId: number;
  studentId: number;
  changedBy: number | null;
  changedAt: Timestamp;
  source: MarkSource;
  oldStatus: MarkStatus | null;
  newStatus: MarkStatus | null;
  oldIsSummoned: boolean | null;
  newIsSummoned: boolean;
  oldJustification: string | null;
  newJustification: string | null;
  version: number;
}

/** Monthly counters per (cohort, activity, student), kept with the marks. */
export interface AttendanceCountersTable {
  cohortId: number;
  activityId: number;
  studentId: number;
  month: string;
  expected: number;
  present: number;
  absent: number;
  excused: number;
  volunteerExtra: number;
  volunteerSimple: number;
  summonedUnmarked: number;
  updatedAt: Timestamp;
}

/** Stored job states; "delayed" is a waiting job whose runAt is in the future. */
export type StoredJobState = 'waiting' | 'active' | 'completed' | 'failed';

/** The embedded job queue (see `src/platform/jobs/embedded/`). */
export interface JobsTable {
  id: string;
  queue: string;
  name: string;
  /** JSON. */
  data: string;
  state: StoredJobState;
  priority: number;
  runAt: Timestamp;
  attemptsMade: number;
  maxAttempts: number;
  backoffMs: number;
  timeoutMs: number;
  progress: number;
  /** JSON. */
  result: string | null;
  failedReason: string | null;
  /** The worker holding the job while it is active. */
  lockedBy: string | null;
  leaseUntil: Timestamp | null;
  createdAt: ColumnType<Timestamp, Timestamp, never>;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  updatedAt: Timestamp;
}

export interface JobSchedulesTable {
  id: string;
  queue: string;
  name: string;
  /** JSON. */
  data: string;
  cron: string;
  timeZone: string;
  nextRunAt: Timestamp;
  updatedAt: Timestamp;
}

/** E-mails already sent, by idempotency key; a retry finds its key and sends nothing. */
export interface SentEmailsTable {
  id: Id;
  idempotencyKey: string;
  messageId: string;
  transport: 'smtp' | 'outbox';
  sentAt: Timestamp;
}

export type ExportKindColumn = 'sheet' | 'marks' | 'student-report' | 'roll-call';
export type ExportFormatColumn = 'xlsx' | 'pdf' | 'csv';
export type ExportStatus = 'queued' | 'running' | 'ready' | 'failed';

/** Files built by the `export.generate` job, downloadable by their owner until `expiresAt`. */
export interface ExportsTable extends Audited {
  id: Id;
  ownerId: number;
  kind: ExportKindColumn;
  format: ExportFormatColumn;
  /** JSON: cohortId, from, to, month, studentId. */
  params: string;
  jobId: string | null;
  status: ExportStatus;
  /** 0–100. */
  progress: number;
  fileName: string | null;
  filePath: string | null;
  sizeBytes: number | null;
  error: string | null;
  expiresAt: Timestamp | null;
}

export type ReportKind = 'sheet-month' | 'sheet-accumulated';

/** A cohort's sheet e-mailed on a cron schedule by the `reports.scheduled` job. */
export interface ReportSchedulesTable extends Audited {
  id: Id;
  cohortId: number;
  report: ReportKind;
  format: ExportFormatColumn;
  /** JSON array of e-mail addresses. */
  recipients: string;
  cron: string;
  timeZone: string;
  isActive: boolean;
  createdBy: number | null;
  lastRunAt: Timestamp | null;
}

export type SecurityEventKind =
  | 'rate_limited'
  | 'address_blocked'
  | 'block_lifted'
  | 'sign_in_failed'
  | 'account_locked'
  | 'permission_denied'
  | 'admin_action';

export interface SecurityEventsTable {
  id: Id;
  occurredAt: Timestamp;
  kind: SecurityEventKind;
  /** Client address, when the event came from a request. */
  address: string | null;
  userId: number | null;
  /** JSON object: what happened (route, rule, action...). Never passwords or tokens. */
  detail: string;
}

export interface WorkerHeartbeatsTable {
  /** One per running worker or scheduler: `<host>:<pid>:<random>`. */
  id: string;
  role: 'worker' | 'scheduler';
  /** Comma-separated queue names the worker takes jobs from (empty for a scheduler). */
  queues: string;
  pid: number;
  host: string;
  startedAt: Timestamp;
  seenAt: Timestamp;
}

export interface MonitorSnapshotsTable {
  id: Id;
  /** The web process that wrote it: `<host>:<pid>`. */
  instance: string;
  takenAt: Timestamp;
  /** JSON: a `MonitorSnapshot` (see platform/monitoring). */
  payload: string;
}

export interface CacheVersionsTable {
  namespace: string;
  version: number;
}

export interface DB {
  courses: CoursesTable;
  students: StudentsTable;
  cohorts: CohortsTable;
  activities: ActivitiesTable;
  enrollments: EnrollmentsTable;
  users: UsersTable;
  apiTokens: ApiTokensTable;
  sessions: SessionsTable;
  marks: MarksTable;
  markHistory: MarkHistoryTable;
  attendanceCounters: AttendanceCountersTable;
  jobs: JobsTable;
  jobSchedules: JobSchedulesTable;
  sentEmails: SentEmailsTable;
  exports: ExportsTable;
  reportSchedules: ReportSchedulesTable;
  securityEvents: SecurityEventsTable;
  workerHeartbeats: WorkerHeartbeatsTable;
  monitorSnapshots: MonitorSnapshotsTable;
  cacheVersions: CacheVersionsTable;
}

export type Course = Selectable<CoursesTable>;
export type NewCourse = Insertable<CoursesTable>;
export type CourseUpdate = Updateable<CoursesTable>;
export type Student = Selectable<StudentsTable>;
export type NewStudent = Insertable<StudentsTable>;
export type StudentUpdate = Updateable<StudentsTable>;
export type Cohort = Selectable<CohortsTable>;
export type NewCohort = Insertable<CohortsTable>;
export type CohortUpdate = Updateable<CohortsTable>;
export type Activity = Selectable<ActivitiesTable>;
export type NewActivity = Insertable<ActivitiesTable>;
export type ActivityUpdate = Updateable<ActivitiesTable>;
export type Enrollment = Selectable<EnrollmentsTable>;
export type NewEnrollment = Insertable<EnrollmentsTable>;
export type EnrollmentUpdate = Updateable<EnrollmentsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type Session = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;
export type Mark = Selectable<MarksTable>;
export type NewMark = Insertable<MarksTable>;
export type MarkHistoryEntry = Selectable<MarkHistoryTable>;
export type AttendanceCounters = Selectable<AttendanceCountersTable>;
export type JobRow = Selectable<JobsTable>;
export type ExportRow = Selectable<ExportsTable>;
export type ReportScheduleRow = Selectable<ReportSchedulesTable>;
export type NewExport = Insertable<ExportsTable>;
export type JobScheduleRow = Selectable<JobSchedulesTable>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;
export type WorkerHeartbeatRow = Selectable<WorkerHeartbeatsTable>;
