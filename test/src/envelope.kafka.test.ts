// The Herald envelope through a real broker: a record made by toKafkaMessage, produced with
// kafkajs and consumed back, is read intact by the official CloudEvents SDK, its signature
// verifies, still verifies after a router-style hop that adds routing headers, and stops
// verifying once its value or any attribute is altered.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { Kafka as CloudEventsKafka, type CloudEventV1, type KafkaMessage as CloudEventsKafkaMessage } from 'cloudevents';
import type { IHeaders } from 'kafkajs';
import { ATTRIBUTE_NAMES, Keyring, SIGNATURE_HEADER, fromKafkaMessage, toKafkaMessage, verifyMessage, type HeraldEvent } from '@herald/envelope';
import { cleanup, consumeN, createTestTopic, testKafka, type ConsumedMessage } from './helpers/kafka.js';

const keyring = new Keyring({
  currentKeyId: 'k2025',
  keys: { k2024: Buffer.alloc(32, 0x11), k2025: Buffer.alloc(32, 0x22).toString('base64') },
});

function rideRequested(): HeraldEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'https://publisher.herald.example/producers/rides-service',
    type: 'com.acme.rides.ride.requested',
    time: '2024-05-01T08:00:00.123Z',
    recordedtime: '2024-05-01T08:00:00.456Z',
    subject: 'ride/42',
    partitionkey: 'ride-42',
    dataschema: 'http://localhost:8081/schemas/ids/7',
    datacontenttype: 'application/avro',
    authtype: 'service_account',
    authid: 'rides-service',
    dataref: 'https://rides.acme.example/rides/42',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    sequence: '00000000000000000042',
    // Confluent wire format: magic byte, schema id 7, Avro body (with bytes that are not UTF-8).
    data: Buffer.from([0x00, 0x00, 0x00, 0x00, 0x07, 0x0a, 0x72, 0x69, 0x64, 0x65, 0xff, 0xfe, 0x00]),
  };
}

/** Produces the records and reads them back from a fresh topic. */
async function roundTrip(t: TestContext, messages: { key: string | Buffer | null; value: Buffer | null; headers?: IHeaders }[]): Promise<ConsumedMessage[]> {
  const topic = await createTestTopic(t, { prefix: 'envelope' });
  const kafka = await testKafka('envelope-test');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  cleanup(t, () => producer.disconnect());
  await producer.send({ topic, acks: -1, messages });
  return consumeN(t, kafka, topic, messages.length);
}

/** kafkajs delivers header values as Buffers; the CloudEvents SDK wants strings. */
function stringHeaders(headers: IHeaders = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      assert.ok(value !== undefined && !Array.isArray(value), `header ${name} arrives once`);
      return [name, value.toString()];
    }),
  );
}

test('a Herald record read back from Kafka is intact for the CloudEvents SDK and verifies', async (t) => {
  const event = rideRequested();
  const [record] = await roundTrip(t, [toKafkaMessage(event, keyring)]);
  assert.ok(record?.key && record.value);

  const sdkMessage: CloudEventsKafkaMessage = {
    key: record.key.toString(),
    value: record.value,
    body: record.value,
    headers: stringHeaders(record.headers),
    timestamp: record.timestamp,
  };
  const read = CloudEventsKafka.toEvent(sdkMessage) as CloudEventV1<unknown> & Record<string, unknown>;
  for (const name of ATTRIBUTE_NAMES) assert.equal(read[name], event[name], `the SDK reads ${name} intact`);
  assert.ok(Buffer.isBuffer(read.data) && read.data.equals(event.data), 'the SDK reads the data bytes intact');

  assert.deepEqual(fromKafkaMessage(record).event, event);
  assert.deepEqual(verifyMessage(record, keyring), { ok: true, keyId: 'k2025' });

  const value = Buffer.from(record.value);
  value[value.length - 1] = 0x01;
  assert.deepEqual(verifyMessage({ ...record, value }, keyring), { ok: false, reason: 'mismatch' }, 'altered value');
  for (const header of ['ce_source', 'ce_type', 'ce_partitionkey', 'ce_authtype', 'content-type']) {
    const headers: IHeaders = { ...record.headers, [header]: Buffer.from('https://evil.example/x') };
    assert.deepEqual(verifyMessage({ ...record, headers }, keyring), { ok: false, reason: 'mismatch' }, `altered ${header}`);
  }
  const { [SIGNATURE_HEADER]: _, ...unsigned } = record.headers ?? {};
  assert.deepEqual(verifyMessage({ ...record, headers: unsigned }, keyring), { ok: false, reason: 'missing' });
});

test('a record forwarded unchanged with routing headers added still verifies after a second hop', async (t) => {
  const event = rideRequested();
  const [first] = await roundTrip(t, [toKafkaMessage(event, keyring)]);
  assert.ok(first);
  const { transportHeaders } = fromKafkaMessage(first);
  assert.ok(Buffer.isBuffer(transportHeaders[SIGNATURE_HEADER]), 'the signature is kept as a transport header');

  const [forwarded] = await roundTrip(t, [
    { key: first.key, value: first.value, headers: { ...first.headers, 'herald-route-subscription': 'billing', 'herald-route-source-offset': first.offset } },
  ]);
  assert.ok(forwarded);
  assert.equal(forwarded.headers?.['herald-route-subscription']?.toString(), 'billing');
  assert.deepEqual(verifyMessage(forwarded, keyring), { ok: true, keyId: 'k2025' });
  assert.deepEqual(fromKafkaMessage(forwarded).event, event);
});
