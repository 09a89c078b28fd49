import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { SUBSCRIPTION_NAME } from '@herald/catalog';
import type { HeraldAttributes } from '@herald/envelope';
import { check } from '@herald/patterns';
import { createSchemaValidators, describeConfig, type JsonSchema } from '@herald/runtime';
import { apiDocJsonBlocks, apiDocProblemCodes, examplesOf, resolvePointer, testOpenApiDocument } from '@herald/runtime/testing';
import { replayConfigSpec } from './config.js';
import { validateRewind } from './groups.js';
import type { JobView, Progress, ReplayJob } from './jobs/model.js';
import { createReplayMetrics } from './metrics.js';
import { componentSchemas, replayOpenApi, replayProblemCodes, schemaRef } from './openapi.js';
import { view } from './replays-api.js';
import { HTTP_SINK_DEFAULTS, cloudEventJson, httpTargetErrorCodes } from './sinks/http.js';

const apiDoc = readFileSync(new URL('../../../docs/replay-api.md', import.meta.url), 'utf8');
const jsonBlocks = apiDocJsonBlocks(apiDoc);
const { compileValidator } = createSchemaValidators(componentSchemas);

testOpenApiDocument({ document: replayOpenApi, apiDoc, problemCodes: replayProblemCodes, atLeast: { refs: 100, schemas: 70, examples: 9, documentedCodes: 16 } });

/** A section of the API doc: from a heading to the next one of the same level. */
function section(heading: string): string {
  const start = apiDoc.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `the API doc has a section ${heading}`);
  const level = heading.slice(0, heading.indexOf(' ') + 1);
  const end = apiDoc.indexOf(`\n${level}`, start + heading.length + 1);
  return apiDoc.slice(start, end < 0 ? undefined : end);
}

/** The backquoted names in the first column of a Markdown table. */
const firstColumn = (table: string) => [...table.matchAll(/^\| (`[^|]+) \|/gm)].flatMap(([, cell]) => [...cell!.matchAll(/`([^`]+)`/g)].map(([, name]) => name!));

test('the Problem codes are exactly the API doc table’s', () => {
  assert.deepEqual([...apiDocProblemCodes(apiDoc).keys()].sort(), [...replayProblemCodes].sort());
});

test('the patterns in the document’s examples are valid', () => {
  const examples = examplesOf(replayOpenApi);
  let patterns = 0;
  for (const [where, , example] of examples) {
    const { pattern, target } = example as { pattern?: unknown; target?: { deleteWhen?: unknown } };
    for (const [name, value] of [['pattern', pattern], ['target.deleteWhen', target?.deleteWhen]] as const) {
      if (value === undefined) continue;
      patterns++;
      assert.equal(check(value), undefined, `${where}: its ${name}`);
    }
  }
  assert.ok(patterns >= 3, `${patterns} patterns found`);
});

test('the subscription name pattern is the catalog’s', () => {
  assert.equal(replayOpenApi.components.schemas.SubscriptionName.pattern, SUBSCRIPTION_NAME.source);
});

test('the http target’s default batch size is the HTTP sink’s', () => {
  const http = replayOpenApi.components.schemas.ReplayTarget.oneOf?.find((variant) => variant.properties?.kind?.const === 'http');
  assert.equal(http?.properties?.batchSize?.default, HTTP_SINK_DEFAULTS.batchSize);
});

test('the API doc’s fields table is ReplayRequest’s fields, through its refs and variants', () => {
  const fieldsOf = (prefix: string, schema: JsonSchema): string[] => {
    const resolved = schema.$ref ? (resolvePointer(replayOpenApi, schema.$ref) as JsonSchema) : schema;
    const variants = resolved.oneOf ?? [resolved];
    if (!variants.some((variant) => variant.properties)) return [prefix.slice(0, -1)];
    return variants.flatMap((variant) => Object.entries(variant.properties ?? {}).flatMap(([field, inner]) => fieldsOf(`${prefix}${field}.`, inner)));
  };
  const table = apiDoc.slice(apiDoc.indexOf('Fields a client sends'), apiDoc.indexOf('Unknown fields are'));
  assert.deepEqual([...new Set(fieldsOf('', schemaRef('ReplayRequest')))].sort(), firstColumn(table).sort());
});

test('the API doc’s job resource is a Replay, and its progress figures are what the service computes', () => {
  const resource = jsonBlocks[0] as JobView;
  assert.equal(resource.kind, 'replay');
  assert.deepEqual(compileValidator(schemaRef('Replay'))(resource), { ok: true, value: resource });
  assert.equal(check(resource.spec.pattern), undefined);
  const { id, kind, owner, spec, control, state, phase, counts, partitions, rate, createdAt, startedAt, updatedAt } = resource;
  const job: ReplayJob = { name: id, kind, owner, spec, control, revision: 1, createdAt, updatedAt: createdAt };
  const segments = partitions.map(({ remaining: _remaining, ...segment }) => segment);
  const progress: Progress = { name: id, state, phase: phase!, segments, counts, rate, startedAt: startedAt!, updatedAt };
  assert.deepEqual(view(job, progress), resource);
  assert.deepEqual(compileValidator(schemaRef('ReplayList'))({ items: [resource] }), { ok: true, value: { items: [resource] } });
});

test('the API doc’s replay requests are valid, patterns included', () => {
  const requests = jsonBlocks.slice(1, 4) as Array<{ pattern?: unknown; target: { kind: string; deleteWhen?: unknown } }>;
  assert.deepEqual(
    requests.map((r) => r.target.kind),
    ['postgres', 'topic', 'http'],
  );
  for (const request of requests) {
    assert.deepEqual(compileValidator(schemaRef('ReplayRequest'))(request), { ok: true, value: request });
    for (const pattern of [request.pattern, request.target.deleteWhen]) if (pattern !== undefined) assert.equal(check(pattern), undefined);
  }
});

test('the API doc’s HTTP batch is what the HTTP sink posts', () => {
  const batch = jsonBlocks[4] as Array<Record<string, unknown>>;
  assert.ok(Array.isArray(batch) && batch.length > 0);
  for (const event of batch) {
    const { data, ...attributes } = event;
    assert.deepEqual(cloudEventJson({ attributes: attributes as unknown as HeraldAttributes, data }), event);
  }
});

test('the API doc’s redrive and rewind bodies, the rewind answer and the problem are valid', () => {
  const [redrive, rewind, rewound, problem] = jsonBlocks.slice(5) as [{ pattern: unknown }, Record<string, unknown>, unknown, Record<string, unknown>];
  assert.equal(jsonBlocks.length, 9, 'the API doc’s JSON blocks, in order: resource, 3 requests, HTTP batch, redrive, rewind, its answer, a problem');
  assert.deepEqual(compileValidator(schemaRef('RedriveRequest'))(redrive), { ok: true, value: redrive });
  assert.equal(check(redrive.pattern), undefined);
  assert.deepEqual(compileValidator(schemaRef('RewindRequest'))(rewind), { ok: true, value: rewind });
  assert.ok(validateRewind(rewind).ok, 'the rewinder takes it');
  assert.deepEqual(compileValidator(schemaRef('RewindResult'))(rewound), { ok: true, value: rewound });
  assert.deepEqual(compileValidator(schemaRef('Problem'))(problem), { ok: true, value: problem });
  assert.equal(compileValidator(schemaRef('Problem'))({ ...problem, code: 'bad_offsets' }).ok, false);
});

test('the API doc’s job error table lists the codes a job can fail with', () => {
  // Codes the job code raises itself; `fenced` is a takeover, never a failure.
  const sources = readdirSync(new URL('.', import.meta.url), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
  const raised = sources.flatMap((file) => [...readFileSync(new URL(file, import.meta.url), 'utf8').matchAll(/new JobError\(\s*'([a-z_]+)'/g)].map(([, code]) => code!));
  assert.ok(raised.includes('too_many_keys'), 'the sources were read');
  // Beside them: the HTTP sink's errors, a value a column cannot take while writing (the other
  // table errors are found when the table is opened: invalid_target), and anything else.
  const expected = new Set([...raised.filter((code) => code !== 'fenced'), ...httpTargetErrorCodes, 'unsupported_schema', 'internal']);
  assert.deepEqual(firstColumn(section('## Job errors')).sort(), [...expected].sort());
});

test('the API doc’s metrics table lists the service’s metrics', () => {
  const registry = new Registry();
  createReplayMetrics(registry);
  const names = registry.getMetricsAsArray().map((metric) => metric.name);
  assert.deepEqual(firstColumn(section('## Metrics')).sort(), names.sort());
});

test('the settings the API doc names exist', () => {
  const known = new Set(describeConfig(replayConfigSpec).map((s) => s.env));
  const named = new Set([...apiDoc.matchAll(/HERALD_REPLAY_[A-Z0-9_]+/g)].map(([name]) => name));
  assert.ok(named.size >= 8, `${named.size} settings named`);
  for (const name of named) assert.ok(known.has(name), `${name} is a setting of the replay service`);
});
