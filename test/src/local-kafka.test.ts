// The project's own Kafka provisioning: the single test broker answers produce/consume with
// idempotent and transactional producers, and a second start finds it running.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalKafka } from '@herald/local-kafka';
import { cleanup, consumeN, createTestTopic, testKafka, uniqueName } from './helpers/kafka.js';

test('the test broker takes idempotent and transactional writes and serves them back in order', async (t) => {
  const topic = await createTestTopic(t, { partitions: 3 });
  const kafka = await testKafka();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  cleanup(t, () => producer.disconnect());
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 3}`, value: String(i) })),
  });
  const transactional = kafka.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
  await transactional.connect();
  cleanup(t, () => transactional.disconnect());
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
