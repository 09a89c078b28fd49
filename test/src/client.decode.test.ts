// @herald/client's EventDecoder on the real path: the event type's schema in a real schema
// registry, a signed record produced to the broker and consumed back as kafkajs delivers it,
// decoded into its attributes and plain data; a tampered copy is refused as bad_signature.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodeError, EventDecoder } from '@herald/client';
import { Keyring, toKafkaMessage, type HeraldEvent } from '@herald/envelope';
import { SchemaCodec, loadSchemaFiles } from '@herald/schemas';
import { cleanup, consumeN, createTestTopic, testKafka } from './helpers/kafka.js';
import { startRegistry } from './helpers/registry.js';
import { requested } from './helpers/rides.js';

const TYPE = 'com.acme.rides.ride.requested';
// The subject the publisher registers an event type's schema under.
const SUBJECT = `events.${TYPE}-value`;
const keyring = new Keyring({ currentKeyId: 'k2025', keys: { k2025: Buffer.alloc(32, 0x22) } });

const ride = requested('r-1');

test('EventDecoder returns the attributes and data of a record consumed from Kafka, and refuses a tampered one', async (t) => {
  const registry = await startRegistry(t);
  const rideSchema = loadSchemaFiles().find((file) => file.fullName === 'com.acme.rides.Ride');
  assert.ok(rideSchema, 'schemas/rides/ride.avsc is loaded');
  const producerCodec = new SchemaCodec({ registry: registry.url });
  const schemaId = await producerCodec.register(SUBJECT, rideSchema.text);

  const event: HeraldEvent = {
    specversion: '1.0',
    id: '0193a5c4-6f1e-7c3a-9d2b-5e8f1a2b3c4d',
    source: 'https://rides.acme.example/dispatch',
    type: TYPE,
    time: '2026-11-26T10:00:00.000Z',
    recordedtime: '2026-11-26T10:00:00.120Z',
    subject: 'rides/r-1',
    partitionkey: 'r-1',
    dataschema: `${registry.url}/schemas/ids/${schemaId}`,
    datacontenttype: 'application/avro',
    authtype: 'api_key',
    authid: 'rides-service',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    sequence: '1',
    data: await producerCodec.encode(SUBJECT, ride),
  };
  const message = toKafkaMessage(event, keyring);
  const tampered = { ...message, headers: { ...message.headers, ce_subject: 'rides/r-2' } };

  const topic = await createTestTopic(t, { prefix: 'client-decode' });
  const kafka = await testKafka('client-decode-test');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  cleanup(t, () => producer.disconnect());
  await producer.send({ topic, acks: -1, messages: [message, tampered] });
  const [consumed, consumedTampered] = await consumeN(t, kafka, topic, 2);
  assert.ok(consumed && consumedTampered);

  const decoder = new EventDecoder({ keyring, registry: registry.url });
  const decoded = await decoder.decode<typeof ride>(consumed);
  const { data: _encoded, ...attributes } = event;
  assert.deepEqual(decoded.attributes, attributes);
  assert.deepEqual(decoded.data, ride, 'plain objects, not avsc record instances');
  assert.deepEqual(Object.keys(decoded.transportHeaders), ['herald-signature']);

  await assert.rejects(decoder.decode(consumedTampered), (error: unknown) => error instanceof DecodeError && error.code === 'bad_signature' && error.reason === 'mismatch');
});
