/**
 * `/metrics` for a web cluster (`omaum serve --instances N`). Every web
 * process has its own registry and the kernel hands a scrape to any one of
 * them, so each alone would answer with its own share of the counts. Instead
 * the process that gets the scrape asks the cluster primary, which gathers
 * every web process's registry through prom-client's AggregatorRegistry and
 * answers with the aggregate: counters and histograms summed, other metrics
 * as their `aggregator` option says. The process metrics of prom-client
 * (`process_*`, `nodejs_*`) describe one process each, so every web process
 * labels its own with `web_process` (its cluster id) and they stay apart:
 * the memory alert then watches each process, not the sum of all.
 *
 *   web process                             primary
 *   GET /metrics: {ask, id}          ──▶    clusterMetrics(): every web process
 *                                           sends its registry, they are merged
 *   answers the scrape with the text ◀──    {answer, id, text | error}
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

import { AggregatorRegistry, Registry } from 'prom-client';

import { AppError } from '../errors/app-error.ts';
import type { Metrics } from './metrics.ts';

/**
 * Set by the primary on the web processes it forks (not a setting: the
 * configuration does not read it). Being a cluster worker is not enough:
 * under another tool's cluster, nobody would answer the asks.
 */
const WEB_CLUSTER_ENV = 'OMAUM_WEB_CLUSTER';
const ASK = 'omaum:cluster-metrics:ask';
const ANSWER = 'omaum:cluster-metrics:answer';
// The primary gives up on a silent web process after 5 s (prom-client's limit); waiting a
// little longer here lets its error, which says what went wrong, arrive first.
const ASK_TIMEOUT_MS = 6000;

interface Ask {
  readonly type: typeof ASK;
  readonly id: number;
}

interface Answer {
  readonly type: typeof ANSWER;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

/** What the primary adds to the environment of every web process it forks. */
export function webProcessEnv(): Record<string, string> {
  return { [WEB_CLUSTER_ENV]: '1' };
}

/** Primary side: answers each web process that asks for the whole cluster's figures. */
export function answerClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isMessage<Ask>(message, ASK)) return;
    const { id } = message;
    aggregator.clusterMetrics().then(
      (text) => {
        reply(worker, { type: ANSWER, id, text });
      },
      (error: unknown) => {
        reply(worker, { type: ANSWER, id, error: errorText(error) });
      },
    );
  });
}

function reply(worker: Worker, answer: Answer): void {
  if (!worker.isConnected()) return;
  worker.send(answer, () => {
    // A process that stopped meanwhile is not waiting for the answer any more.
  });
}

/** True in a web process forked by the primary of `omaum serve --instances N`. */
export function isWebClusterProcess(): boolean {
  return (
    cluster.isWorker && process.env[WEB_CLUSTER_ENV] === '1' && typeof process.send === 'function'
  );
}

/**
 * Web process side: lets the primary read this process's registry, and makes
 * `metrics.render()` answer with the whole cluster's figures. Call it as soon
 * as the process starts: the primary waits for every web process, and one
 * that cannot answer yet makes the scrape fail.
 */
export function shareMetricsWithCluster(metrics: Metrics, timeoutMs = ASK_TIMEOUT_MS): void {
  // Constructing one is what makes prom-client answer the primary in this process; it
  // answers from the registries given to setRegistries (the global one otherwise).
  new AggregatorRegistry();
  const id = cluster.worker?.id ?? process.pid;
  AggregatorRegistry.setRegistries([new ProcessLabelled(metrics.registry, String(id))]);
  const primary = new PrimaryChannel(timeoutMs);
  metrics.renderFrom(() => primary.ask());
}

/** Metrics that describe a single process, as prom-client's default metrics name them. */
const PER_PROCESS = /^(process|nodejs)_/;

/**
 * What this process hands the primary: its registry's metrics, with the
 * per-process ones labelled by `web_process` so the aggregate keeps each
 * process's series rather than adding them up.
 */
class ProcessLabelled extends Registry {
  constructor(
    private readonly source: Registry,
    private readonly webProcess: string,
  ) {
    super();
  }

  override async getMetricsAsJSON(): ReturnType<Registry['getMetricsAsJSON']> {
    const metrics = await this.source.getMetricsAsJSON();
    const labels = { web_process: this.webProcess };
    return metrics.map((metric) =>
      PER_PROCESS.test(metric.name)
        ? {
            ...metric,
            values: metric.values.map((value) => ({
              ...value,
              labels: { ...value.labels, ...labels },
            })),
          }
        : metric,
    );
  }
}

/** Asks over the cluster's IPC channel, matching each answer to its ask by id. */
class PrimaryChannel {
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private nextId = 0;

  constructor(private readonly timeoutMs: number) {
    process.on('message', (message: unknown) => {
      if (isMessage<Answer>(message, ANSWER)) this.waiting.get(message.id)?.(message);
    });
  }

  ask(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const settle = (answer: Answer) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (answer.text === undefined) reject(unavailable(answer.error ?? 'no figures'));
        else resolve(answer.text);
      };
      const timer = setTimeout(() => {
        settle({ type: ANSWER, id, error: `no answer from the primary in ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      this.waiting.set(id, settle);
      const ask: Ask = { type: ASK, id };
      process.send?.(ask, (error: Error | null) => {
        if (error) settle({ type: ANSWER, id, error: error.message });
      });
    });
  }
}

function unavailable(reason: string): AppError {
  return new AppError(
    'OMAUM_UNAVAILABLE',
    `The figures of the web processes could not be gathered (${reason}); try again`,
  );
}

function isMessage<T extends Ask | Answer>(message: unknown, type: T['type']): message is T {
  if (typeof message !== 'object' || message === null) return false;
  const { type: given, id } = message as { type?: unknown; id?: unknown };
  return given === type && typeof id === 'number';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
