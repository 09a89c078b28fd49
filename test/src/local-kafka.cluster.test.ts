// The 3-node cluster of tools/kafka keeps a topic writable and readable with replication
// factor 3 and min.insync.replicas 2, even with one broker down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { waitForLeaders } from '@herald/kafka';
import { LocalKafka } from '@herald/local-kafka';
import { cleanup, consumeN, uniqueName } from './helpers/kafka.js';

test('the 3-node cluster serves a topic with replication factor 3 and min.insync.replicas 2', { timeout: 240_000 }, async (t) => {
  const cluster = new LocalKafka('cluster');
  await cluster.start({ fresh: true });
  cleanup(t, () => cluster.wipe());
  assert.equal(cluster.status().filter((s) => s.running).length, 3);

  const kafka = new Kafka({ clientId: 'cluster-test', brokers: cluster.brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
  const admin = kafka.admin();
  await admin.connect();
  cleanup(t, () => admin.disconnect());
  const topic = uniqueName('replicated');
  await admin.createTopics({
    waitForLeaders: false,
    topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
  await waitForLeaders(admin, topic);
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0]?.partitions ?? [];
  assert.equal(partitions.length, 3);
  for (const p of partitions) assert.deepEqual([...p.replicas].sort(), [1, 2, 3], `partition ${p.partitionId} is on all three brokers`);
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas'] }] });
  assert.equal(configs.resources[0]?.configEntries[0]?.configValue, '2');

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  cleanup(t, () => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 7}`, value: String(i) })) });

  // With one broker down, two in-sync replicas remain: acks=all writes still succeed.
  const victim = partitions[0]!.leader;
  await cluster.stopNode(victim);
  await producer.send({ topic, acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 7}`, value: String(100 + i) })) });

  const records = await consumeN(t, kafka, topic, 150, { timeoutMs: 60_000 });
  assert.deepEqual(records.map((r) => Number(r.value?.toString())).sort((a, b) => a - b), Array.from({ length: 150 }, (_, i) => i));
  await cluster.startNode(victim);
  assert.equal(cluster.status().filter((s) => s.running).length, 3);
});
