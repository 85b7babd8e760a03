import { AttendanceService } from './attendance/attendance.service.ts';
import { MonthAttendanceService } from './attendance/month.service.ts';
import { AuthService } from './auth/auth.service.ts';
import type { Config } from './config/config.ts';
import { ActivitiesService } from './activities/activities.service.ts';
import { CohortsService } from './cohorts/cohorts.service.ts';
import { CoursesService } from './courses/courses.service.ts';
import { EnrollmentsService } from './enrollments/enrollments.service.ts';
import { ExportsService } from './exports/exports.service.ts';
import { JobsService } from './jobs/jobs.service.ts';
import type { Cache } from './platform/cache/cache.ts';
import { createCache } from './platform/cache/create-cache.ts';
import type { Clock } from './platform/clock.ts';
import type { Database } from './platform/db/database.ts';
import { SecurityEventsService } from './security/security-events.service.ts';
import { SessionsService } from './sessions/sessions.service.ts';
import { SheetsService } from './sheets/sheets.service.ts';
import type { JobQueue } from './platform/jobs/job-queue.ts';
import type { Logger } from './platform/logging/logger.ts';
import { Metrics } from './platform/metrics/metrics.ts';
import { Monitor } from './platform/monitoring/monitor.ts';
import { StudentsService } from './students/students.service.ts';
import { UsersService } from './users/users.service.ts';

/** What the services are built from. */
export interface ServiceDeps {
  /** The background-job queue; null where none is configured (most tests). */
  readonly jobs?: JobQueue | null;
  readonly config: Config;
  readonly database: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The process's metrics; a private registry without process metrics when absent. */
  readonly metrics?: Metrics;
  readonly monitor?: Monitor;
  /** Where sheets and reports are cached; made from the configuration when absent. */
  readonly cache?: Cache;
}

/** One instance of every service; routes, pages, CLI and jobs all use these. */
export interface Services {
  /** Where services enqueue background work; null when the process has no job backend. */
  readonly jobs: JobQueue | null;
  /** The institution's time zone: what "today" and "this month" mean on pages and reports. */
  readonly timeZone: string;
  readonly clock: Clock;
  readonly metrics: Metrics;
  /** Slow requests and queries, N+1 detection, recent latencies (the Sistema page). */
  readonly monitor: Monitor;
  /** Computed sheets and student reports (docs/cache.md); the app closes it. */
  readonly cache: Cache;
  readonly auth: AuthService;
  readonly users: UsersService;
  readonly courses: CoursesService;
  readonly students: StudentsService;
  readonly cohorts: CohortsService;
  readonly activities: ActivitiesService;
  readonly enrollments: EnrollmentsService;
  readonly sessions: SessionsService;
  readonly attendance: AttendanceService;
  readonly monthAttendance: MonthAttendanceService;
  readonly sheets: SheetsService;
  readonly exports: ExportsService;
  /** Background jobs as administrators see them (not to be confused with `jobs`, the queue). */
  readonly jobAdmin: JobsService;
  /** Refusals, blocks, failed sign-ins, permission denials, admin actions (docs/security.md). */
  readonly securityEvents: SecurityEventsService;
}

export function createServices(deps: ServiceDeps): Services {
  const { db } = deps.database;
  const attendance = new AttendanceService(db, deps.clock, deps.config.timeZone);
  const metrics = deps.metrics ?? new Metrics({ collectProcessMetrics: false });
  const monitor = deps.monitor ?? new Monitor(deps.config.monitoring, metrics, deps.clock);
  const cache =
    deps.cache ?? createCache({ config: deps.config, db, logger: deps.logger, metrics });
  const securityEvents = new SecurityEventsService(db, deps.clock, deps.logger, metrics);
  return {
    metrics,
    monitor,
    cache,
    jobs: deps.jobs ?? null,
    timeZone: deps.config.timeZone,
    clock: deps.clock,
    auth: new AuthService(
      db,
      deps.clock,
      { tokenTtlHours: deps.config.tokenTtlHours, maxFailedSignIns: 5, lockoutMinutes: 15 },
      securityEvents,
    ),
    users: new UsersService(db, deps.clock, securityEvents),
    courses: new CoursesService(db, deps.clock),
    students: new StudentsService(db, deps.clock, deps.config.timeZone),
    cohorts: new CohortsService(db, deps.clock),
    activities: new ActivitiesService(db, deps.clock),
    sessions: new SessionsService(db, deps.clock, deps.config.timeZone),
    attendance,
    monthAttendance: new MonthAttendanceService(db, deps.clock, attendance),
    sheets: new SheetsService(db, cache),
    jobAdmin: new JobsService(deps.jobs ?? null),
    exports: new ExportsService(db, deps.clock, deps.jobs ?? null),
    enrollments: new EnrollmentsService(
      db,
      deps.clock,
      deps.config.timeZone,
      deps.database.dialect,
    ),
    securityEvents,
  };
}
