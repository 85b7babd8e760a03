import { dateIn } from '../platform/clock.ts';
import { formatDate } from '../web/format.ts';
import type { ExportOptions } from './export-types.ts';
import { DEFAULT_TIME_ZONE } from './export-types.ts';

/** The export's date as `dd/mm/aaaa` in the institution's zone (now, unless given). */
export function generatedOn(options: ExportOptions): string {
  const instant = options.generatedAt ?? new Date();
  return formatDate(dateIn(instant, options.timeZone ?? DEFAULT_TIME_ZONE));
}
