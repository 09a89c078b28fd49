// The router on the real broker: fan-out and fan-in in per-key order, a subscription that starts
// while events flow, poison events to the dead-letter topic, `block` holding back one
// subscription only, forged events to quarantine. Subscription topics are read read_committed,
// as subscribers read them, and every test checks each event arrived exactly once.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { verifyMessage } from '@herald/envelope';
import { deleteTopicAfter, testKafka } from './helpers/kafka.js';
import { declareRideType, startTestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';
import { startTestRouter } from './helpers/router.js';
import { assertExactlyOnce, assertPerKeyOrder, eventOf, poisonOf, produceRaw, publishRides, readSettled, ride, subscribe } from './helpers/routing.js';

async function setup(t: TestContext) {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const router = await startTestRouter(t, { publisher, registryUrl: registry.url });
  return { registry, publisher, router, kafka: await testKafka() };
}

const statuses = ['REQUESTED', 'ACCEPTED', 'COMPLETED'] as const;

test('one event fans out to several subscriptions and several types fan in to one, each in per-key order, exactly once', async (t) => {
  const { publisher, router, kafka } = await setup(t);
  const a = await declareRideType(t, publisher);
  const b = await declareRideType(t, publisher);
  const all = await subscribe(t, router, { eventTypes: [a.name] });
  const completed = await subscribe(t, router, { eventTypes: [a.name], pattern: { data: { status: ['COMPLETED'] } } });
  const fanIn = await subscribe(t, router, { eventTypes: [a.name, b.name], pattern: { subject: [{ prefix: 'rides/' }] } });

  const eventsA = Array.from({ length: 300 }, (_, i) => ({ data: ride(`r-${i % 20}`, i, statuses[i % 3]), subject: `rides/r-${i % 20}` }));
  const eventsB = Array.from({ length: 90 }, (_, i) => ({ data: ride(`q-${i % 9}`, i), subject: i % 10 === 0 ? `other/q-${i % 9}` : `rides/q-${i % 9}` }));
  const idsA = await publishRides(publisher, a.name, eventsA);
  const idsB = await publishRides(publisher, b.name, eventsB);

  const gotAll = await readSettled(t, kafka, all.topic, { atLeast: idsA.length });
  assertExactlyOnce(gotAll, idsA, 'all');
  assertPerKeyOrder(gotAll, idsA, 'all');

  const completedIds = idsA.filter((_, i) => statuses[i % 3] === 'COMPLETED');
  const gotCompleted = await readSettled(t, kafka, completed.topic, { atLeast: completedIds.length });
  assertExactlyOnce(gotCompleted, completedIds, 'completed');
  assertPerKeyOrder(gotCompleted, idsA, 'completed');

  const fanInIds = [...idsA, ...idsB.filter((_, i) => i % 10 !== 0)];
  const gotFanIn = await readSettled(t, kafka, fanIn.topic, { atLeast: fanInIds.length });
  assertExactlyOnce(gotFanIn, fanInIds, 'fan-in');
  assertPerKeyOrder(gotFanIn, [...idsA, ...idsB], 'fan-in');

  // Forwarded unchanged (the signature still verifies), plus routing headers.
  const sample = gotAll[0]!;
  assert.ok(verifyMessage(sample.message, publisher.keyring).ok, 'the forwarded record still verifies');
  assert.equal(sample.headers['herald-subscription'], all.name);
  assert.equal(sample.headers['herald-origin-topic'], a.topic);
  assert.match(sample.headers['herald-origin-offset'] ?? '', /^\d+$/);
  assert.equal(sample.key, eventOf(sample.message).partitionkey);
});

test('a subscription created while events flow starts receiving without a restart, with no gap and no duplicate after its first event', async (t) => {
  const { publisher, router, kafka } = await setup(t);
  const type = await declareRideType(t, publisher);
  const early = await subscribe(t, router, { eventTypes: [type.name] });
  const ids: string[] = [];
  let stop = false;
  const flow = (async () => {
    for (let i = 0; !stop; i++) {
      ids.push(...(await publishRides(publisher, type.name, [{ data: ride('r-1', i) }])));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await new Promise((r) => setTimeout(r, 1500));
  const late = await subscribe(t, router, { eventTypes: [type.name] });
  await new Promise((r) => setTimeout(r, 3000));
  stop = true;
  await flow;

  const gotEarly = await readSettled(t, kafka, early.topic, { atLeast: ids.length });
  assertExactlyOnce(gotEarly, ids, 'early');
  const gotLate = await readSettled(t, kafka, late.topic, { atLeast: 1 });
  assert.ok(gotLate.length > 10, `the new subscription received ${gotLate.length} events`);
  // One key, one partition: the late subscription sees a contiguous tail of the stream.
  const first = ids.indexOf(gotLate[0]!.id);
  assert.ok(first > 0, 'it did not receive the events published before it existed');
  assertExactlyOnce(gotLate, ids.slice(first), 'late');
  assertPerKeyOrder(gotLate, ids, 'late');
});

test('a poison event goes to the dead-letter topic with its error headers while the partition keeps flowing; attribute-only patterns never decode it', async (t) => {
  const { publisher, router, kafka } = await setup(t);
  const type = await declareRideType(t, publisher, { topic: { partitions: 1 } });
  const byData = await subscribe(t, router, { eventTypes: [type.name], pattern: { data: { riderId: [{ prefix: 'rider-of-' }] } }, failure: { then: 'dead-letter', retry: { maxAttempts: 2, initialBackoffMs: 10, maxBackoffMs: 20, multiplier: 2, jitter: 0 } } });
  const byAttributes = await subscribe(t, router, { eventTypes: [type.name], pattern: { subject: [{ prefix: 'rides/' }] } });

  const before = await publishRides(publisher, type.name, [1, 2, 3].map((i) => ({ data: ride('r-1', i), subject: 'rides/r-1' })));
  const [template] = await readSettled(t, kafka, byAttributes.topic, { atLeast: 3, quietMs: 200 });
  await produceRaw(kafka, type.topic, [poisonOf(eventOf(template!.message), publisher.keyring, 'poison-1')]);
  const after = await publishRides(publisher, type.name, [4, 5, 6].map((i) => ({ data: ride('r-1', i), subject: 'rides/r-1' })));

  const delivered = await readSettled(t, kafka, byData.topic, { atLeast: 6 });
  assertExactlyOnce(delivered, [...before, ...after], 'data subscription');
  const [dead, ...moreDead] = await readSettled(t, kafka, byData.dlq, { atLeast: 1, quietMs: 500 });
  assert.equal(moreDead.length, 0);
  assert.equal(dead!.id, 'poison-1');
  assert.equal(dead!.headers['herald-error-code'], 'undecodable_data');
  assert.match(dead!.headers['herald-error-message'] ?? '', /cannot be decoded/);
  assert.equal(dead!.headers['herald-error-attempts'], '1', 'a permanent failure is not retried');
  assert.equal(dead!.headers['herald-origin-topic'], type.topic);
  assert.equal(dead!.headers['herald-origin-partition'], '0');
  assert.ok(!Number.isNaN(Date.parse(dead!.headers['herald-error-time'] ?? '')), 'the error time is a timestamp');
  assert.ok(verifyMessage(dead!.message, publisher.keyring).ok, 'the dead letter is the original record');

  // The attribute-only subscription matched the poison event too: it never needed the data.
  const attributeRouted = await readSettled(t, kafka, byAttributes.topic, { atLeast: 7 });
  assertExactlyOnce(attributeRouted, [...before, 'poison-1', ...after], 'attribute subscription');
  const poisonAt = attributeRouted.find((r) => r.id === 'poison-1')!.headers['herald-origin-offset'];
  assert.equal(dead!.headers['herald-origin-offset'], poisonAt, 'the dead letter names the offset of the original');
});

test('block holds back only that subscription, and delivers what it held back, in order and once, when its owner changes the policy', async (t) => {
  const { publisher, router, kafka } = await setup(t);
  const type = await declareRideType(t, publisher, { topic: { partitions: 1 } });
  const noRetry = { maxAttempts: 1, initialBackoffMs: 50, maxBackoffMs: 200, multiplier: 2, jitter: 0 };
  const pattern = { data: { riderId: [{ prefix: 'rider-of-' }] } };
  const blocking = await subscribe(t, router, { eventTypes: [type.name], pattern, failure: { then: 'block', retry: noRetry } });
  const flowing = await subscribe(t, router, { eventTypes: [type.name], pattern, failure: { then: 'dead-letter', retry: noRetry } });

  const before = await publishRides(publisher, type.name, [1, 2, 3].map((i) => ({ data: ride('r-1', i) })));
  const [template] = await readSettled(t, kafka, flowing.topic, { atLeast: 3, quietMs: 200 });
  await produceRaw(kafka, type.topic, [poisonOf(eventOf(template!.message), publisher.keyring, 'poison-1')]);
  const held = await publishRides(publisher, type.name, [4, 5, 6, 7].map((i) => ({ data: ride('r-1', i) })));

  assertExactlyOnce(await readSettled(t, kafka, flowing.topic, { atLeast: 7 }), [...before, ...held], 'flowing');
  const blocked = await readSettled(t, kafka, blocking.topic, { atLeast: 3, quietMs: 2000 });
  assertExactlyOnce(blocked, before, 'blocked: only what came before the poison event');
  const metrics = await (await fetch(`${router.url}/metrics`)).text();
  assert.match(metrics, new RegExp(`herald_router_blocked_partitions\\{[^}]*subscription="${blocking.name}"[^}]*\\} 1`));

  // The owner lets the poison event go: the held-back events follow, then new ones, each once.
  const current = await router.call<Record<string, unknown> & { revision: number }>('reader', 'GET', `/v1/subscriptions/${blocking.name}`);
  const spec = Object.fromEntries(Object.entries(current.body).filter(([k]) => !['revision', 'createdAt', 'updatedAt'].includes(k)));
  const changed = await router.call('reader', 'PUT', `/v1/subscriptions/${blocking.name}`, { ...spec, failure: { then: 'discard', retry: noRetry } });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const later = await publishRides(publisher, type.name, [8, 9].map((i) => ({ data: ride('r-1', i) })));
  const released = await readSettled(t, kafka, blocking.topic, { atLeast: 9, timeoutMs: 30_000 });
  assertExactlyOnce(released, [...before, ...held, ...later], 'released');
  assertPerKeyOrder(released, [...before, ...held, ...later], 'released');
});

test('a forged event lands in quarantine and reaches no subscription', async (t) => {
  const { publisher, router, kafka } = await setup(t);
  const type = await declareRideType(t, publisher, { topic: { partitions: 1 } });
  const all = await subscribe(t, router, { eventTypes: [type.name] });
  const genuine = await publishRides(publisher, type.name, [{ data: ride('r-1', 1) }]);
  const [template] = await readSettled(t, kafka, all.topic, { atLeast: 1, quietMs: 200 });
  // Same headers and signature, other data: the signature no longer matches.
  const forged = { key: template!.key, value: Buffer.concat([template!.message.value!, Buffer.from('x')]), headers: { ...template!.headers, ce_id: 'forged-1' } };
  await produceRaw(kafka, type.topic, [forged]);
  const more = await publishRides(publisher, type.name, [{ data: ride('r-1', 2) }]);

  assertExactlyOnce(await readSettled(t, kafka, all.topic, { atLeast: 2 }), [...genuine, ...more], 'subscription');
  const quarantined = await readSettled(t, kafka, router.quarantineTopic, { atLeast: 1, quietMs: 500 });
  assert.equal(quarantined.length, 1);
  assert.equal(quarantined[0]!.id, 'forged-1');
  assert.equal(quarantined[0]!.headers['herald-error-code'], 'bad_signature');
  assert.equal(quarantined[0]!.headers['herald-origin-topic'], type.topic);
});

test('a backlog larger than a record batch is routed with the default fetch size (regression: MESSAGE_TOO_LARGE stalled the partition)', async (t) => {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url });
  const first = await startTestRouter(t, { publisher, registryUrl: registry.url });
  const kafka = await testKafka();
  const type = await declareRideType(t, publisher, { topic: { partitions: 1 } });
  const sub = await subscribe(t, first, { eventTypes: [type.name] });
  await first.running.close();
  // About 2.5 MB behind, all in one input partition and so in one destination partition.
  const note = 'x'.repeat(700);
  const ids = await publishRides(publisher, type.name, Array.from({ length: 3000 }, (_, i) => ({ data: { ...ride(`r-${i % 7}`, i), note } })), 200);
  await startTestRouter(t, { publisher, registryUrl: registry.url, subscriptionsTopic: first.subscriptionsTopic, groupId: first.groupId, quarantineTopic: first.quarantineTopic });
  const got = await readSettled(t, kafka, sub.topic, { atLeast: ids.length, timeoutMs: 60_000 });
  assertExactlyOnce(got, ids, 'backlog');
  assertPerKeyOrder(got, ids, 'backlog');
});

test('a state type\'s latest-state topic receives every event once, in per-key order, so compaction keeps the newest state per key', async (t) => {
  const { publisher, kafka } = await setup(t);
  const type = await declareRideType(t, publisher, { topic: { partitions: 3, latestState: true } });
  const stateTopic = `state.${type.name}`;
  deleteTopicAfter(t, stateTopic);
  const events = Array.from({ length: 200 }, (_, i) => ({ data: ride(`r-${i % 10}`, i) }));
  const ids = await publishRides(publisher, type.name, events);
  const got = await readSettled(t, kafka, stateTopic, { atLeast: ids.length });
  assertExactlyOnce(got, ids, 'latest state');
  assertPerKeyOrder(got, ids, 'latest state');
  // The last record of each key (what compaction keeps) is that key's newest event.
  const lastByKey = new Map(got.map((r) => [r.key, r.id]));
  for (let k = 0; k < 10; k++) assert.equal(lastByKey.get(`r-${k}`), ids[190 + k]);
});
