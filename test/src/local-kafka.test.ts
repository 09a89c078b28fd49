// The project's own Kafka provisioning: the single test broker answers produce/consume with
// idempotent and transactional producers, and the 3-node cluster keeps a topic writable and
// readable with replication factor 3 and min.insync.replicas 2, even with one broker down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { LocalKafka } from '@herald/local-kafka';
import { consumeN, createTestTopic, testKafka, uniqueName } from './helpers/kafka.js';

test('the test broker takes idempotent and transactional writes and serves them back in order', async (t) => {
  const topic = await createTestTopic(t, { partitions: 3 });
  const kafka = await testKafka();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: String(i) })),
  });
  const transactional = kafka.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
  await transactional.connect();
  t.after(() => transactional.disconnect());
  const aborted = await transactional.transaction();
  await aborted.send({ topic, messages: [{ key: 'k0', value: 'aborted' }] });
  await aborted.abort();
  const committed = await transactional.transaction();
  await committed.send({ topic, messages: [{ key: 'k0', value: 'committed' }] });
  await committed.commit();

  const records = await consumeN(t, kafka, topic, 31);
  const values = records.map((r) => r.value?.toString());
  assert.ok(!values.includes('aborted'), 'a read_committed consumer must not see an aborted write');
  assert.ok(values.includes('committed'));
  for (const key of ['k0', 'k1', 'k2']) {
    const perKey = records.filter((r) => r.key?.toString() === key && r.value?.toString() !== 'committed').map((r) => Number(r.value?.toString()));
    assert.deepEqual(perKey, [...perKey].sort((a, b) => a - b), `records of ${key} arrive in the order they were written`);
    assert.equal(new Set(records.filter((r) => r.key?.toString() === key).map((r) => r.partition)).size, 1, `${key} stays on one partition`);
  }
});

test('a second start finds the running test broker instead of failing', async () => {
  const kafka = new LocalKafka('test');
  if (!process.env.HERALD_TEST_KAFKA_BROKERS) await kafka.start();
  const { reused } = await kafka.start();
  assert.equal(reused, true);
  assert.ok(kafka.status().every((node) => node.running && node.pid !== null));
});

test('the 3-node cluster serves a topic with replication factor 3 and min.insync.replicas 2', { timeout: 240_000 }, async (t) => {
  const cluster = new LocalKafka('cluster');
  await cluster.start({ fresh: true });
  t.after(() => cluster.wipe());
  assert.equal(cluster.status().filter((s) => s.running).length, 3);

  const kafka = new Kafka({ clientId: 'cluster-test', brokers: cluster.brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 200 } });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const topic = uniqueName('replicated');
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0]?.partitions ?? [];
  assert.equal(partitions.length, 3);
  for (const p of partitions) assert.deepEqual([...p.replicas].sort(), [1, 2, 3], `partition ${p.partitionId} is on all three brokers`);
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas'] }] });
  assert.equal(configs.resources[0]?.configEntries[0]?.configValue, '2');

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  t.after(() => producer.disconnect());
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
