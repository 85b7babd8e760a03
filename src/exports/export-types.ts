/** The vocabulary shared by the export writers and the `export.generate` job. */

export type ExportFormat = 'xlsx' | 'pdf' | 'csv';

export type ExportKind = 'sheet' | 'marks' | 'student-report' | 'roll-call';

/**
 * Told how many rows are written out of how many. Called with `(0, total)`
 * before the first row and always with `(total, total)` at the end; in between
 * at most about once per percent, so a job that stores progress in a database
 * is not asked to write once per student. A rejected promise aborts the export.
 */
export type ProgressReporter = (done: number, total: number) => void | Promise<void>;

/** What every writer accepts besides its data and file. */
export interface ExportOptions {
  /** When the export was produced, printed as `dd/mm/aaaa`; defaults to now. */
  readonly generatedAt?: Date;
  /** IANA zone the generated date is read in; defaults to `America/Sao_Paulo`. */
  readonly timeZone?: string;
}

/** PDF writers also take the stream compression switch (tests read the text back). */
export interface PdfExportOptions extends ExportOptions {
  /** Deflate content streams; default true. */
  readonly compress?: boolean;
}

/** What a writer reports once the file is complete and in place. */
export interface ExportResult {
  /** Data rows written: students, marks, report lines. */
  readonly rows: number;
}

export const DEFAULT_TIME_ZONE = 'America/Sao_Paulo';
