/**
 * The cluster side of `/metrics`, with this test as the primary and two
 * forked web processes: a process that asks a primary that does not answer
 * gets OMAUM_UNAVAILABLE; once the primary answers, either process renders
 * the figures of both, each having run its scrape collectors, with each
 * process's memory and CPU kept apart under its own `web_process` label.
 * test/cli/cluster-metrics.test.ts runs the real `omaum serve --instances 2`.
 */
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import {
  answerClusterMetrics,
  webProcessEnv,
} from '../../../src/platform/metrics/cluster-metrics.ts';
import { parsePrometheus, valueOf } from '../../support/prometheus.ts';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'cluster-web-process.ts');
const ASK_TIMEOUT_MS = 500;

interface Rendered {
  readonly text?: string;
  readonly code?: string;
}

/** The next message from the fixture itself (the asks it sends the primary pass by too). */
function nextMessage<T>(worker: Worker, keys: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (typeof message !== 'object' || message === null) return;
      if (!keys.some((key) => key in message)) return;
      worker.off('message', onMessage).off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number) => {
      reject(new Error(`the web process exited with ${code}`));
    };
    worker.on('message', onMessage).once('exit', onExit);
  });
}

async function forkWebProcess(): Promise<Worker> {
  const worker = cluster.fork({
    ...webProcessEnv(),
    CLUSTER_FIXTURE_TIMEOUT_MS: String(ASK_TIMEOUT_MS),
  });
  const ready = await nextMessage<{ isWebClusterProcess: boolean }>(worker, [
    'isWebClusterProcess',
  ]);
  assert.equal(ready.isWebClusterProcess, true);
  return worker;
}

async function render(worker: Worker): Promise<Rendered> {
  const answer = nextMessage<Rendered>(worker, ['text', 'code']);
  worker.send('render');
  return answer;
}

describe('cluster metrics', () => {
  const workers: Worker[] = [];

  after(async () => {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise((resolve) => {
            worker.once('exit', resolve);
            worker.kill();
          }),
      ),
    );
  });

  it('answers 503 without a primary, then the sum of both processes', async () => {
    cluster.setupPrimary({ exec: FIXTURE, execArgv: ['--import', 'tsx'] });
    workers.push(await forkWebProcess(), await forkWebProcess());
    const [first, second] = workers as [Worker, Worker];

    assert.deepEqual(await render(first), { code: 'OMAUM_UNAVAILABLE' });

    answerClusterMetrics();
    for (const [scrape, worker] of [first, second, first].entries()) {
      const { text } = await render(worker);
      assert.ok(text !== undefined);
      const exposition = parsePrometheus(text);
      const request = { method: 'GET', route: '/x', status: '200' };
      assert.equal(valueOf(exposition, 'omaum_http_request_duration_seconds_count', request), 2);
      const waiting = { queue: 'default', state: 'waiting' };
      assert.equal(valueOf(exposition, 'omaum_queue_jobs', waiting), 3, 'read once, not added');
      const scrapes = valueOf(exposition, 'omaum_cache_hits_total', { namespace: 'scrapes' });
      assert.equal(scrapes, 2 * (scrape + 1), 'both processes collected for every scrape');

      const memory = exposition.samples.filter((s) => s.name === 'process_resident_memory_bytes');
      assert.deepEqual(
        memory.map((sample) => JSON.stringify(sample.labels)).sort(),
        workers.map((worker) => JSON.stringify({ web_process: String(worker.id) })).sort(),
        'one resident memory series per web process',
      );
      for (const sample of memory) {
        assert.ok(
          sample.value > 10e6 && sample.value < 1e9,
          `one process's figure: ${sample.value}`,
        );
      }
      const cpu = exposition.samples.filter((s) => s.name === 'process_cpu_seconds_total');
      assert.equal(new Set(cpu.map((sample) => sample.labels.web_process)).size, 2);
    }
  });
});
