/**
 * The metric names a PromQL expression reads, for checking `deploy/` against
 * what the application exports. Not a parser: it removes what cannot be a
 * metric name (strings, label matchers, ranges, grouping clauses, numbers,
 * Grafana variables, keywords, function calls) and keeps the identifiers left.
 */

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/(?<![\w:.])\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|[smhdwy])?(?![\w:])/gi, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const name = match[0];
    const after = bare.slice((match.index ?? 0) + name.length);
    const isCall = /^\s*\(/.test(after);
    if (!isCall && !KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names].sort();
}

/** A Grafana variable query: `label_values(up{job="x"}, instance)` reads `up{job="x"}`. */
export function grafanaQueryExpr(query: string): string {
  const labelValues = /^\s*label_values\((.*),\s*\w+\s*\)\s*$/s.exec(query);
  if (labelValues?.[1] !== undefined) return labelValues[1];
  const result = /^\s*query_result\((.*)\)\s*$/s.exec(query);
  return result?.[1] ?? query;
}

/** Metric names and their types, from the `# TYPE` lines of a Prometheus text exposition. */
export function exportedMetrics(exposition: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    types.set(match[1] ?? '', match[2] ?? '');
  }
  return types;
}

const SERIES_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/**
 * Whether a name is a series of an exported metric: the metric itself, a
 * histogram's `_bucket`, `_sum` or `_count`, or Prometheus's own `up`.
 */
export function isExported(name: string, exported: ReadonlyMap<string, string>): boolean {
  if (name === 'up' || exported.has(name)) return true;
  for (const [metric, type] of exported) {
    const suffixes = SERIES_SUFFIXES[type] ?? [];
    if (suffixes.some((suffix) => name === `${metric}${suffix}`)) return true;
  }
  return false;
}

/** The names of `exprs` that the exposition does not export, with the expression using them. */
export function unknownMetrics(
  exprs: readonly string[],
  exported: ReadonlyMap<string, string>,
): { name: string; expr: string }[] {
  return exprs.flatMap((expr) =>
    metricNamesIn(expr)
      .filter((name) => !isExported(name, exported))
      .map((name) => ({ name, expr })),
  );
}
