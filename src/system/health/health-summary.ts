import type { CheckName, CheckStatus, HealthReport } from './health-report.ts';

const LABELS: Readonly<Record<CheckName, string>> = {
  database: 'banco de dados',
  cache: 'cache',
  queue: 'fila de jobs',
  performance: 'desempenho',
  security: 'segurança',
  system: 'sistema',
};

export const STATUS_LABELS: Readonly<Record<CheckStatus, string>> = {
  pass: 'ok',
  warn: 'atenção',
  fail: 'falha',
};

const HEADER = ['Verificação', 'Estado', 'Tempo', 'Motivo'] as const;

/**
 * The report as a short table in Portuguese, one line per check, for a person
 * to read at a glance; with `isVerbose` each check's figures follow its line.
 */
export function formatHealthSummary(report: HealthReport, isVerbose = false): string {
  const rows = report.checks.map((check) => [
    LABELS[check.name],
    STATUS_LABELS[check.status],
    formatMs(check.durationMs),
    check.reason,
  ]);
  const widths = [0, 1, 2].map((column) =>
    Math.max(HEADER[column]?.length ?? 0, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < 3 ? cell.padEnd(widths[column] ?? 0) : cell))
      .join('  ')
      .trimEnd();

  const lines = [line(HEADER)];
  report.checks.forEach((check, index) => {
    lines.push(line(rows[index] ?? []));
    if (isVerbose) lines.push(...detailLines(check.details));
  });
  lines.push('', `Resultado: ${STATUS_LABELS[report.status]} (${formatMs(report.durationMs)})`);
  return `${lines.join('\n')}\n`;
}

function detailLines(details: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(details).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`);
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
