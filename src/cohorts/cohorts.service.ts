import type { Clock } from '../platform/clock.ts';
import type { Db } from '../platform/db/database.ts';

// Skeleton: filled in by the cohorts work of issue #2.
export class CohortsService {
  constructor(
    protected readonly db: Db,
    protected readonly clock: Clock,
  ) {}
}
