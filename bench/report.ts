import os from 'node:os';

import type { Figure } from './figures.ts';

const COLUMNS = ['name', 'value', 'unit', 'reference', 'ratio', 'goal', 'met'] as const;

function cell(figure: Figure, column: (typeof COLUMNS)[number]): string {
  switch (column) {
    case 'value':
    case 'reference':
      return figure[column].toFixed(2);
    case 'ratio':
      return `${figure.ratio.toFixed(2)}×`;
    case 'goal':
      return `≤ ${figure.goal}×`;
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
  return [line(COLUMNS), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
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
