// The Grafana dashboard (docs/grafana/herald.json) and the operations guide must name only
// metrics and labels the services export, and the README must link the observability docs and
// every HTTP API's reference. Each service's metrics registry is built here as its service.ts
// builds it — createMetrics({ service }) plus the service's own factory — without Kafka, and
// read back; no broker is needed.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Registry } from 'prom-client';
import { createMetrics, describeConfig, sharedConfigSpec, type ConfigSpec } from '@herald/runtime';
import { publisherConfigSpec } from '@herald/publisher';
import { replayConfigSpec } from '@herald/replay';
import { routerConfigSpec } from '@herald/router';
import { createRegistryMetrics, registryConfigSpec, RegistryState } from '@herald/schema-registry';
// The publisher's, router's and replay service's metric factories are not in their packages'
// exports (nothing outside the service needs them), so they come from the source.
import { createPublisherMetrics } from '../../services/publisher/src/metrics.js';
import { createReplayMetrics } from '../../services/replay/src/metrics.js';
import { createRouterMetrics } from '../../services/router/src/metrics.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

const services: Record<string, { spec: ConfigSpec; register: (registry: Registry) => unknown }> = {
  publisher: { spec: publisherConfigSpec, register: createPublisherMetrics },
  router: { spec: routerConfigSpec, register: createRouterMetrics },
  replay: { spec: replayConfigSpec, register: createReplayMetrics },
  'schema-registry': { spec: registryConfigSpec, register: (registry) => createRegistryMetrics(registry, () => new RegistryState()) },
};

/** Labels Prometheus adds when it scrapes (the target's address); never on the metric itself. */
const SCRAPE_LABELS = ['instance'];

interface ExportedMetric {
  name: string;
  type: string;
  labels: Set<string>;
  services: Set<string>;
}

/** 'counter', 'gauge', 'histogram', … — what prom-client returns, though its types say a numeric enum. */
const typeOf = (metric: { type: unknown }) => String(metric.type);

async function registries(): Promise<Map<string, Registry>> {
  const out = new Map<string, Registry>();
  for (const [service, { register }] of Object.entries(services)) {
    const { registry } = createMetrics({ service });
    register(registry);
    out.set(service, registry);
  }
  return out;
}

function labelNamesOf(registry: Registry, name: string): string[] {
  // prom-client keeps a metric's label names on the instance but does not type them.
  const labelNames = (registry.getSingleMetric(name) as unknown as { labelNames?: unknown }).labelNames;
  assert.ok(Array.isArray(labelNames), `prom-client no longer exposes labelNames on ${name}`);
  return labelNames as string[];
}

/** Every series name a query may use (a histogram's _bucket, _sum and _count), with its labels. */
async function exportedMetrics(): Promise<Map<string, ExportedMetric>> {
  const out = new Map<string, ExportedMetric>();
  const add = (name: string, type: string, labels: string[], service: string) => {
    const known = out.get(name) ?? { name, type, labels: new Set<string>(), services: new Set<string>() };
    for (const label of labels) known.labels.add(label);
    known.services.add(service);
    out.set(name, known);
  };
  for (const [service, registry] of await registries()) {
    for (const metric of await registry.getMetricsAsJSON()) {
      const labels = [...labelNamesOf(registry, metric.name), 'service', ...SCRAPE_LABELS];
      if (typeOf(metric) === 'histogram') {
        add(`${metric.name}_bucket`, 'histogram', [...labels, 'le'], service);
        add(`${metric.name}_sum`, 'histogram', labels, service);
        add(`${metric.name}_count`, 'histogram', labels, service);
      } else {
        add(metric.name, typeOf(metric), labels, service);
      }
    }
  }
  return out;
}

const METRIC_NAME = /\b(?:herald|process|nodejs)_[a-z0-9_]+\b/g;
const QUOTED = /"(?:[^"\\]|\\.)*"/g;

/** What is wrong with one PromQL expression (or Grafana label_values query), if anything. */
function queryProblems(query: string, known: Map<string, ExportedMetric>): string[] {
  const problems: string[] = [];
  const unquoted = query.replace(QUOTED, '""');
  const names = [...new Set(unquoted.match(METRIC_NAME) ?? [])];
  if (names.length === 0) problems.push('names no Herald, process or Node.js metric');
  for (const name of names) if (!known.has(name)) problems.push(`unknown metric ${name}`);
  const hasLabel = (name: string, label: string) => known.get(name)?.labels.has(label) ?? true;
  for (const m of unquoted.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)) {
    const name = m[1]!;
    for (const matcher of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
      if (!hasLabel(name, matcher[1]!)) problems.push(`${name} has no label ${matcher[1]}`);
    }
  }
  for (const m of unquoted.matchAll(/label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)[^,]*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)/g)) {
    if (!hasLabel(m[1]!, m[2]!)) problems.push(`${m[1]} has no label ${m[2]}`);
  }
  // Grouping labels must exist on every metric the expression reads: each query here
  // aggregates one metric, or several with the same labels.
  const grouped = [...unquoted.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()).filter(Boolean));
  for (const label of grouped) for (const name of names) if (!hasLabel(name, label)) problems.push(`${name} has no label ${label} (by/without)`);
  return problems;
}

interface Target {
  expr?: string;
}
interface Panel {
  title?: string;
  type?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  __inputs?: Array<{ name: string; type: string; pluginId: string }>;
  panels: Panel[];
  templating?: { list: Array<{ name: string; query: string | { query: string } }> };
}

function loadDashboard(): Dashboard {
  return JSON.parse(read('docs/grafana/herald.json')) as Dashboard;
}

function panelsOf(dashboard: Dashboard): Panel[] {
  const flat = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flat(p.panels ?? [])]);
  return flat(dashboard.panels);
}

/** Every query of the dashboard, named by where it is. */
function queriesOf(dashboard: Dashboard): Array<{ where: string; query: string }> {
  const queries = panelsOf(dashboard).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, query: t.expr ?? '' })));
  for (const v of dashboard.templating?.list ?? []) queries.push({ where: `variable $${v.name}`, query: typeof v.query === 'string' ? v.query : v.query.query });
  return queries;
}

function dashboardProblems(dashboard: Dashboard, known: Map<string, ExportedMetric>): string[] {
  return queriesOf(dashboard).flatMap(({ where, query }) => queryProblems(query, known).map((p) => `${where}: ${p}; query: ${query}`));
}

test('every service names its metrics herald_<service>_*, counters _total, durations _seconds, with a service label', async () => {
  for (const [service, registry] of await registries()) {
    const prefix = `herald_${service.replaceAll('-', '_')}_`;
    for (const metric of await registry.getMetricsAsJSON()) {
      if (!metric.name.startsWith('herald_')) continue; // prom-client's process and Node.js metrics
      // The one shared metric: the same histogram in every service, told apart by `service`.
      if (metric.name !== 'herald_http_request_duration_seconds') assert.ok(metric.name.startsWith(prefix), `${service}: ${metric.name} does not start with ${prefix}`);
      if (typeOf(metric) === 'counter') assert.match(metric.name, /_total$/, `${service}: counter ${metric.name}`);
      else assert.doesNotMatch(metric.name, /_total$/, `${service}: ${typeOf(metric)} ${metric.name} ends in _total`);
      if (typeOf(metric) === 'histogram') assert.match(metric.name, /_seconds$/, `${service}: histogram ${metric.name}`);
    }
    const samples = (await registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    assert.ok(samples.length > 0);
    for (const line of samples) assert.ok(line.includes(`service="${service}"`), `${service}: no service label on ${line}`);
  }
});

test('no metric label is one Prometheus sets when it scrapes', async () => {
  for (const [service, registry] of await registries()) {
    for (const metric of await registry.getMetricsAsJSON()) {
      for (const label of labelNamesOf(registry, metric.name)) assert.ok(!['job', 'instance'].includes(label), `${service}: ${metric.name} has a label ${label}`);
    }
  }
});

test('the dashboard uses only metrics and labels the services export', async () => {
  const dashboard = loadDashboard();
  const known = await exportedMetrics();
  assert.ok(queriesOf(dashboard).length > 20);
  assert.deepEqual(dashboardProblems(dashboard, known), []);
});

test('the dashboard check catches a made-up metric and a made-up label', async () => {
  const known = await exportedMetrics();
  const dashboard = loadDashboard();
  const target = panelsOf(dashboard).find((p) => p.targets?.some((t) => t.expr?.includes('herald_router_subscription_lag_seconds')))!.targets![0]!;
  const copy = structuredClone(dashboard);
  const copied = panelsOf(copy).flatMap((p) => p.targets ?? []).find((t) => t.expr === target.expr)!;
  copied.expr = target.expr!.replace('herald_router_subscription_lag_seconds', 'herald_router_subscription_lag_minutes');
  assert.deepEqual(
    dashboardProblems(copy, known).map((p) => p.split('; query: ')[0]),
    ['panel "Lag in seconds per subscription": unknown metric herald_router_subscription_lag_minutes'],
  );
  copied.expr = 'max by (partition) (herald_router_subscription_lag_seconds{subscription=~"$subscription"})';
  assert.match(dashboardProblems(copy, known).join('\n'), /herald_router_subscription_lag_seconds has no label partition/);
  copied.expr = 'sum(rate(herald_publisher_events_total{subscription="x"}[5m]))';
  assert.match(dashboardProblems(copy, known).join('\n'), /herald_publisher_events_total has no label subscription/);
});

test('the dashboard is an importable Grafana dashboard over a ${DS_PROMETHEUS} input with the panels operators need', () => {
  const dashboard = loadDashboard();
  assert.deepEqual(
    dashboard.__inputs?.map((i) => [i.name, i.type, i.pluginId]),
    [['DS_PROMETHEUS', 'datasource', 'prometheus']],
  );
  const panels = panelsOf(dashboard).filter((p) => p.type !== 'row');
  for (const panel of panels) {
    assert.equal(panel.datasource?.uid, '${DS_PROMETHEUS}', `panel "${panel.title}" datasource`);
    assert.ok((panel.targets ?? []).length > 0, `panel "${panel.title}" has no query`);
  }
  const used = queriesOf(dashboard).map((q) => q.query).join('\n');
  for (const metric of [
    'herald_publisher_events_total',
    'herald_publisher_publish_duration_seconds_bucket',
    'herald_router_delivered_total',
    'herald_router_subscription_lag_seconds',
    'herald_router_dead_lettered_total',
    'herald_router_quarantined_total',
    'herald_replay_rate_events_per_second',
    'herald_replay_checkpoint_age_seconds',
    'herald_replay_jobs',
    'herald_http_request_duration_seconds_count',
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
  ]) {
    assert.match(used, new RegExp(`\\b${metric}\\b`), `no panel shows ${metric}`);
  }
});

test('the operations guide names only settings and metrics that exist', async () => {
  const guide = read('docs/operations.md');
  const settings = new Set([sharedConfigSpec, ...Object.values(services).map((s) => s.spec)].flatMap((spec) => describeConfig(spec).map((s) => s.env)));
  const named = [...new Set(guide.match(/\bHERALD_[A-Z0-9_]+\b/g) ?? [])];
  assert.ok(named.length > 10);
  for (const name of named) assert.ok(settings.has(name), `docs/operations.md names ${name}, which no service reads`);
  const known = await exportedMetrics();
  const histograms = new Set([...known.values()].filter((m) => m.type === 'histogram').map((m) => m.name.replace(/_(bucket|sum|count)$/, '')));
  for (const name of new Set(guide.match(METRIC_NAME) ?? [])) {
    assert.ok(known.has(name) || histograms.has(name), `docs/operations.md names the metric ${name}, which no service exports`);
  }
});

test('the README links the dashboard, the operations guide and every HTTP API reference and OpenAPI document', () => {
  const readme = read('README.md');
  const section = /^## Observability\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  assert.ok(section, 'README has no "## Observability" section');
  const links = new Set([...section.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!));
  for (const path of ['docs/grafana/herald.json', 'docs/operations.md', 'docs/publisher-api.md', 'docs/router-api.md', 'docs/replay-api.md', 'docs/schema-registry.md']) {
    assert.ok(links.has(path), `the Observability section does not link ${path}`);
    assert.ok(existsSync(new URL(path, root)), `${path} does not exist`);
  }
  // The schema registry speaks Confluent's API and serves no OpenAPI document; the others do.
  for (const service of ['publisher', 'router', 'replay']) {
    const port = describeConfig(services[service]!.spec).find((s) => s.env.endsWith('_PORT'))!.default;
    assert.ok(links.has(`http://localhost:${port}/openapi.json`), `the Observability section does not link the ${service}'s /openapi.json (port ${port})`);
  }
});
