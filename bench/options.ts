import type { Dialect } from '../src/platform/db/database.ts';

export const FIGURE_NAMES = [
  'marks.save.service',
  'marks.save.http',
  'sheet.read.1m',
  'sheet.read.scaling',
  'export.xlsx.time',
  'export.xlsx.memory',
  'jobs.embedded.throughput',
  'jobs.bullmq.throughput',
  'http.sheet.cached',
] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export interface BenchOptions {
  readonly json: boolean;
  readonly quick: boolean;
  /** The figures to run; null runs them all. */
  readonly only: readonly FigureName[] | null;
  readonly dialect: Dialect;
  /** Overrides the number of timed runs per figure (warm-up runs are separate). */
  readonly runs: number | null;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench -- [--json] [--quick] [--only NAMES]
                          [--dialect sqlite|postgres] [--runs N]

  --json            print only a JSON array of {name, value, unit, reference, ratio, goal, met}
  --quick           small data (100k / 10k marks, 1,000 jobs) and fewer runs: a smoke test
  --only NAMES      run only these figures, comma-separated; a name may be a group
                    (the part before the first dot: marks, sheet, export, jobs, http):
                    ${FIGURE_NAMES.join(',\n                    ')}
  --dialect D       sqlite (default; a WAL file in a temporary folder, removed after) or
                    postgres (OMAUM_BENCH_POSTGRES_URL or OMAUM_TEST_POSTGRES_URL; a fresh
                    schema, dropped after); the export and job figures ignore it
                    (jobs.embedded.throughput always uses a fresh SQLite file;
                    jobs.bullmq.throughput needs OMAUM_BENCH_REDIS_URL or
                    OMAUM_TEST_REDIS_URL and is skipped without)
  --runs N          timed runs per figure (default 25, --quick 5; reads use twice as many)`;

export function parseOptions(argv: readonly string[]): BenchOptions & { help: boolean } {
  let json = false;
  let quick = false;
  let help = false;
  let only: FigureName[] | null = null;
  let dialect: Dialect = 'sqlite';
  let runs: number | null = null;

  const valueOf = (index: number, flag: string): string => {
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('--'))
      throw new UsageError(`${flag} needs a value`);
    return value;
  };

  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const [flag, inline] = arg.includes('=') ? arg.split('=', 2) : [arg, undefined];
    const take = (): string => {
      if (inline !== undefined) return inline;
      const value = valueOf(index, flag ?? arg);
      index++;
      return value;
    };
    switch (flag) {
      case '--json':
        json = true;
        break;
      case '--quick':
        quick = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      case '--only':
        only = [...(only ?? []), ...figuresNamed(take())];
        break;
      case '--dialect': {
        const name = take();
        if (name !== 'sqlite' && name !== 'postgres') {
          throw new UsageError(`--dialect must be sqlite or postgres, got "${name}"`);
        }
        dialect = name;
        break;
      }
      case '--runs': {
        const count = Number(take());
        if (!Number.isInteger(count) || count < 1 || count > 1000) {
          throw new UsageError('--runs must be an integer between 1 and 1000');
        }
        runs = count;
        break;
      }
      default:
        throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return { json, quick, only, dialect, runs, help };
}

/** The figures a `--only` value names: figures, or groups such as `jobs` for `jobs.*`. */
function figuresNamed(value: string): FigureName[] {
  return value.split(',').flatMap((name) => {
    const matching = FIGURE_NAMES.filter(
      (figure) => figure === name || figure.startsWith(`${name}.`),
    );
    if (matching.length === 0) {
      throw new UsageError(`--only: unknown figure "${name}" (${FIGURE_NAMES.join(', ')})`);
    }
    return matching;
  });
}

export function wants(options: BenchOptions, name: FigureName): boolean {
  return options.only === null || options.only.includes(name);
}
