// Records must be readable by any CloudEvents SDK; these tests read them with the official
// JavaScript SDK's Kafka binding, which takes string headers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloudEvent, Kafka, type CloudEventV1, type KafkaMessage } from 'cloudevents';
import { ATTRIBUTE_NAMES, type HeraldEvent } from './event.js';
import { toKafkaMessage, type HeraldKafkaMessage } from './kafka.js';
import { fullEvent, minimalEvent, oldKeyring } from './test-fixtures.js';

function readWithSdk(message: HeraldKafkaMessage): CloudEventV1<unknown> {
  const record: KafkaMessage = { key: message.key, value: message.value, body: message.value, headers: message.headers };
  const event = Kafka.toEvent(record);
  assert.ok(!Array.isArray(event), 'a binary-mode record is one event');
  return event;
}

function attributesOf(event: HeraldEvent): Record<string, unknown> {
  return Object.fromEntries(ATTRIBUTE_NAMES.filter((name) => event[name] !== undefined).map((name) => [name, event[name]]));
}

describe('the CloudEvents JavaScript SDK reads a Herald record', () => {
  for (const [name, event] of [
    ['every attribute', fullEvent()],
    ['only the required attributes', minimalEvent()],
  ] as const) {
    test(`with ${name} intact, data bytes included`, () => {
      const read = readWithSdk(toKafkaMessage(event, oldKeyring()));
      const { data, data_base64: _, ...sdkAttributes } = read as CloudEventV1<unknown> & Record<string, unknown>;
      const present = Object.fromEntries(Object.entries(sdkAttributes).filter(([, value]) => value !== undefined));
      assert.deepEqual(present, attributesOf(event), 'every attribute, extensions included, and nothing else');
      assert.ok(Buffer.isBuffer(data) && data.equals(event.data), 'the data bytes are the record value');
    });
  }

  test('as a valid CloudEvent by its own strict schema and extension-name rules', () => {
    const read = readWithSdk(toKafkaMessage(fullEvent(), oldKeyring()));
    assert.equal(new CloudEvent(read).validate(), true);
  });

  test('without taking the signature header for an attribute', () => {
    const read = readWithSdk(toKafkaMessage(fullEvent(), oldKeyring())) as unknown as Record<string, unknown>;
    assert.ok(!Object.keys(read).some((key) => key.includes('signature')));
  });
});

// Findings that shape the mapping; the README explains each.
describe('what the SDK does to a record', () => {
  test('it takes partitionkey from the record key, as given (a Buffer key gives a Buffer)', () => {
    const message = toKafkaMessage(fullEvent(), oldKeyring());
    assert.equal(readWithSdk({ ...message, key: 'another-key' }).partitionkey, 'another-key');
    const withBufferKey: KafkaMessage = { ...message, key: Buffer.from(message.key), body: message.value };
    const read = Kafka.toEvent(withBufferKey);
    assert.ok(!Array.isArray(read) && Buffer.isBuffer(read.partitionkey));
  });

  test('it rewrites time to Date#toISOString(): same instant, milliseconds, UTC', () => {
    const time = '2024-05-01T10:00:00.123456+02:00';
    const read = readWithSdk(toKafkaMessage(fullEvent({ time }), oldKeyring()));
    assert.equal(read.time, '2024-05-01T08:00:00.123Z');
    assert.equal(Date.parse(read.time ?? ''), Date.parse(time));
    assert.equal(read.recordedtime, fullEvent().recordedtime, 'an extension timestamp is left alone');
  });

  test('it parses application/json data instead of handing over the bytes', () => {
    const data = Buffer.from('{"rideId":"42"}');
    const read = readWithSdk(toKafkaMessage(fullEvent({ datacontenttype: 'application/json', data }), oldKeyring()));
    assert.deepEqual(read.data, { rideId: '42' });
  });
});
