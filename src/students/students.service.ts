import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/database.ts';

// Skeleton: filled in by the students work of issue #2.
export class StudentsService {
  constructor(
    protected readonly db: Db,
    protected readonly clock: Clock,
  ) {}
}
