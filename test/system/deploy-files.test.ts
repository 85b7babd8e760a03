import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { parse } from 'yaml';

import type { TestApp } from '../support/app.ts';
import { createTestApp } from '../support/app.ts';
import {
  exportedMetrics,
  grafanaQueryExpr,
  metricNamesIn,
  unknownMetrics,
} from './promql-names.ts';

const DEPLOY = path.resolve(import.meta.dirname, '..', '..', 'deploy');

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(DEPLOY, file), 'utf8'));
}

function readYaml(file: string): unknown {
  return parse(fs.readFileSync(path.join(DEPLOY, file), 'utf8'));
}

/** Every `expr` of the dashboard's panels (rows included) and every variable query. */
function dashboardExprs(dashboard: unknown): string[] {
  const exprs: string[] = [];
  const walk = (node: unknown, key: string | null): void => {
    if (typeof node === 'string') {
      if (key === 'expr') exprs.push(node);
      if (key === 'query' || key === 'definition') exprs.push(grafanaQueryExpr(node));
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) walk(item, key);
      return;
    }
    if (node !== null && typeof node === 'object') {
      for (const [childKey, child] of Object.entries(node)) walk(child, childKey);
    }
  };
  const { panels, templating } = dashboard as { panels: unknown; templating: { list: unknown[] } };
  walk(panels, null);
  // A datasource variable's query is a plugin id, not PromQL.
  const variables = templating.list.filter((v) => (v as { type?: string }).type === 'query');
  walk(variables, null);
  return exprs;
}

interface AlertRule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: { severity?: string };
  annotations?: { summary?: string; description?: string };
}

function alertRules(rules: unknown): AlertRule[] {
  const { groups } = rules as { groups: { name: string; rules: AlertRule[] }[] };
  return groups.flatMap((group) => group.rules);
}

describe('PromQL metric names', () => {
  const exported = exportedMetrics(
    [
      '# TYPE omaum_requests_seconds histogram',
      '# TYPE omaum_known_total counter',
      '# TYPE up_and_about gauge',
    ].join('\n'),
  );

  it('finds metric names and nothing else in an expression', () => {
    const expr =
      'histogram_quantile(0.95, sum by (le, route) (rate(' +
      'omaum_made_up_seconds_bucket{route=~"/api.*", instance=~"$instance"}[$__rate_interval])))' +
      ' / on (instance) group_left sum without (job) (omaum_other_total offset 5m)' +
      ' > 1.5e9 and min_over_time(max by (queue) (omaum_queue_depth{state="x"})[30m:1m]) > 0' +
      ' unless bool up{job="omaum"} == 0';
    assert.deepEqual(metricNamesIn(expr), [
      'omaum_made_up_seconds_bucket',
      'omaum_other_total',
      'omaum_queue_depth',
      'up',
    ]);
  });

  it('reads the selector of a label_values variable, not its label', () => {
    assert.deepEqual(metricNamesIn(grafanaQueryExpr('label_values(up{job="omaum"}, instance)')), [
      'up',
    ]);
  });

  it('accepts exported names, histogram series and up, and reports made-up names', () => {
    const unknown = unknownMetrics(
      [
        'rate(omaum_requests_seconds_bucket[5m])',
        'omaum_requests_seconds_count + omaum_known_total',
        'up == 0',
        'sum(rate(omaum_made_up_total[5m])) + omaum_known_total_bucket',
      ],
      exported,
    );
    assert.deepEqual(
      unknown.map((entry) => entry.name),
      ['omaum_known_total_bucket', 'omaum_made_up_total'],
    );
  });
});

describe('the files in deploy/', () => {
  let t: TestApp;
  let exported: Map<string, string>;

  before(async () => {
    t = await createTestApp('sqlite');
    // Loopback and no proxy: /metrics answers without the token.
    const scrape = await t.app.inject({ url: '/metrics' });
    assert.equal(scrape.statusCode, 200);
    exported = exportedMetrics(scrape.body);
  });
  after(() => t.close());

  it('reads the exported metrics from a real scrape', () => {
    for (const name of ['omaum_http_request_duration_seconds', 'process_cpu_seconds_total']) {
      assert.ok(exported.has(name), name);
    }
    assert.equal(exported.get('omaum_http_request_duration_seconds'), 'histogram');
    // Near misses of real names are caught too.
    const wrong = unknownMetrics(
      ['rate(omaum_http_request_duration_seconds_total[5m]) + omaum_cache_hits'],
      exported,
    );
    assert.deepEqual(
      wrong.map((entry) => entry.name),
      ['omaum_cache_hits', 'omaum_http_request_duration_seconds_total'],
    );
  });

  it('has a dashboard whose every query names exported metrics', () => {
    const dashboard = readJson('grafana/omaum-dashboard.json') as { uid?: string; title?: string };
    assert.equal(dashboard.uid, 'omaum-overview');
    const exprs = dashboardExprs(dashboard);
    assert.ok(exprs.length >= 20, `only ${exprs.length} queries found`);
    assert.deepEqual(unknownMetrics(exprs, exported), []);
    const used = new Set(exprs.flatMap(metricNamesIn));
    for (const name of [
      'omaum_http_request_duration_seconds_bucket',
      'omaum_db_queries_per_request_sum',
      'omaum_slow_queries_total',
      'omaum_n_plus_one_total',
      'omaum_cache_hits_total',
      'omaum_queue_jobs',
      'omaum_jobs_total',
      'omaum_rate_limit_rejections_total',
      'omaum_blocked_requests_total',
      'omaum_security_events_total',
      'process_resident_memory_bytes',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.ok(used.has(name), `the dashboard does not show ${name}`);
    }
  });

  it('has alert rules that name exported metrics and say what to do', () => {
    const rules = alertRules(readYaml('prometheus/omaum-alerts.yml'));
    assert.ok(rules.length >= 10, `only ${rules.length} rules`);
    const names = rules.map((rule) => rule.alert);
    assert.equal(new Set(names).size, names.length, 'alert names repeat');
    for (const rule of rules) {
      assert.match(rule.alert ?? '', /^Omaum[A-Z]\w+$/);
      assert.ok(rule.expr && rule.expr.trim() !== '', `${rule.alert} has no expr`);
      assert.match(rule.labels?.severity ?? '', /^(critical|warning|info)$/, rule.alert);
      assert.ok(rule.annotations?.summary, `${rule.alert} has no summary`);
      if (rule.for !== undefined) assert.match(rule.for, /^\d+[smh]$/, rule.alert);
    }
    const exprs = rules.map((rule) => rule.expr ?? '');
    assert.deepEqual(unknownMetrics(exprs, exported), []);
    assert.ok(exprs.some((expr) => /\bup\{job="omaum"\} == 0/.test(expr)));
  });

  it('has a scrape config with the bearer token, the rules and the job the queries name', () => {
    const config = readYaml('prometheus/prometheus.yml') as {
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        metrics_path: string;
        authorization?: { type?: string; credentials_file?: string };
      }[];
    };
    for (const file of config.rule_files) {
      assert.ok(fs.existsSync(path.join(DEPLOY, 'prometheus', file)), file);
    }
    const [scrape] = config.scrape_configs;
    assert.ok(scrape);
    assert.equal(scrape.metrics_path, '/metrics');
    assert.equal(scrape.authorization?.type, 'Bearer');
    assert.ok(scrape.authorization.credentials_file);

    const exprs = [
      ...dashboardExprs(readJson('grafana/omaum-dashboard.json')),
      ...alertRules(readYaml('prometheus/omaum-alerts.yml')).map((rule) => rule.expr ?? ''),
    ];
    const jobs = new Set(exprs.flatMap((expr) => [...expr.matchAll(/job="([^"]*)"/g)]));
    assert.deepEqual(
      [...jobs].map((match) => match[1]).filter((job) => job !== scrape.job_name),
      [],
    );
  });
});
