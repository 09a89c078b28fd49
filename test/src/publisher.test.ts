// The publisher on the real broker and registry: event types, publishing read back by kafkajs
// and the cloudevents SDK, batches, order, schema changes, dedupe, grants, provenance, limits.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Kafka as CloudEventsKafka, type CloudEventV1, type KafkaMessage as CloudEventsKafkaMessage } from 'cloudevents';
import type { Kafka } from 'kafkajs';
import { fromKafkaMessage, verifyMessage } from '@herald/envelope';
import { SchemaCodec } from '@herald/schemas';
import { consumeN, testKafka, type ConsumedMessage } from './helpers/kafka.js';
import { declareRideType, principals, rideSchema, startTestPublisher } from './helpers/publisher.js';
import { startRegistry } from './helpers/registry.js';

interface Published {
  events: Array<{ id: string; partition: number; offset: string; duplicate: boolean }>;
}
interface Problem {
  code: string;
  detail?: string;
  errors?: Array<{ index?: number; path: string; message: string }>;
  limit?: number;
  limitName?: string;
}

async function setup(t: TestContext, env: Record<string, string> = {}) {
  const registry = await startRegistry(t);
  const publisher = await startTestPublisher(t, { registryUrl: registry.url, env });
  return { registry, publisher, kafka: await testKafka() };
}

const ride = (rideId: string, seq = 0, extra: Record<string, unknown> = {}) => ({ rideId, riderId: `rider-of-${rideId}`, seq, ...extra });

async function endOffsets(kafka: Kafka, topic: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => p.high);
  } finally {
    await admin.disconnect();
  }
}

function headersAsStrings(message: ConsumedMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
}

test('one event is published, acknowledged with its position, and read back by kafkajs and the cloudevents SDK', async (t) => {
  const { registry, publisher, kafka } = await setup(t);
  const { name, topic } = await declareRideType(t, publisher);
  const res = await publisher.call<Published>('writer', 'POST', `/v1/events/${name}`, {
    data: ride('r-1', 1),
    subject: 'rides/r-1',
    time: '2026-11-26T10:00:00.000Z',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    sequence: '1',
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const [ack] = res.body.events;
  assert.ok(ack && !ack.duplicate);

  const [message] = await consumeN(t, kafka, topic, 1);
  assert.ok(message);
  assert.equal(message.partition, ack.partition);
  assert.equal(message.offset, ack.offset);
  assert.equal(message.key?.toString(), 'r-1');
  assert.deepEqual(verifyMessage(message, publisher.keyring), { ok: true, keyId: 'k1' });
  const { event } = fromKafkaMessage(message);
  assert.equal(event.id, ack.id);
  assert.equal(event.type, name);
  assert.equal(event.source, principals.writer.source, "the writer principal's own source is stamped");
  assert.equal(event.authid, principals.writer.id);
  assert.equal(event.authtype, 'api_key');
  assert.equal(event.partitionkey, 'r-1');
  assert.equal(event.datacontenttype, 'application/avro');
  assert.ok(!Number.isNaN(Date.parse(event.recordedtime)));
  const decoded = await new SchemaCodec({ registry: registry.url }).decode(message.value!);
  assert.deepEqual(JSON.parse(JSON.stringify(decoded)), { ...ride('r-1', 1), status: 'REQUESTED', note: null }, 'defaults were filled in');

  const sdkMessage: CloudEventsKafkaMessage = { key: message.key!.toString(), value: message.value!, body: message.value!, headers: headersAsStrings(message), timestamp: message.timestamp };
  const ce = CloudEventsKafka.toEvent(sdkMessage) as CloudEventV1<unknown> & Record<string, unknown>;
  assert.equal(ce.id, ack.id);
  assert.equal(ce.type, name);
  assert.equal(ce.source, principals.writer.source);
  assert.equal(ce.subject, 'rides/r-1');
  assert.equal(ce.time, '2026-11-26T10:00:00.000Z');
  assert.equal(ce.datacontenttype, 'application/avro');
  assert.equal(ce.partitionkey, 'r-1');
  assert.equal(ce.authid, principals.writer.id);
  assert.equal(ce.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
  assert.equal(ce.sequence, '1');
  assert.match(String(ce.dataschema), /\/schemas\/ids\/\d+$/);
  assert.deepEqual(Buffer.from(ce.data as Uint8Array), message.value);
});

test('a batch across partitions is written whole, in request order per key, with every position', async (t) => {
  const { publisher, kafka } = await setup(t);
  const { name, topic } = await declareRideType(t, publisher);
  const batch = Array.from({ length: 40 }, (_, i) => ({ data: ride(`r-${i % 8}`, i) }));
  const res = await publisher.call<Published>('otherWriter', 'POST', `/v1/events/${name}`, batch);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.events.length, 40);
  assert.ok(new Set(res.body.events.map((e) => e.partition)).size > 1, 'the batch spans partitions');
  const records = await consumeN(t, kafka, topic, 40);
  const byPosition = new Map(records.map((r) => [`${r.partition}:${r.offset}`, fromKafkaMessage(r).event.id]));
  res.body.events.forEach((ack) => assert.equal(byPosition.get(`${ack.partition}:${ack.offset}`), ack.id, 'each position holds the acknowledged event'));
  const principal = fromKafkaMessage(records[0]!).event;
  assert.equal(principal.source, 'https://rides.acme.example/types', "a principal without a source of its own gets the type's source");
});

test('per-key order holds over 10,000 events on a 6-partition topic', { timeout: 180_000 }, async (t) => {
  const { publisher, kafka } = await setup(t, { HERALD_PUBLISHER_RATE_LIMIT: '1000000', HERALD_PUBLISHER_RATE_BURST: '1000000' });
  const { name, topic } = await declareRideType(t, publisher, { topic: { partitions: 6 } });
  // Four clients, each owning its keys, each sending batches (and now and then a single event)
  // one after another; the sequence attribute carries the publish order.
  const clients = 4;
  const perClient = 2500;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      let seq = 0;
      while (seq < perClient) {
        const size = seq % 500 === 0 ? 1 : 100;
        const events = Array.from({ length: Math.min(size, perClient - seq) }, () => {
          const n = seq++;
          return { data: ride(`c${c}-k${n % 25}`, n), sequence: String(n) };
        });
        const res = await publisher.call('writer', 'POST', `/v1/events/${name}`, events.length === 1 ? events[0] : events);
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    }),
  );
  const records = await consumeN(t, kafka, topic, clients * perClient, { timeoutMs: 120_000 });
  const seqByKey = new Map<string, number[]>();
  const partitionByKey = new Map<string, number>();
  for (const r of records) {
    const { event } = fromKafkaMessage(r);
    seqByKey.set(event.partitionkey, [...(seqByKey.get(event.partitionkey) ?? []), Number(event.sequence)]);
    const p = partitionByKey.get(event.partitionkey);
    assert.ok(p === undefined || p === r.partition, `${event.partitionkey} stays in one partition`);
    partitionByKey.set(event.partitionkey, r.partition);
  }
  assert.equal(new Set(partitionByKey.values()).size, 6, 'the keys spread over all six partitions');
  assert.equal(seqByKey.size, clients * 25);
  for (const [key, seqs] of seqByKey) {
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${key} is in publish order`);
    assert.equal(new Set(seqs).size, seqs.length, `${key} has no repeats`);
  }
  assert.equal(records.length, clients * perClient);
});

test('a batch with one invalid event is refused whole, naming the event and the field, and writes nothing', async (t) => {
  const { publisher, kafka } = await setup(t);
  const { name, topic } = await declareRideType(t, publisher);
  const before = await endOffsets(kafka, topic);
  const batch = [{ data: ride('r-1') }, { data: ride('r-2') }, { data: { rideId: 'r-3', riderId: 7, extra: true } }, { data: ride('r-4') }];
  const res = await publisher.call<Problem>('writer', 'POST', `/v1/events/${name}`, batch);
  assert.equal(res.status, 422, JSON.stringify(res.body));
  assert.equal(res.body.code, 'invalid_event');
  assert.deepEqual(
    res.body.errors?.map((e) => [e.index, e.path]),
    [
      [2, '/2/data/extra'],
      [2, '/2/data/riderId'],
    ],
  );
  assert.match(res.body.errors?.[1]?.message ?? '', /expected string, got 7/);
  assert.deepEqual(await endOffsets(kafka, topic), before, 'nothing was written');

  const missingKey = await publisher.call<Problem>('writer', 'POST', `/v1/events/${name}`, { data: { riderId: 'x' } });
  assert.equal(missingKey.status, 422);
  assert.ok(missingKey.body.errors?.some((e) => e.path === '/partitionKey'));
  assert.deepEqual(await endOffsets(kafka, topic), before);
});

test('the same (source, id) sent again is written once and answered with the first position', async (t) => {
  const { publisher, kafka } = await setup(t);
  const { name, topic } = await declareRideType(t, publisher);
  const event = { id: 'ride-r1-requested-1', data: ride('r-1') };
  const first = await publisher.call<Published>('writer', 'POST', `/v1/events/${name}`, event);
  assert.equal(first.status, 201);
  const again = await publisher.call<Published>('writer', 'POST', `/v1/events/${name}`, event);
  assert.equal(again.status, 200, 'nothing new was written');
  assert.deepEqual(again.body.events, [{ ...first.body.events[0]!, duplicate: true }]);
  // Concurrent repeats also collapse into the one write.
  const racing = { id: 'ride-r2-requested-1', data: ride('r-2') };
  const answers = await Promise.all(Array.from({ length: 5 }, () => publisher.call<Published>('writer', 'POST', `/v1/events/${name}`, racing)));
  assert.equal(answers.filter((a) => a.status === 201).length, 1);
  assert.equal(new Set(answers.map((a) => `${a.body.events[0]!.partition}:${a.body.events[0]!.offset}`)).size, 1);
  // A batch repeating one of them writes only the new event.
  const mixed = await publisher.call<Published>('writer', 'POST', `/v1/events/${name}`, [event, { id: 'ride-r3-requested-1', data: ride('r-3') }]);
  assert.equal(mixed.status, 201);
  assert.deepEqual(mixed.body.events.map((e) => e.duplicate), [true, false]);
  const total = (await endOffsets(kafka, topic)).reduce((n, o) => n + Number(o), 0);
  assert.equal(total, 3, 'three distinct events, three records');
  await consumeN(t, kafka, topic, 3);
});

test('only writers publish; readers and outsiders get 403, unauthenticated callers 401, and nothing is written', async (t) => {
  const { publisher, kafka } = await setup(t);
  const { name, topic } = await declareRideType(t, publisher);
  const before = await endOffsets(kafka, topic);
  for (const who of ['reader', 'outsider'] as const) {
    const res = await publisher.call<Problem>(who, 'POST', `/v1/events/${name}`, { data: ride('r-1') });
    assert.equal(res.status, 403, who);
    assert.equal(res.body.code, 'forbidden');
  }
  const anonymous = await publisher.call<Problem>(null, 'POST', `/v1/events/${name}`, { data: ride('r-1') });
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/);
  const forged = await publisher.call<Problem>(null, 'POST', `/v1/events/${name}`, { data: ride('r-1') }, { authorization: `Bearer hk_rides-service_${'A'.repeat(43)}` });
  assert.equal(forged.status, 401);
  assert.deepEqual(await endOffsets(kafka, topic), before);
  const admin = await publisher.call('admin', 'POST', `/v1/events/${name}`, { data: ride('r-1') });
  assert.equal(admin.status, 201, 'an admin may publish any type');
});

test('provenance cannot be set or spoofed by the caller', async (t) => {
  const { publisher, kafka } = await setup(t);
  const { name, topic } = await declareRideType(t, publisher);
  const before = await endOffsets(kafka, topic);
  const spoofed = await publisher.call<Problem>('writer', 'POST', `/v1/events/${name}`, { data: ride('r-1'), source: 'https://evil.example', authid: 'someone-else' });
  assert.equal(spoofed.status, 400);
  assert.equal(spoofed.body.code, 'provenance_not_allowed');
  assert.deepEqual(spoofed.body.errors?.map((e) => e.path).sort(), ['/authid', '/source']);
  assert.deepEqual(await endOffsets(kafka, topic), before, 'the spoofed event did not reach the topic');
  // Data fields that look like provenance are data, and the stamped provenance is the principal's.
  const ok = await publisher.call<Published>('writer', 'POST', `/v1/events/${name}`, { data: ride('r-1', 0, { note: 'source=https://evil.example' }) });
  assert.equal(ok.status, 201);
  const [record] = await consumeN(t, kafka, topic, 1);
  const { event } = fromKafkaMessage(record!);
  assert.equal(event.source, principals.writer.source);
  assert.equal(event.authid, principals.writer.id);
});

test('oversize events, batches and bodies get 413 naming the limit; the rate limit gets 429 with Retry-After', async (t) => {
  const { publisher, kafka } = await setup(t, {
    HERALD_PUBLISHER_MAX_EVENT_BYTES: '2048',
    HERALD_PUBLISHER_MAX_BATCH_EVENTS: '10',
    HERALD_PUBLISHER_MAX_BODY_BYTES: '65536',
    HERALD_PUBLISHER_RATE_LIMIT: '21',
    HERALD_PUBLISHER_RATE_BURST: '21',
  });
  const { name, topic } = await declareRideType(t, publisher);
  const before = await endOffsets(kafka, topic);
  const bigEvent = await publisher.call<Problem>('writer', 'POST', `/v1/events/${name}`, { data: ride('r-1', 0, { note: 'x'.repeat(4000) }) });
  assert.equal(bigEvent.status, 413);
  assert.deepEqual([bigEvent.body.code, bigEvent.body.limitName, bigEvent.body.limit], ['payload_too_large', 'eventBytes', 2048]);
  const bigBatch = await publisher.call<Problem>('writer', 'POST', `/v1/events/${name}`, Array.from({ length: 11 }, (_, i) => ({ data: ride(`r-${i}`) })));
  assert.equal(bigBatch.status, 413);
  assert.deepEqual([bigBatch.body.limitName, bigBatch.body.limit], ['batchEvents', 10]);
  const bigBody = await publisher.call<Problem>('writer', 'POST', `/v1/events/${name}`, { data: ride('r-1', 0, { note: 'x'.repeat(70_000) }) });
  assert.equal(bigBody.status, 413);
  assert.deepEqual([bigBody.body.limitName, bigBody.body.limit], ['bodyBytes', 65536]);
  assert.deepEqual(await endOffsets(kafka, topic), before);

  // Every event a request asks to publish counts, refused or not: the oversize event took 1 of the
  // 21 events of burst, two batches of 10 take the rest, and the next is refused until tokens come back.
  for (let i = 0; i < 2; i++) {
    const res = await publisher.call('writer', 'POST', `/v1/events/${name}`, Array.from({ length: 10 }, (_, j) => ({ data: ride(`r-${i}-${j}`) })));
    assert.equal(res.status, 201);
  }
  const limited = await publisher.call<Problem>('writer', 'POST', `/v1/events/${name}`, Array.from({ length: 10 }, (_, j) => ({ data: ride(`r-x-${j}`) })));
  assert.equal(limited.status, 429);
  assert.equal(limited.body.code, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  const other = await publisher.call('otherWriter', 'POST', `/v1/events/${name}`, { data: ride('r-y') });
  assert.equal(other.status, 201, 'the limit is per principal');
});

test('event types: schema changes are checked, immutable fields stay, only the owner or an admin changes a type', async (t) => {
  const { publisher, registry } = await setup(t);
  const { name, body } = await declareRideType(t, publisher);
  const get = await publisher.call<{ schemaVersion: number; revision: number; owner: string; subject: string }>('reader', 'GET', `/v1/event-types/${name}`);
  assert.equal(get.status, 200);
  assert.equal(get.body.owner, principals.writer.id);
  assert.equal(get.body.schemaVersion, 1);
  const list = await publisher.call<{ items: Array<{ name: string }> }>('outsider', 'GET', '/v1/event-types');
  assert.deepEqual(list.body.items.map((i) => i.name), [name]);
  assert.equal((await publisher.call('writer', 'POST', '/v1/event-types', body)).status, 409);

  const breaking = { ...body, schema: { ...rideSchema, fields: [...rideSchema.fields, { name: 'fareCents', type: 'long' }] } };
  delete (breaking as { name?: string }).name;
  const refused = await publisher.call<Problem>('writer', 'PUT', `/v1/event-types/${name}`, breaking);
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.body.code, 'incompatible_schema');
  assert.match(refused.body.detail ?? '', /fareCents/);
  const versions = await (await fetch(`${registry.url}/subjects/${get.body.subject}/versions`)).json();
  assert.deepEqual(versions, [1], 'the refused schema was not registered');

  const compatible = { ...breaking, schema: { ...rideSchema, fields: [...rideSchema.fields, { name: 'fareCents', type: ['null', 'long'], default: null }] } };
  const updated = await publisher.call<{ schemaVersion: number; revision: number }>('writer', 'PUT', `/v1/event-types/${name}`, compatible);
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  assert.deepEqual([updated.body.schemaVersion, updated.body.revision], [2, 2]);
  const published = await publisher.call('writer', 'POST', `/v1/events/${name}`, { data: ride('r-1', 0, { fareCents: 1250 }) });
  assert.equal(published.status, 201, 'events use the new schema at once');

  const immutable = await publisher.call<Problem>('writer', 'PUT', `/v1/event-types/${name}`, { ...compatible, partitionKey: 'riderId', topic: { partitions: 12 } });
  assert.equal(immutable.status, 409);
  assert.equal(immutable.body.code, 'immutable_field');
  assert.match(immutable.body.detail ?? '', /partitionKey, topic\.partitions/);
  assert.equal((await publisher.call('reader', 'PUT', `/v1/event-types/${name}`, compatible)).status, 403);
  assert.equal((await publisher.call('reader', 'DELETE', `/v1/event-types/${name}`)).status, 403);
  assert.equal((await publisher.call('admin', 'DELETE', `/v1/event-types/${name}`)).status, 204);
  assert.equal((await publisher.call('writer', 'GET', `/v1/event-types/${name}`)).status, 404);
  assert.equal((await publisher.call('writer', 'POST', `/v1/events/${name}`, { data: ride('r-1') })).status, 404);
});

test('bad event type declarations are refused with precise errors and change nothing', async (t) => {
  const { publisher } = await setup(t);
  const { body } = await declareRideType(t, publisher);
  const cases: Array<[Record<string, unknown>, number, string, RegExp]> = [
    [{ ...body, name: 'NoDots' }, 400, 'invalid_request', /\/name/],
    [{ ...body, name: 'test.bad.key', partitionKey: 'nope' }, 400, 'invalid_request', /has no field 'nope'/],
    [{ ...body, name: 'test.bad.schema', schema: { type: 'record', name: 'R', fields: [{ name: 'a', type: 'nope' }] } }, 422, 'invalid_schema', /nope/],
    [{ ...body, name: 'test.bad.mode', mode: 'notification', topic: { latestState: true } }, 400, 'invalid_request', /latestState/],
    [{ ...body, name: 'test.bad.extra', color: 'blue' }, 400, 'invalid_request', /color/],
  ];
  for (const [declaration, status, code, detail] of cases) {
    const res = await publisher.call<Problem>('writer', 'POST', '/v1/event-types', declaration);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.code, code);
    assert.match(`${res.body.detail} ${JSON.stringify(res.body.errors ?? [])}`, detail);
  }
  const list = await publisher.call<{ items: unknown[] }>('writer', 'GET', '/v1/event-types');
  assert.equal(list.body.items.length, 1);
  const notJson = await publisher.call<Problem>('writer', 'POST', '/v1/event-types', 'name=x', { 'content-type': 'text/plain' });
  assert.equal(notJson.status, 415);
  const malformed = await publisher.call<Problem>('writer', 'POST', '/v1/event-types', '{"name":');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.code, 'malformed_json');
});

test('the OpenAPI document is served and describes every route', async (t) => {
  const { publisher } = await setup(t);
  const res = await fetch(`${publisher.url}/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
  assert.match(doc.openapi, /^3\.1/);
  for (const path of ['/v1/event-types', '/v1/event-types/{name}', '/v1/events/{type}']) assert.ok(doc.paths[path], path);
});
