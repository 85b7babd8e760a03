import os from 'node:os';

import type { Figure } from './figures.ts';
import { GOAL_KINDS } from './figures.ts';

const COLUMNS = ['name', 'value', 'unit', 'reference', 'ratio', 'goal', 'met'] as const;

function cell(figure: Figure, column: (typeof COLUMNS)[number]): string {
  switch (column) {
    case 'value':
    case 'reference':
      return figure[column].toFixed(2);
    case 'ratio':
      return `${figure.ratio.toFixed(2)}×`;
    case 'goal':
      switch (GOAL_KINDS[figure.name]) {
        case 'ratio-at-most':
          return `≤ ${figure.goal}×`;
        case 'ratio-at-least':
          return `≥ ${figure.goal}×`;
        case 'value-at-most':
          return `≤ ${figure.goal} ${figure.unit}`;
        case 'value-at-least':
          return `≥ ${figure.goal} ${figure.unit}`;
      }
      return String(figure.goal);
    case 'met':
      return figure.met ? 'yes' : 'NO';
    default:
      return figure[column];
  }
}

/** The figures as an aligned text table. */
export function table(figures: readonly Figure[]): string {
  const rows = figures.map((figure) => COLUMNS.map((column) => cell(figure, column)));
  const widths = COLUMNS.map((column, index) =>
    Math.max(column.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => {
        const width = widths[index] ?? 0;
        return index === 0 || index === 2 ? value.padEnd(width) : value.padStart(width);
      })
      .join('  ')
      .trimEnd();
  const lines = [line(COLUMNS), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
  const footer = goalFooter(figures);
  return footer ? `${lines.join('\n')}\n\n${footer}` : lines.join('\n');
}

/**
 * How `goal` is read when it is not "ratio at most": in --json the entries
 * keep the same fields, so the footer (and GOAL_KINDS in figures.ts) says it.
 */
function goalFooter(figures: readonly Figure[]): string {
  const kinds = new Set(figures.map((figure) => GOAL_KINDS[figure.name]));
  const lines: string[] = [];
  if (kinds.has('value-at-most') || kinds.has('value-at-least')) {
    lines.push(
      'goal with a unit: an absolute limit on value (the reference is only shown next to it); ' +
        'met = value ≤ goal (export.*) or value ≥ goal (jobs.embedded.throughput).',
    );
  }
  if (kinds.has('ratio-at-least')) {
    lines.push(
      'goal ≥ N×: ratio = value / reference must be at least N (throughput, higher is better).',
    );
  }
  return lines.join('\n');
}

export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return (
    `machine: node ${process.version}, ${cpus.length} CPUs (${model}), ` +
    `${os.platform()} ${os.arch()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `load average ${loadAverage()} (other work on the same cores skews the figures)`
  );
}

/** The 1-minute load average, now. */
export function loadAverage(): string {
  return (os.loadavg()[0] ?? 0).toFixed(2);
}
