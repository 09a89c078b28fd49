// Rewinding a subscriber's consumer group on the real broker: refused while a consumer is in the
// group, a dry run that changes nothing, a rewind to a time that real consumers then read from,
// and the requests refused before anything is touched (offsets out of range, grants, body).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Admin, Kafka } from 'kafkajs';
import type { Principal } from '@herald/auth';
import { DEFAULT_RETRY_POLICY, type Subscription } from '@herald/catalog';
import { GroupRewinder } from '@herald/replay';
import { HttpProblem, type ProblemCode } from '@herald/runtime';
import { cleanup, createTestTopic, testKafka, uniqueName } from './helpers/kafka.js';

const RIDE_REQUESTED = 'com.acme.rides.ride.requested';
const PARTITIONS = 2;
const PER_BATCH = 4;

const principal = (id: string, admin = false): Principal => ({ id, kind: admin ? 'admin' : 'api_key', authtype: 'api_key', admin });
const owner = principal('team-a');
const reader = principal('billing');
const stranger = principal('team-z');


function subscriptionOn(topic: string): Subscription {
  const now = new Date().toISOString();
  return {
    name: topic.slice('sub.'.length),
    description: 'Rides, for billing.',
    owner: owner.id,
    eventTypes: [RIDE_REQUESTED],
    destination: { topic, deadLetterTopic: `${topic}.dlq` },
    ordering: 'partition',
    failure: { retry: { ...DEFAULT_RETRY_POLICY }, then: 'dead-letter' },
    revision: 1,
    createdAt: now,
    updatedAt: now,
  };
}

interface Setup {
  kafka: Kafka;
  admin: Admin;
  topic: string;
  subscription: Subscription;
  rewinder: GroupRewinder;
  /** The ids of each batch, in the order produced. */
  batches: string[][];
  t0: number;
}

/** A destination topic holding three batches a minute apart (by record timestamp), and a rewinder over it. */
async function setUp(t: TestContext): Promise<Setup> {
  const topic = await createTestTopic(t, { prefix: 'sub.rewind', partitions: PARTITIONS });
  const kafka = await testKafka('herald-test-rewind');
  const admin = kafka.admin();
  cleanup(t, () => admin.disconnect());
  await admin.connect();
  const producer = kafka.producer();
  cleanup(t, () => producer.disconnect());
  await producer.connect();

  const t0 = Date.now() - 10 * 60_000;
  const batches: string[][] = [];
  for (let b = 0; b < 3; b++) {
    const ids = Array.from({ length: PER_BATCH }, (_, i) => `batch-${b}-ride-${i}`);
    await producer.send({ topic, messages: ids.map((id, i) => ({ key: `r-${i}`, value: JSON.stringify({ id }), timestamp: String(t0 + b * 60_000) })) });
    batches.push(ids);
  }
  const subscription = subscriptionOn(topic);
  const rewinder = new GroupRewinder({
    admin,
    subscriptions: { lookup: async (name: string) => (name === subscription.name ? subscription : undefined) },
  });
  return { kafka, admin, topic, subscription, rewinder, batches, t0 };
}

/** The committed offset of each partition, '-1' for none. */
async function committed(admin: Admin, group: string, topic: string): Promise<Record<number, string>> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((tick) => setTimeout(tick, 100));
  }
}

/** Starts a consumer in `group` that collects the ids it reads (from the group's committed offsets on). */
async function startReader(t: TestContext, kafka: Kafka, group: string, topic: string, options: { fromBeginning: boolean }) {
  const consumer = kafka.consumer({ groupId: group, readUncommitted: false });
  cleanup(t, () => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: options.fromBeginning });
  const ids: string[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      ids.push((JSON.parse(String(message.value)) as { id: string }).id);
    },
  });
  return { consumer, ids };
}

function problem(code: ProblemCode, detail?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof HttpProblem, `expected an HttpProblem, got ${String(err)}`);
    assert.equal(err.code, code, err.detail);
    if (detail) assert.match(err.detail ?? '', detail);
    return true;
  };
}

test('a group is rewound to a time once its consumers stop, and reads again from there', async (t) => {
  const { kafka, admin, topic, subscription, rewinder, batches, t0 } = await setUp(t);
  const group = uniqueName('rewind-group');
  const high = Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));

  const first = await startReader(t, kafka, group, topic, { fromBeginning: true });
  await until('the first consumer to read and commit everything', async () => {
    const now = await committed(admin, group, topic);
    return first.ids.length === 3 * PER_BATCH && Object.entries(high).every(([partition, offset]) => now[Number(partition)] === offset);
  });

  const toSecondBatch = { subscription: subscription.name, to: { timestamp: new Date(t0 + 60_000).toISOString() } };
  await assert.rejects(rewinder.rewind(owner, group, toSecondBatch), problem('group_active', /1 member.*stop the consumers first/));
  await first.consumer.disconnect();
  await until('the group to be empty', async () => (await admin.describeGroups([group])).groups[0]?.members.length === 0);

  // Where each partition's second batch starts: its first record at or after t0 + 60 s.
  const expected = Object.fromEntries((await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 60_000)).map((p) => [p.partition, p.offset]));
  const dry = await rewinder.rewind(owner, group, { ...toSecondBatch, dryRun: true });
  assert.deepEqual(dry, {
    group,
    topic,
    subscription: subscription.name,
    dryRun: true,
    partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, from: high[partition], to: expected[partition] })),
  });
  assert.deepEqual(await committed(admin, group, topic), high, 'a dry run changes nothing');

  const applied = await rewinder.rewind(owner, group, toSecondBatch);
  assert.deepEqual(applied, { ...dry, dryRun: false });
  assert.deepEqual(await committed(admin, group, topic), expected);

  const again = await startReader(t, kafka, group, topic, { fromBeginning: false });
  const wanted = [...batches[1]!, ...batches[2]!].sort();
  await until('the rewound group to read the second and third batches', async () => again.ids.length >= wanted.length);
  // Anything more would have arrived with what was read.
  await new Promise((settle) => setTimeout(settle, 500));
  assert.deepEqual([...again.ids].sort(), wanted);
});

test('a rewind is refused before anything changes: out-of-range offsets, grants, a bad body', async (t) => {
  const { admin, topic, subscription, rewinder } = await setUp(t);
  const group = uniqueName('rewind-group');
  const name = subscription.name;
  const marks = await admin.fetchTopicOffsets(topic);
  const p0 = marks.find((p) => p.partition === 0)!;

  await assert.rejects(
    rewinder.rewind(owner, group, { subscription: name, to: { offsets: [{ partition: 0, offset: Number(p0.high) + 1 }] } }),
    problem('invalid_request', new RegExp(`partition 0 accepts ${p0.low} \\(its start\\) to ${p0.high} \\(its end\\)`)),
  );
  await assert.rejects(rewinder.rewind(owner, group, { subscription: name, to: { offsets: [{ partition: PARTITIONS, offset: 0 }] } }), problem('invalid_request', /has no partition 2/));
  await assert.rejects(rewinder.rewind(stranger, group, { subscription: name, to: { earliest: true } }), problem('forbidden', /team-z/));
  await assert.rejects(rewinder.rewind(owner, group, { subscription: 'nothing-here', to: { earliest: true } }), problem('not_found'));
  await assert.rejects(rewinder.rewind(owner, 'not a group!', { subscription: name, to: { earliest: true } }), problem('invalid_request'));
  await assert.rejects(rewinder.rewind(owner, group, { subscription: name, to: { timestamp: 'yesterday', latest: true }, dryRun: 'yes' }), (err) => {
    assert.ok(err instanceof HttpProblem && err.code === 'invalid_request');
    assert.deepEqual(
      (err.extensions.errors as Array<{ path: string }>).map((e) => e.path),
      ['/dryRun', '/to'],
    );
    return true;
  });
  assert.deepEqual(await committed(admin, group, topic), { 0: '-1', 1: '-1' }, 'nothing was committed');

  // A reader of every type it reads may not: the group is the subscriber's.
  await assert.rejects(rewinder.rewind(reader, group, { subscription: name, to: { earliest: true } }), problem('forbidden'));
  // Given offsets set only their partitions.
  const set = await rewinder.rewind(owner, group, { subscription: name, to: { offsets: [{ partition: 0, offset: p0.high }] } });
  assert.deepEqual(set.partitions, [{ partition: 0, from: null, to: p0.high }]);
  assert.deepEqual(await committed(admin, group, topic), { 0: p0.high, 1: '-1' });

  const earliest = await rewinder.rewind(principal('admin', true), group, { subscription: name, to: { earliest: true } });
  assert.deepEqual(
    earliest.partitions,
    marks.map((p) => ({ partition: p.partition, from: p.partition === 0 ? p0.high : null, to: p.low })).sort((a, b) => a.partition - b.partition),
  );
  assert.deepEqual(await committed(admin, group, topic), Object.fromEntries(marks.map((p) => [p.partition, p.low])));
});
