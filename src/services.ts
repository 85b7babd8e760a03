import { AuthService } from './auth/auth.service.ts';
import type { Config } from './config/config.ts';
import { CoursesService } from './courses/courses.service.ts';
import type { Clock } from './platform/clock.ts';
import type { Database } from './platform/db/database.ts';
import type { Logger } from './platform/logging/logger.ts';
import { UsersService } from './users/users.service.ts';

/** What the services are built from. */
export interface ServiceDeps {
  readonly config: Config;
  readonly database: Database;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** One instance of every service; routes, pages, CLI and jobs all use these. */
export interface Services {
  readonly auth: AuthService;
  readonly users: UsersService;
  readonly courses: CoursesService;
}

export function createServices(deps: ServiceDeps): Services {
  const { db } = deps.database;
  return {
    auth: new AuthService(db, deps.clock, {
      tokenTtlHours: deps.config.tokenTtlHours,
      maxFailedSignIns: 5,
      lockoutMinutes: 15,
    }),
    users: new UsersService(db, deps.clock),
    courses: new CoursesService(db, deps.clock),
  };
}
