// @herald/kafka on the real broker: topics created and checked, a follower that knows how far
// it has read, and a readiness check that fails fast when Kafka is gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { TopicFollower, TopicMismatchError, ensureTopic, kafkaReadinessCheck, type FollowedRecord } from '@herald/kafka';
import { createLogger } from '@herald/runtime';
import { cleanup, createTestTopic, deleteTopicAfter, testKafka, uniqueName } from './helpers/kafka.js';

const quiet = createLogger({ service: 'test', level: 'silent' });

test('ensureTopic creates a topic once and refuses an existing one with the wrong settings', async (t) => {
  const kafka = await testKafka();
  const admin = kafka.admin();
  await admin.connect();
  cleanup(t, () => admin.disconnect());
  const topic = uniqueName('ensure');
  deleteTopicAfter(t, topic);
  const spec = { topic, partitions: 1, configs: { 'cleanup.policy': 'compact' }, require: { partitions: true, configs: ['cleanup.policy'] } };
  assert.equal(await ensureTopic(admin, spec), 'created');
  assert.equal(await ensureTopic(admin, spec), 'exists');

  const wrong = await createTestTopic(t, { partitions: 3, configs: { 'cleanup.policy': 'delete' } });
  await assert.rejects(ensureTopic(admin, { ...spec, topic: wrong }), (err: unknown) => {
    assert.ok(err instanceof TopicMismatchError);
    assert.match(err.message, /has 3 partitions, needs 1/);
    assert.match(err.message, /has cleanup\.policy=delete, needs compact/);
    return true;
  });
});

test('a follower applies every committed record in order and waits for a given offset', async (t) => {
  const kafka = await testKafka();
  const topic = await createTestTopic(t, { partitions: 2 });
  const producer = kafka.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  cleanup(t, () => producer.disconnect());
  const write = async (values: string[], commit: boolean) => {
    const tx = await producer.transaction();
    const meta = await tx.send({ topic, messages: values.map((v) => ({ key: v.split(':')[0]!, value: v, partition: Number(v.split(':')[0]) })) });
    if (commit) await tx.commit();
    else await tx.abort();
    return meta;
  };
  await write(['0:a', '0:b', '1:c'], true);
  await write(['0:aborted'], false);

  const seen: FollowedRecord[] = [];
  const follower = new TopicFollower({ kafka, topic, logger: quiet, groupIdPrefix: 'test-follower', onRecord: (r) => void seen.push(r) });
  cleanup(t, () => follower.stop());
  await follower.start();
  // start() returns caught up: the aborted transaction (and its marker) is behind the position.
  assert.deepEqual(seen.map((r) => r.value?.toString()).sort(), ['0:a', '0:b', '1:c']);
  assert.deepEqual(seen.filter((r) => r.partition === 0).map((r) => r.value?.toString()), ['0:a', '0:b']);
  const ends = await (async () => {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    return offsets;
  })();
  for (const { partition, high } of ends) assert.ok(follower.position(partition) >= BigInt(high), `partition ${partition} read to its end`);

  const [meta] = await write(['1:later'], true);
  assert.ok(meta?.baseOffset !== undefined);
  await follower.waitFor(1, BigInt(meta.baseOffset) + 1n, 10_000);
  assert.equal(seen.at(-1)?.value?.toString(), '1:later');
  await assert.rejects(follower.waitFor(1, 1000n, 300), /not read up to offset 1000 within 300 ms/);
});

test('the Kafka readiness check passes on the broker and fails fast without one', async (t) => {
  const live = kafkaReadinessCheck(await testKafka());
  cleanup(t, () => live.close());
  await live();
  // A port nothing listens on; a probe client does not retry.
  const dead = new Kafka({ clientId: 'dead', brokers: ['localhost:1'], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const started = Date.now();
  const probe = kafkaReadinessCheck(dead);
  cleanup(t, () => probe.close());
  await assert.rejects(probe(), /Kafka is not reachable/);
  assert.ok(Date.now() - started < 2000, `failed in ${Date.now() - started} ms`);
});

test('kafkajs carries the patch that stops a partly failed send from writing twice (patches/kafkajs+2.2.4.patch)', async () => {
  const { createRequire } = await import('node:module');
  const { readFileSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const root = dirname(createRequire(import.meta.url).resolve('kafkajs/package.json'));
  const source = readFileSync(join(root, 'src', 'producer', 'sendMessages.js'), 'utf8');
  assert.match(source, /Promise\.allSettled\(requests\)/, 'run npm install (its postinstall applies patches/ with patch-package)');
});

test('kafkajs encodes a record header in a buffer of its size, not 512 zeroed bytes, and the bytes are those of the protocol (patches/kafkajs+2.2.4.patch)', async () => {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const Header = require('kafkajs/src/protocol/recordBatch/header/v0') as (h: { key: string; value: Buffer | string }) => { buf: Buffer; buffer: Buffer };
  const encoded = Header({ key: 'ce_type', value: Buffer.from('com.acme.rides.ride.requested') });
  assert.ok(encoded.buf.length < 128, `the header encoder allocated ${encoded.buf.length} bytes`);
  // varint(7) · "ce_type" · varint(29) · value (zigzag varints: 7 → 14, 29 → 58)
  assert.deepEqual(encoded.buffer, Buffer.concat([Buffer.from([14]), Buffer.from('ce_type'), Buffer.from([58]), Buffer.from('com.acme.rides.ride.requested')]));
});
