// What routing tests share: a publisher, a router and a registry on the test broker; creating
// subscriptions; publishing rides; reading a subscription topic until it settles; and records
// that are not what the publisher writes (poison, forged).
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { fromKafkaMessage, toKafkaMessage, type HeraldEvent, type Keyring } from '@herald/envelope';
import { cleanup, deleteTopicAfter, uniqueName } from './kafka.js';
import type { TestPublisher } from './publisher.js';
import type { TestRouter } from './router.js';

export interface Delivered {
  id: string;
  key: string;
  partition: number;
  message: KafkaMessage;
  headers: Record<string, string>;
}

export function headerStrings(message: KafkaMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Creates a subscription as `as` (default the reader); its topics are deleted after the test. */
export async function subscribe(t: TestContext, router: TestRouter, body: Record<string, unknown>, as: 'reader' | 'admin' = 'reader'): Promise<{ name: string; topic: string; dlq: string; revision: number }> {
  const name = (body.name as string | undefined) ?? uniqueName('sub').toLowerCase();
  const res = await router.call<{ name: string; destination: { topic: string; deadLetterTopic: string }; revision: number }>(as, 'POST', '/v1/subscriptions', { name, description: 'A test subscription.', ...body });
  assert.equal(res.status, 201, `creating subscription ${name}: ${JSON.stringify(res.body)}`);
  deleteTopicAfter(t, res.body.destination.topic);
  deleteTopicAfter(t, res.body.destination.deadLetterTopic);
  return { name, topic: res.body.destination.topic, dlq: res.body.destination.deadLetterTopic, revision: res.body.revision };
}

export const ride = (rideId: string, seq: number, status = 'REQUESTED') => ({ rideId, riderId: `rider-of-${rideId}`, seq, status });

/** Publishes events (one request per call, in order) and returns their ids. */
export async function publishRides(publisher: TestPublisher, type: string, events: Array<{ data: Record<string, unknown>; subject?: string }>, batch = 50): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < events.length; i += batch) {
    const res = await publisher.call<{ events: Array<{ id: string }> }>('writer', 'POST', `/v1/events/${type}`, events.slice(i, i + batch));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    ids.push(...res.body.events.map((e) => e.id));
  }
  return ids;
}

export interface ReadOptions {
  /** Stop once this many records arrived and nothing more came for `quietMs`. */
  atLeast: number;
  quietMs?: number;
  timeoutMs?: number;
}

/**
 * Reads a subscription topic read_committed from the beginning until at least `atLeast`
 * records arrived and then nothing more for `quietMs`: what a subscriber would see, duplicates
 * included (they are what the exactly-once tests look for).
 */
export async function readSettled(t: TestContext, kafka: Kafka, topic: string, options: ReadOptions): Promise<Delivered[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('test-reader'), readUncommitted: false, maxWaitTimeInMs: 200 });
  cleanup(t, () => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Delivered[] = [];
  const positions = new Set<string>();
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      // A rejoining reader may be handed a record again: one position is one record.
      const position = `${partition}:${message.offset}`;
      if (positions.has(position)) return;
      positions.add(position);
      const headers = headerStrings(message);
      received.push({ id: headers.ce_id ?? '', key: message.key?.toString() ?? '', partition, message, headers });
      last = Date.now();
    },
  });
  const quietMs = options.quietMs ?? 1500;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (!(received.length >= options.atLeast && Date.now() - last >= quietMs)) {
    if (Date.now() > deadline) throw new Error(`read ${received.length} records from ${topic}, expected at least ${options.atLeast}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await consumer.disconnect();
  return received;
}

/** Asserts every id arrived exactly once. */
export function assertExactlyOnce(records: Delivered[], expected: Iterable<string>, label: string): void {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  const duplicates = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(duplicates, [], `${label}: duplicated events`);
  const expectedSet = new Set(expected);
  const missing = [...expectedSet].filter((id) => !counts.has(id));
  assert.deepEqual(missing, [], `${label}: missing events`);
  const extra = [...counts.keys()].filter((id) => !expectedSet.has(id));
  assert.deepEqual(extra, [], `${label}: unexpected events`);
}

/** Asserts that per key, events arrived in the order they were published (`order`: ids in publish order). */
export function assertPerKeyOrder(records: Delivered[], order: string[], label: string): void {
  const rank = new Map(order.map((id, i) => [id, i]));
  const lastByKey = new Map<string, number>();
  for (const r of records) {
    const at = rank.get(r.id);
    assert.ok(at !== undefined, `${label}: unknown event ${r.id}`);
    const before = lastByKey.get(r.key) ?? -1;
    assert.ok(at > before, `${label}: key ${r.key} out of order (event #${at} after #${before})`);
    lastByKey.set(r.key, at);
  }
}

/** The event of a record, rebuilt so tests can write variants of it. */
export function eventOf(message: KafkaMessage): HeraldEvent {
  return fromKafkaMessage(message).event;
}

/** Writes records straight to a topic, bypassing the publisher (as a bug or an attacker would). */
export async function produceRaw(kafka: Kafka, topic: string, records: Array<{ key: string; value: Buffer; headers: Record<string, string | Buffer> }>): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: records });
  } finally {
    await producer.disconnect();
  }
}

/** A correctly signed event whose data no schema can decode: a poison event. */
export function poisonOf(template: HeraldEvent, keyring: Keyring, id: string): { key: string; value: Buffer; headers: Record<string, string | Buffer> } {
  // Magic byte 0, then a schema id the registry never issued.
  const data = Buffer.concat([Buffer.from([0]), Buffer.from([0x7f, 0xff, 0xff, 0x00]), Buffer.from('not avro')]);
  const message = toKafkaMessage({ ...template, id, data }, keyring);
  return { key: message.key, value: message.value, headers: message.headers };
}
