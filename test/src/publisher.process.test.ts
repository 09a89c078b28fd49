// The publisher as it is deployed: the built bundle, configured by environment only.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { generateAdminKey } from '@herald/auth';
import { deleteTopicAfter, kafkaBrokers, uniqueName } from './helpers/kafka.js';
import { startServiceProcess } from './helpers/process.js';
import { startRegistry } from './helpers/registry.js';

test('bad settings stop the publisher at once with exit code 2, naming each variable', async (t) => {
  const cases: Array<[Record<string, string>, RegExp[]]> = [
    [{ HERALD_PUBLISHER_MAX_BATCH_EVENTS: 'lots', HERALD_PUBLISHER_COMPRESION: 'gzip' }, [/HERALD_PUBLISHER_MAX_BATCH_EVENTS must be an integer/, /HERALD_PUBLISHER_COMPRESION is not a known setting \(did you mean HERALD_PUBLISHER_COMPRESSION\?\)/]],
    [{}, [/HERALD_SIGNING_KEYS is required/]],
    [{ HERALD_SIGNING_KEYS: JSON.stringify({ k: randomBytes(32).toString('base64') }), HERALD_API_KEYS: '[{"id": "x"}]' }, [/HERALD_API_KEYS entry 0/]],
  ];
  for (const [env, messages] of cases) {
    const proc = startServiceProcess(t, 'publisher', env);
    const { code } = await proc.exited;
    assert.equal(code, 2, proc.stderr());
    for (const message of messages) assert.match(proc.stderr(), message);
  }
});

test('the bundle serves, is ready with Kafka and the catalog, and stops cleanly on SIGTERM', async (t) => {
  const registry = await startRegistry(t);
  const eventTypesTopic = uniqueName('_herald.event-types');
  deleteTopicAfter(t, eventTypesTopic);
  const adminKey = generateAdminKey();
  const proc = startServiceProcess(t, 'publisher', {
    HERALD_KAFKA_BROKERS: (await kafkaBrokers()).join(','),
    HERALD_REGISTRY_URL: registry.url,
    HERALD_EVENT_TYPES_TOPIC: eventTypesTopic,
    HERALD_PUBLISHER_PORT: '0',
    HERALD_PUBLISHER_HOST: '127.0.0.1',
    HERALD_PUBLISHER_TOPIC_REPLICATION_FACTOR: '1',
    HERALD_SIGNING_KEYS: JSON.stringify({ k: randomBytes(32).toString('base64') }),
    HERALD_ADMIN_KEY: adminKey,
  });
  const url = String((await proc.waitForLog((l) => l.msg === 'publisher listening')).url);
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', checks: { kafka: 'ok', catalog: 'ok' } });
  const list = await fetch(`${url}/v1/event-types`, { headers: { authorization: `Bearer ${adminKey}` } });
  assert.deepEqual(await list.json(), { items: [] });
  assert.match(await (await fetch(`${url}/metrics`)).text(), /herald_publisher_kafka_available\{service="publisher"\} 1/);
  proc.child.kill('SIGTERM');
  assert.equal((await proc.exited).code, 0);
  assert.deepEqual(
    proc
      .stdout()
      .trim()
      .split('\n')
      .slice(-2)
      .map((l) => (JSON.parse(l) as { msg: string }).msg),
    ['shutting down', 'stopped'],
  );
});
