// Durability on a 3-node cluster (replication factor 3, min.insync.replicas 2): a broker is
// killed with SIGKILL during 30 seconds of steady publishing; every event the publisher
// acknowledged is afterwards in the topic exactly once, and in publish order per key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { fromKafkaMessage } from '@herald/envelope';
import { LocalKafka } from '@herald/local-kafka';
import { cleanup } from './helpers/kafka.js';
import { declareRideType, readUntilAll, startTestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a broker killed with SIGKILL during steady publishing loses no acknowledged event and breaks no per-key order', { timeout: 300_000 }, async (t) => {
  const cluster = new LocalKafka({
    name: 'publish-cluster',
    nodes: [1, 2, 3].map((nodeId) => ({ nodeId, port: 19300 + nodeId, controllerPort: 19310 + nodeId })),
    heapMb: 768,
  });
  await cluster.start({ fresh: true });
  cleanup(t, () => cluster.wipe());
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, {
    registryUrl: registry.url,
    brokers: cluster.brokers,
    env: { HERALD_PUBLISHER_TOPIC_REPLICATION_FACTOR: '3', HERALD_PUBLISHER_RATE_LIMIT: '1000000', HERALD_PUBLISHER_RATE_BURST: '1000000' },
  });
  const { name, topic } = await declareRideType(t, publisher, { topic: { partitions: 6 } });

  const kafka = new Kafka({ clientId: 'cluster-check', brokers: cluster.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  cleanup(t, () => admin.disconnect());
  const [config] = (await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas'] }] })).resources;
  assert.equal(config?.configEntries[0]?.configValue, '2');
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  for (const p of metadata.topics[0]!.partitions) assert.equal(p.replicas.length, 3);

  // Each client owns its keys and publishes one request after another; `sequence` is its order.
  const acknowledged = new Map<string, { key: string; seq: number; at: string; batch: number }>();
  let refused = 0;
  let running = true;
  const clients = Array.from({ length: 4 }, async (_, c) => {
    let seq = 0;
    while (running) {
      const events = Array.from({ length: c % 2 === 0 ? 1 : 20 }, () => {
        const n = seq++;
        return { data: { rideId: `c${c}-k${n % 12}`, riderId: 'x', seq: n }, sequence: String(n) };
      });
      const res = await publisher.call<{ events: Array<{ id: string; partition: number; offset: string }> }>('writer', 'POST', `/v1/events/${name}`, events.length === 1 ? events[0] : events);
      if (res.status === 201) {
        res.body.events.forEach((e, i) =>
          acknowledged.set(e.id, { key: events[i]!.data.rideId, seq: Number(events[i]!.sequence), at: `${e.partition}:${e.offset}`, batch: events.length }),
        );
      }
      else {
        assert.equal(res.status, 503, JSON.stringify(res.body));
        refused++;
        await sleep(100);
      }
    }
  });
  await sleep(10_000);
  const victim = metadata.topics[0]!.partitions[0]!.leader;
  cluster.kill(victim, 'SIGKILL');
  const killedAt = acknowledged.size;
  await sleep(20_000);
  running = false;
  await Promise.all(clients);
  assert.ok(acknowledged.size > killedAt, 'publishing went on after the broker died');

  const records = await readUntilAll(t, kafka, topic, acknowledged.keys(), 120_000);
  const copies = new Map<string, string[]>();
  const seqsByKey = new Map<string, number[]>();
  for (const r of records) {
    const { event } = fromKafkaMessage(r);
    copies.set(event.id, [...(copies.get(event.id) ?? []), `${r.partition}:${r.offset} (recorded ${event.recordedtime})`]);
    if (acknowledged.has(event.id)) seqsByKey.set(event.partitionkey, [...(seqsByKey.get(event.partitionkey) ?? []), Number(event.sequence)]);
  }
  for (const [id, ack] of acknowledged) {
    const found = copies.get(id) ?? [];
    assert.equal(found.length, 1, `acknowledged ${id} (at ${ack.at}, a batch of ${ack.batch}) is in the topic exactly once; found at ${found.join(', ')}`);
  }
  for (const [key, seqs] of seqsByKey) assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${key}: acknowledged events in publish order`);
  t.diagnostic(`${acknowledged.size} events acknowledged (${killedAt} before broker ${victim} was killed), ${refused} requests refused with 503, ${records.length} records read`);
});
