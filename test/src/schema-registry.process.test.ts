// The registry as it is deployed: the built bundle, configured by environment only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deleteTopicAfter, kafkaBrokers, uniqueName } from './helpers/kafka.js';
import { startServiceProcess } from './helpers/process.js';

test('malformed and unknown settings stop the service at once, naming each variable', async (t) => {
  const proc = startServiceProcess(t, 'schema-registry', {
    HERALD_SCHEMA_REGISTRY_PORT: 'eighty',
    HERALD_SCHEMA_REGISTRY_DEFAULT_COMPATIBILITY: 'SOMETIMES',
    HERALD_KAFKA_BROKER: 'localhost:9092',
    HERALD_PUBLISHER_PORT: '8080',
  });
  const { code } = await proc.exited;
  assert.equal(code, 2);
  const stderr = proc.stderr();
  assert.match(stderr, /HERALD_SCHEMA_REGISTRY_PORT must be an integer, got 'eighty'/);
  assert.match(stderr, /HERALD_SCHEMA_REGISTRY_DEFAULT_COMPATIBILITY must be one of NONE, BACKWARD/);
  assert.match(stderr, /HERALD_KAFKA_BROKER is not a known setting \(did you mean HERALD_KAFKA_BROKERS\?\)/);
  assert.doesNotMatch(stderr, /HERALD_PUBLISHER_PORT/, "another service's setting is not this one's business");
});

test('the bundle serves, reports ready only with Kafka, logs JSON, and stops cleanly on SIGTERM', async (t) => {
  const topic = uniqueName('_schemas');
  deleteTopicAfter(t, topic);
  const proc = startServiceProcess(t, 'schema-registry', {
    HERALD_KAFKA_BROKERS: (await kafkaBrokers()).join(','),
    HERALD_SCHEMA_REGISTRY_PORT: '0',
    HERALD_SCHEMA_REGISTRY_HOST: '127.0.0.1',
    HERALD_SCHEMA_REGISTRY_TOPIC: topic,
    HERALD_SCHEMA_REGISTRY_TOPIC_REPLICATION_FACTOR: '1',
  });
  const listening = await proc.waitForLog((l) => l.msg === 'schema registry listening');
  const url = String(listening.url);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', checks: { kafka: 'ok', schemas: 'ok' } });
  const registered = await fetch(`${url}/subjects/s/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: '"string"' }),
  });
  assert.equal(registered.status, 200);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /herald_schema_registry_subjects\{service="schema-registry"\} 1/);
  assert.match(metrics, /process_cpu_user_seconds_total/);

  proc.child.kill('SIGTERM');
  const { code } = await proc.exited;
  assert.equal(code, 0);
  const logs = proc
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: string; msg: string; service: string });
  assert.ok(logs.every((l) => l.service === 'schema-registry' && typeof l.level === 'string'));
  assert.deepEqual(logs.slice(-2).map((l) => l.msg), ['shutting down', 'stopped']);
});
