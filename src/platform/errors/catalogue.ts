/**
 * Every error OMAUM can answer with. The code is stable (clients and docs rely
 * on it); the message is the default wording and can be made more precise
 * where the error is raised. `docs/errors.md` lists the same codes: a test
 * fails when the two disagree.
 */
export const ERRORS = {
  OMAUM_REQUEST_INVALID: { statusCode: 400, message: 'The request has invalid fields' },
  OMAUM_REQUEST_MALFORMED: { statusCode: 400, message: 'The request body could not be read' },
  OMAUM_REQUEST_TOO_LARGE: { statusCode: 413, message: 'The request body is too large' },
  OMAUM_REQUEST_UNSUPPORTED_MEDIA: {
    statusCode: 415,
    message: 'The request body must be sent as application/json',
  },
  OMAUM_ROUTE_NOT_FOUND: { statusCode: 404, message: 'There is no such route' },
  OMAUM_INTERNAL: { statusCode: 500, message: 'Something went wrong on our side' },
  OMAUM_UNAVAILABLE: { statusCode: 503, message: 'The service is not ready' },

  OMAUM_AUTH_REQUIRED: { statusCode: 401, message: 'Sign in or send a bearer token' },
  OMAUM_AUTH_INVALID_CREDENTIALS: { statusCode: 401, message: 'E-mail or password is wrong' },
  OMAUM_AUTH_TOKEN_INVALID: {
    statusCode: 401,
    message: 'The token is unknown, expired or revoked',
  },
  OMAUM_AUTH_TOKEN_NOT_FOUND: {
    statusCode: 404,
    message: 'You have no active token with this id',
  },
  OMAUM_AUTH_ACCOUNT_LOCKED: {
    statusCode: 423,
    message: 'The account is locked after repeated failed sign-ins; try again later',
  },
  OMAUM_AUTH_ACCOUNT_INACTIVE: { statusCode: 403, message: 'The account is deactivated' },
  OMAUM_AUTH_FORBIDDEN: { statusCode: 403, message: 'Your role may not do this' },
  OMAUM_AUTH_CSRF_INVALID: {
    statusCode: 403,
    message: 'The form is stale or its CSRF token is missing; reload the page',
  },
  OMAUM_AUTH_PASSWORD_CHANGE_REQUIRED: {
    statusCode: 403,
    message: 'Change your password before going on',
  },
  OMAUM_AUTH_PASSWORD_WEAK: {
    statusCode: 400,
    message: 'The new password must have at least 10 characters and not be trivial',
  },

  OMAUM_RATE_LIMITED: {
    statusCode: 429,
    message: 'Too many requests; wait for the seconds in Retry-After',
  },
  OMAUM_ADDRESS_BLOCKED: {
    statusCode: 429,
    message: 'Your address is blocked for a while after too many refused requests',
  },
  OMAUM_SECURITY_BLOCK_NOT_FOUND: { statusCode: 404, message: 'The address is not blocked' },

  OMAUM_USER_NOT_FOUND: { statusCode: 404, message: 'There is no such user' },
  OMAUM_USER_DUPLICATE: { statusCode: 409, message: 'A user with this e-mail already exists' },
  OMAUM_USER_LAST_ADMIN: {
    statusCode: 409,
    message: 'The last active administrator cannot be demoted or deactivated',
  },

  OMAUM_COURSE_NOT_FOUND: { statusCode: 404, message: 'There is no such course' },
  OMAUM_COURSE_DUPLICATE: { statusCode: 409, message: 'A course with this name already exists' },
  OMAUM_COURSE_ARCHIVED: { statusCode: 409, message: 'The course is archived' },

  OMAUM_STUDENT_NOT_FOUND: { statusCode: 404, message: 'There is no such student' },
  OMAUM_STUDENT_DUPLICATE: {
    statusCode: 409,
    message: 'Another student already has this CPF, initiatic number or e-mail',
  },
  OMAUM_STUDENT_ARCHIVED: { statusCode: 409, message: 'The student is archived' },

  OMAUM_COHORT_NOT_FOUND: { statusCode: 404, message: 'There is no such cohort' },
  OMAUM_COHORT_DUPLICATE: { statusCode: 409, message: 'A cohort with this name already exists' },
  OMAUM_COHORT_ARCHIVED: { statusCode: 409, message: 'The cohort is archived' },
  OMAUM_COHORT_INSTRUCTOR_INVALID: {
    statusCode: 422,
    message: 'An instructor must be an active student, in one role of one active cohort',
  },
  OMAUM_COHORT_CAPACITY_BELOW_ENROLLED: {
    statusCode: 409,
    message: 'The capacity is below the number of active enrollments',
  },

  OMAUM_ACTIVITY_NOT_FOUND: { statusCode: 404, message: 'There is no such activity' },
  OMAUM_ACTIVITY_DUPLICATE: {
    statusCode: 409,
    message: 'The cohort already has an activity with this name',
  },
  OMAUM_ACTIVITY_ARCHIVED: { statusCode: 409, message: 'The activity is archived' },
  OMAUM_ACTIVITY_MANDATORY_LOCKED: {
    statusCode: 409,
    message:
      'The mandatory activities "Aulas" and "Plenilúnios" cannot be archived or changed in kind',
  },

  OMAUM_ENROLLMENT_NOT_FOUND: { statusCode: 404, message: 'There is no such enrollment' },
  OMAUM_ENROLLMENT_DUPLICATE: {
    statusCode: 409,
    message: 'The student is already enrolled in this cohort',
  },
  OMAUM_ENROLLMENT_ACTIVE_ELSEWHERE: {
    statusCode: 409,
    message: 'The student already has an active enrollment in another active cohort',
  },
  OMAUM_ENROLLMENT_COHORT_FULL: { statusCode: 409, message: 'The cohort is at capacity' },
  OMAUM_ENROLLMENT_NOT_ALLOWED: {
    statusCode: 422,
    message: 'The student or the cohort does not accept enrollments in its current state',
  },

  OMAUM_SESSION_NOT_FOUND: { statusCode: 404, message: 'There is no such session' },
  OMAUM_SESSION_HAS_MARKS: {
    statusCode: 409,
    message: 'The session already has marks; clear them before moving, re-flagging or deleting it',
  },
  OMAUM_SESSION_DUPLICATE: {
    statusCode: 409,
    message: 'The activity already has a session on this date in this slot',
  },
  OMAUM_SESSION_NOT_ALLOWED: {
    statusCode: 422,
    message: 'Sessions cannot be added to an archived or inactive activity or cohort',
  },

  OMAUM_MARK_NOT_FOUND: { statusCode: 404, message: 'There is no such mark' },
  OMAUM_MARK_STUDENT_UNKNOWN: {
    statusCode: 404,
    message: 'A listed student does not exist or is not enrolled in the cohort',
  },
  OMAUM_MARK_RULE_VIOLATION: {
    statusCode: 422,
    message: 'Some marks break the attendance rules; nothing was saved',
  },
  OMAUM_MARK_VERSION_CONFLICT: {
    statusCode: 409,
    message: 'Someone changed these marks since you read them; nothing was saved',
  },

  OMAUM_JOB_NOT_FOUND: { statusCode: 404, message: 'There is no such job' },
  OMAUM_JOB_NOT_RETRYABLE: { statusCode: 409, message: 'Only a failed job can be retried' },
  OMAUM_JOB_QUEUE_UNAVAILABLE: {
    statusCode: 503,
    message: 'This process has no background job queue',
  },

  OMAUM_EXPORT_NOT_FOUND: { statusCode: 404, message: 'You have no export with this id' },
  OMAUM_EXPORT_NOT_READY: { statusCode: 409, message: 'The export is not ready yet' },
  OMAUM_EXPORT_EXPIRED: {
    statusCode: 410,
    message: 'The export has expired and its file is gone; request a new one',
  },
  OMAUM_EXPORT_QUEUE_UNAVAILABLE: {
    statusCode: 503,
    message: 'Exports cannot be produced now: no background job queue is running',
  },

  OMAUM_REPORT_SCHEDULE_NOT_FOUND: { statusCode: 404, message: 'There is no such report schedule' },
} as const satisfies Record<string, { statusCode: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
