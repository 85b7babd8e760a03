/**
 * A strict reader of the Prometheus text exposition format (0.0.4): every
 * line is a comment (`# HELP`, `# TYPE`), blank, or a sample
 * `name{label="value",...} number [timestamp]`. Anything else throws, naming
 * the line, so a test that parses a scrape fails on malformed output.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` of each metric family. */
  readonly types: ReadonlyMap<string, string>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheus(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  text.split('\n').forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) {
        if (!TYPES.has(type[2] ?? '')) throw new Error(`unknown metric type at ${where}`);
        types.set(type[1] ?? '', type[2] ?? '');
      } else if (!/^# HELP \S+ /.test(line) && !/^# /.test(line)) {
        throw new Error(`malformed comment at ${where}`);
      }
      return;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`malformed sample at ${where}`);
    const value = parseValue(match[3] ?? '', where);
    samples.push({ name: match[1] ?? '', labels: parseLabels(match[2] ?? '', where), value });
  });
  return { samples, types };
}

/** The value of the sample with this name whose labels include these; undefined if none. */
export function valueOf(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  return exposition.samples.find(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

function parseValue(text: string, where: string): number {
  // As Prometheus reads them: Inf and NaN in any case (prom-client writes `Nan`).
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`malformed value at ${where}`);
  return value;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = LABEL.exec(rest);
    if (!match) throw new Error(`malformed labels at ${where}`);
    labels[match[1] ?? ''] = (match[2] ?? '').replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    rest = rest.slice(match[0].length).replace(/^,/, '');
  }
  return labels;
}
