import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/**
 * A registry that runs the scrape collectors before every read, whoever
 * reads it: `Metrics.render()` here, or prom-client's cluster support when
 * the primary of a web cluster gathers every process's figures (it calls
 * `getMetricsAsJSON()` in each process, not `render()`).
 */
class CollectingRegistry extends Registry {
  constructor(private readonly collect: () => Promise<void>) {
    super();
  }

  override async metrics(): Promise<string> {
    await this.collect();
    return super.metrics();
  }

  override async getMetricsAsJSON(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    await this.collect();
    return super.getMetricsAsJSON();
  }
}

/**
 * Every Prometheus metric OMAUM exports, on a registry of its own (one per
 * application instance, so that two apps in one test process do not mix).
 * Names are `omaum_*` except the process metrics prom-client collects
 * (`process_*`, `nodejs_*`). `deploy/` dashboards and alert rules may name
 * only what is here; a test checks them.
 */
export class Metrics {
  readonly registry: Registry = new CollectingRegistry(() => this.collect());

  readonly httpRequestDuration = new Histogram({
    name: 'omaum_http_request_duration_seconds',
    help: 'Time to answer a request, by route template, method and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly queriesPerRequest = new Histogram({
    name: 'omaum_db_queries_per_request',
    help: 'SQL queries run to answer one request, by route template',
    labelNames: ['route'] as const,
    buckets: [0, 1, 2, 5, 10, 20, 50, 100, 200],
    registers: [this.registry],
  });

  readonly slowRequests = new Counter({
    name: 'omaum_slow_requests_total',
    help: 'Requests slower than OMAUM_SLOW_REQUEST_MS, by route template',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly slowQueries = new Counter({
    name: 'omaum_slow_queries_total',
    help: 'SQL queries slower than OMAUM_SLOW_QUERY_MS, by where they ran (route or job name)',
    labelNames: ['origin'] as const,
    registers: [this.registry],
  });

  readonly nPlusOne = new Counter({
    name: 'omaum_n_plus_one_total',
    help: 'Requests or jobs that ran one SQL shape OMAUM_N_PLUS_ONE_THRESHOLD times or more',
    labelNames: ['origin'] as const,
    registers: [this.registry],
  });

  readonly cacheHits = new Counter({
    name: 'omaum_cache_hits_total',
    help: 'Cache reads that found a value, by namespace kind',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });

  readonly cacheMisses = new Counter({
    name: 'omaum_cache_misses_total',
    help: 'Cache reads that found nothing, by namespace kind',
    labelNames: ['namespace'] as const,
    registers: [this.registry],
  });

  readonly queueJobs = new Gauge({
    name: 'omaum_queue_jobs',
    help: 'Jobs per queue and state, read from the queue backend when scraped',
    labelNames: ['queue', 'state'] as const,
    // Every web process of a cluster reads the same backend when scraped: a sum would count
    // each job once per process, and 'first' keeps one process's reading whole.
    aggregator: 'first',
    registers: [this.registry],
  });

  readonly jobOutcomes = new Counter({
    name: 'omaum_jobs_total',
    help: 'Job runs finished by workers of this process, by queue, job name and outcome',
    labelNames: ['queue', 'name', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'omaum_job_duration_seconds',
    help: 'Time a job run took in workers of this process, by queue and job name',
    labelNames: ['queue', 'name'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: 'omaum_rate_limit_rejections_total',
    help: 'Requests refused with 429, by the rule that refused them',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly blockedRequests = new Counter({
    name: 'omaum_blocked_requests_total',
    help: 'Requests refused because their address is blocked',
    registers: [this.registry],
  });

  readonly securityEvents = new Counter({
    name: 'omaum_security_events_total',
    help: 'Security events recorded, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor(options: { collectProcessMetrics?: boolean } = {}) {
    if (options.collectProcessMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Runs before each scrape, e.g. to read queue depths (in a web cluster, in
   * every web process); errors are the callback's to handle.
   */
  onScrape(collect: () => Promise<void>): void {
    this.collectors.push(collect);
  }

  /**
   * Makes `render()` answer with text from elsewhere: in a web cluster, the
   * figures of every web process, gathered by the primary (see cluster-metrics.ts).
   */
  renderFrom(source: () => Promise<string>): void {
    this.source = source;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.source();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private readonly collectors: (() => Promise<void>)[] = [];
  private source: () => Promise<string> = () => this.registry.metrics();

  private async collect(): Promise<void> {
    await Promise.all(this.collectors.map((collect) => collect()));
  }
}
