import type { SecurityEventKind } from '../platform/db/tables.ts';
import type { JobState } from '../platform/jobs/job-queue.ts';
import { JOB_STATES } from '../platform/jobs/job-queue.ts';
import { formatDateTime } from '../web/format.ts';
import type { SecurityEventRowView, SystemFigures } from './system-figures.ts';

/** Routes drawn in the latency chart; the table lists them all. */
const ROUTES_CHARTED = 10;

export const EVENT_KIND_LABELS: Readonly<Record<SecurityEventKind, string>> = {
  rate_limited: 'Pedido recusado por limite',
  address_blocked: 'Endereço bloqueado',
  block_lifted: 'Bloqueio retirado',
  sign_in_failed: 'Falha ao entrar',
  account_locked: 'Conta travada',
  permission_denied: 'Permissão negada',
  admin_action: 'Ação de administrador',
};

const RULE_LABELS: Readonly<Record<string, string>> = {
  general: 'Geral',
  api: 'API',
  burst: 'Rajada',
  signInAccount: 'Entrada (por conta)',
  signInAddress: 'Entrada (por endereço)',
  exports: 'Exportações',
};

const STATE_LABELS: Readonly<Record<JobState, string>> = {
  waiting: 'Aguardando',
  delayed: 'Agendada',
  active: 'Em execução',
  completed: 'Concluída',
  failed: 'Falhou',
};

// Finished jobs pile up by the thousand and would flatten the rest of the chart.
const CHARTED_STATES: readonly JobState[] = ['waiting', 'delayed', 'active', 'failed'];

export function isEventKind(value: string | undefined): value is SecurityEventKind {
  return value !== undefined && Object.hasOwn(EVENT_KIND_LABELS, value);
}

/** What a chart script draws; the same numbers are in the table next to it. */
export interface ChartSpec {
  readonly unit: 'ms' | '%' | '';
  readonly isHorizontal?: boolean;
  readonly isStacked?: boolean;
  readonly labels: readonly string[];
  readonly series: readonly { name: string; values: readonly (number | null)[] }[];
}

const decimal = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat('pt-BR', { maximumFractionDigits: 0 });

/** Milliseconds as `1.234,5`; a dash when there is no figure. */
export function formatMs(ms: number | null): string {
  return ms === null ? '–' : decimal.format(ms);
}

function formatCount(count: number): string {
  return whole.format(count);
}

function ruleLabel(rule: string): string {
  return RULE_LABELS[rule] ?? rule;
}

function detailText(detail: Readonly<Record<string, unknown>>): string {
  return Object.entries(detail)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('; ');
}

function eventRow(event: SecurityEventRowView, timeZone: string) {
  return {
    id: event.id,
    at: formatDateTime(event.occurredAt, timeZone),
    kind: event.kind,
    kindLabel: EVENT_KIND_LABELS[event.kind],
    address: event.address ?? '—',
    userId: event.userId === null ? '—' : String(event.userId),
    detail: detailText(event.detail),
  };
}

function latencyView(figures: SystemFigures) {
  const charted = figures.routes.slice(0, ROUTES_CHARTED);
  const chart: ChartSpec = {
    unit: 'ms',
    isHorizontal: true,
    labels: charted.map((route) => route.route),
    series: [
      { name: 'p50', values: charted.map((route) => route.p50) },
      { name: 'p95', values: charted.map((route) => route.p95) },
      { name: 'p99', values: charted.map((route) => route.p99) },
    ],
  };
  const rows = figures.routes.map((route) => ({
    route: route.route,
    count: formatCount(route.count),
    p50: formatMs(route.p50),
    p95: formatMs(route.p95),
    p99: formatMs(route.p99),
    max: formatMs(route.max),
  }));
  return { rows, chartJson: JSON.stringify(chart) };
}

function cacheView(figures: SystemFigures) {
  const chart: ChartSpec = {
    unit: '%',
    labels: figures.cache.map((row) => row.namespace),
    series: [{ name: 'Acertos', values: figures.cache.map((row) => round(row.hitPct)) }],
  };
  const rows = figures.cache.map((row) => ({
    namespace: row.namespace,
    hits: formatCount(row.hits),
    misses: formatCount(row.misses),
    hitPct: row.hitPct === null ? '–' : `${decimal.format(row.hitPct)}%`,
  }));
  return { rows, chartJson: JSON.stringify(chart) };
}

function queuesView(figures: SystemFigures) {
  if (figures.queues === null) return null;
  const queues = figures.queues;
  const chart: ChartSpec = {
    unit: '',
    isStacked: true,
    labels: queues.map((row) => row.queue),
    series: CHARTED_STATES.map((state) => ({
      name: STATE_LABELS[state],
      values: queues.map((row) => row.counts[state]),
    })),
  };
  const rows = queues.map((row) => ({
    queue: row.queue,
    counts: JOB_STATES.map((state) => formatCount(row.counts[state])),
  }));
  return {
    states: JOB_STATES.map((state) => ({ state, label: STATE_LABELS[state] })),
    rows,
    chartJson: JSON.stringify(chart),
  };
}

function rateLimitView(figures: SystemFigures) {
  const sorted = [...figures.rateLimits].sort((a, b) => b.count - a.count);
  const chart: ChartSpec = {
    unit: '',
    labels: sorted.map((row) => ruleLabel(row.rule)),
    series: [{ name: 'Recusas', values: sorted.map((row) => row.count) }],
  };
  const rows = sorted.map((row) => ({
    rule: row.rule,
    label: ruleLabel(row.rule),
    count: formatCount(row.count),
  }));
  return { rows, chartJson: JSON.stringify(chart), blocked: formatCount(figures.blockedRequests) };
}

/**
 * The figures as the templates show them: pt-BR numbers and dates, and the
 * chart data as JSON for `data-chart` attributes.
 */
export function systemView(
  figures: SystemFigures,
  options: { timeZone: string; eventKind: SecurityEventKind | null },
) {
  const { timeZone } = options;
  const at = (iso: string | null) => (iso ? formatDateTime(iso, timeZone) : '—');
  const requests = figures.current.requests;
  return {
    updatedAt: at(figures.takenAt),
    windowMinutes: Math.round(figures.windowMs / 60_000),
    thresholds: {
      slowRequestMs: formatCount(figures.thresholds.slowRequestMs),
      slowQueryMs: formatCount(figures.thresholds.slowQueryMs),
      nPlusOne: formatCount(figures.thresholds.nPlusOneThreshold),
    },
    summary: {
      requests: formatCount(requests.count),
      errors: formatCount(requests.errors),
      slow: formatCount(requests.slow),
      p95: formatMs(requests.p95),
    },
    latency: latencyView(figures),
    instances: figures.instances.map((row) => ({
      instance: row.instance,
      isThisProcess: row.isThisProcess,
      requests: formatCount(row.requests),
      errors: formatCount(row.errors),
      p95: formatMs(row.p95),
      takenAt: at(row.takenAt),
    })),
    slowQueries: figures.slowQueries.map((query) => ({
      shape: query.shape,
      origin: query.origin,
      count: formatCount(query.count),
      maxMs: formatMs(query.maxMs),
      lastAt: at(query.lastAt),
    })),
    nPlusOne: figures.nPlusOne.map((report) => ({
      origin: report.origin,
      shape: report.shape,
      count: formatCount(report.count),
      at: at(report.at),
    })),
    cache: cacheView(figures),
    queues: queuesView(figures),
    failedJobs: figures.failedJobs.map((job) => ({
      ...job,
      finishedAt: at(job.finishedAt),
    })),
    failedJobsTotal: figures.failedJobsTotal,
    rateLimits: rateLimitView(figures),
    blocks:
      figures.blocks?.map((block) => ({
        address: block.address,
        rule: ruleLabel(block.rule),
        blockedAt: at(block.blockedAt),
        until: at(block.until),
      })) ?? null,
    events: figures.events
      ? {
          total: figures.events.total,
          rows: figures.events.items.map((event) => eventRow(event, timeZone)),
        }
      : null,
    eventKind: options.eventKind,
    eventKinds: Object.entries(EVENT_KIND_LABELS).map(([value, label]) => ({ value, label })),
  };
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}
