import type { JobHandlers } from '../platform/jobs/job-queue.ts';
import type { Services } from '../services.ts';

export interface ExportJobDeps {
  readonly services: Services;
  /** Where export files are written (`<dataDir>/exports`). */
  readonly exportsDir: string;
}

// Skeleton: the `export.generate` handler of issue #5 is written here.
export function exportHandlers(_deps: ExportJobDeps): JobHandlers {
  return {};
}
