// Kafka goes away under a publisher: requests get a fast 503 (never a hang, never an
// acknowledgement without Kafka's), and once Kafka is back every acknowledged event is there.
// The broker here is the test's own, so stopping it disturbs no other test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { LocalKafka } from '@herald/local-kafka';
import { fromKafkaMessage } from '@herald/envelope';
import { cleanup } from './helpers/kafka.js';
import { declareRideType, readUntilAll, startTestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('with the broker stopped, publishes get 503 within two seconds; after it returns, every acknowledged event is in the topic', { timeout: 240_000 }, async (t) => {
  const broker = new LocalKafka({ name: 'outage', nodes: [{ nodeId: 1, port: 39192, controllerPort: 39193 }], heapMb: 768 });
  await broker.start({ fresh: true });
  cleanup(t, () => broker.wipe());
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, {
    registryUrl: registry.url,
    brokers: broker.brokers,
    // 1 s to wait for an acknowledgement leaves room under 2 s on a busy CI machine.
    env: { HERALD_PUBLISHER_RATE_LIMIT: '100000', HERALD_PUBLISHER_RATE_BURST: '100000', HERALD_PUBLISHER_ACK_TIMEOUT_MS: '1000' },
  });
  const { name, topic } = await declareRideType(t, publisher);

  const acknowledged = new Set<string>();
  const outcomes: Array<{ status: number; ms: number; during: 'up' | 'down' | 'back'; retryAfter: string | null }> = [];
  let phase: 'up' | 'down' | 'back' = 'up';
  let running = true;
  let seq = 0;
  // Three clients publishing steadily, single events and small batches, through the whole outage.
  const clients = Array.from({ length: 3 }, async (_, c) => {
    while (running) {
      const events = Array.from({ length: c === 0 ? 1 : 5 }, () => ({ data: { rideId: `r-${c}-${seq % 7}`, riderId: 'x', seq: seq++ } }));
      const started = Date.now();
      const res = await publisher.call<{ events: Array<{ id: string }> }>('writer', 'POST', `/v1/events/${name}`, events.length === 1 ? events[0] : events);
      outcomes.push({ status: res.status, ms: Date.now() - started, during: phase, retryAfter: res.headers.get('retry-after') });
      if (res.status === 201) for (const e of res.body.events) acknowledged.add(e.id);
      else await sleep(50);
    }
  });

  await sleep(1500);
  const beforeOutage = acknowledged.size;
  assert.ok(beforeOutage > 0, 'events were acknowledged before the outage');
  await broker.stopNode(1);
  phase = 'down';
  await sleep(4000);
  const down = outcomes.filter((o) => o.during === 'down');
  await broker.startNode(1);
  phase = 'back';
  const deadline = Date.now() + 60_000;
  while (!outcomes.some((o) => o.during === 'back' && o.status === 201) && Date.now() < deadline) await sleep(200);
  await sleep(1000);
  running = false;
  await Promise.all(clients);

  assert.ok(down.length >= 10, `requests kept coming during the outage (${down.length})`);
  const refused = down.filter((o) => o.status !== 201);
  assert.ok(refused.length > 0, 'requests were refused while Kafka was down');
  for (const o of refused) {
    assert.equal(o.status, 503, `a refused publish is a 503, got ${o.status}`);
    assert.equal(o.retryAfter, '1');
  }
  const slowest = Math.max(...down.map((o) => o.ms));
  assert.ok(slowest < 2000, `every request during the outage was answered within 2 s (slowest ${slowest} ms)`);
  assert.ok(outcomes.some((o) => o.during === 'back' && o.status === 201), 'publishing resumed after Kafka came back');

  const kafka = new Kafka({ clientId: 'outage-check', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const records = await readUntilAll(t, kafka, topic, acknowledged, 60_000);
  const ids = records.map((r) => fromKafkaMessage(r).event.id);
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const id of acknowledged) assert.equal(counts.get(id), 1, `acknowledged event ${id} is in the topic exactly once`);
  assert.equal(counts.size, records.length, 'no event is in the topic twice');
  t.diagnostic(`acknowledged ${acknowledged.size} events (${beforeOutage} before the outage); ${down.length} requests during it, slowest ${slowest} ms; ${records.length} records in the topic`);
});
