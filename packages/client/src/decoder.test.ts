// EventDecoder without a schema registry: records made by toKafkaMessage, a registry URL where
// nothing listens (so a record that gets as far as the registry fails differently), and a
// codec that answers without one. The Avro round trip is test/src/client.decode.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Keyring, SIGNATURE_HEADER, toKafkaMessage, type HeraldEvent, type KafkaRecord } from '@herald/envelope';
import { SchemaCodec } from '@herald/schemas';
import { EventDecoder } from './decoder.js';
import { DecodeError } from './errors.js';

// Nothing listens on port 1, so a registry call would fail as undecodable_data (ECONNREFUSED:
// the registry client uses node:http, which, unlike fetch, does not refuse the port outright).
const CLOSED_REGISTRY = 'http://127.0.0.1:1';
const keyring = new Keyring({ currentKeyId: 'k2025', keys: { k2025: Buffer.alloc(32, 0x22) } });
/** Confluent wire format: magic byte 0, schema id 7, an Avro body. */
const WIRE_VALUE = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x07, 0x0a, 0x72, 0x69, 0x64, 0x65]);

function rideRequested(): HeraldEvent {
  return {
    specversion: '1.0',
    id: '0193a5c4-6f1e-7c3a-9d2b-5e8f1a2b3c4d',
    source: 'https://rides.acme.example/dispatch',
    type: 'com.acme.rides.ride.requested',
    time: '2026-11-26T10:00:00.000Z',
    recordedtime: '2026-11-26T10:00:00.120Z',
    subject: 'rides/r-1',
    partitionkey: 'r-1',
    dataschema: 'http://localhost:8081/schemas/ids/7',
    datacontenttype: 'application/avro',
    authtype: 'api_key',
    authid: 'rides-service',
    dataref: 'https://rides.acme.example/rides/r-1',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    sequence: '42',
    data: WIRE_VALUE,
  };
}

/** As a kafkajs consumer hands a record over: key and header values as Buffers. */
function asConsumed(message: { key: string; value: Buffer; headers: Record<string, string> }): KafkaRecord {
  return {
    key: Buffer.from(message.key),
    value: message.value,
    headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)])),
  };
}

const uint32 = (n: number): Buffer => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(n);
  return bytes;
};
const field = (bytes: Buffer): Buffer => Buffer.concat([uint32(bytes.length), bytes]);

/**
 * Signs a record as packages/envelope/README.md specifies, to make what toKafkaMessage refuses
 * to: a record whose signature verifies but whose attributes are invalid.
 */
function signAnyway(message: { key: string; value: Buffer; headers: Record<string, string> }): { key: string; value: Buffer; headers: Record<string, string> } {
  const signed = Object.entries(message.headers)
    .filter(([name]) => name === 'content-type' || name.startsWith('ce_'))
    .map(([name, value]) => [Buffer.from(name), Buffer.from(value)] as const)
    .sort(([a], [b]) => Buffer.compare(a, b));
  const input = Buffer.concat([
    field(Buffer.from('herald-signature-v1')),
    field(Buffer.from(message.key)),
    field(message.value),
    uint32(signed.length),
    ...signed.flatMap(([name, value]) => [field(name), uint32(1), field(value)]),
  ]);
  const { keyId, mac } = keyring.sign(input);
  return { ...message, headers: { ...message.headers, [SIGNATURE_HEADER]: `v1;kid=${keyId};sig=${mac.toString('base64url')}` } };
}

/** Stands in for avsc's generated record classes: fields plus prototype methods. */
class Location {
  constructor(
    readonly lat: number,
    readonly lon: number,
  ) {}
  clone(): Location {
    return new Location(this.lat, this.lon);
  }
}
class Ride {
  constructor(
    readonly rideId: string,
    readonly stops: Location[],
    readonly receipt: Buffer,
  ) {}
}

/** A codec that needs no registry: it records what it was asked and answers `decoded`. */
class AnsweringCodec extends SchemaCodec {
  readonly asked: Buffer[] = [];

  constructor(private readonly decoded: () => unknown) {
    super({ registry: CLOSED_REGISTRY });
  }

  override decode<T>(value: Buffer): Promise<T> {
    this.asked.push(value);
    return Promise.resolve(this.decoded() as T);
  }
}

async function decodeError(decoder: EventDecoder, record: KafkaRecord): Promise<DecodeError> {
  const error = await decoder.decode(record).catch((e: unknown) => e);
  assert.ok(error instanceof DecodeError, `expected a DecodeError, got ${String(error)}`);
  return error;
}

describe('EventDecoder', () => {
  test('returns every attribute, the data as plain objects and the transport headers', async () => {
    const codec = new AnsweringCodec(() => new Ride('r-1', [new Location(52.52, 13.4)], Buffer.from('paid')));
    const message = toKafkaMessage(rideRequested(), keyring);
    const record = asConsumed(message);
    record.headers = { ...record.headers, 'herald-route-rule': Buffer.from('billing') };

    const event = await new EventDecoder({ keyring, registry: codec }).decode<{ rideId: string }>(record);

    const { data: _data, ...attributes } = rideRequested();
    assert.deepEqual(event.attributes, attributes);
    assert.deepEqual(event.data, { rideId: 'r-1', stops: [{ lat: 52.52, lon: 13.4 }], receipt: Buffer.from('paid') });
    assert.equal(event.data.rideId, 'r-1');
    assert.deepEqual(event.transportHeaders, { [SIGNATURE_HEADER]: Buffer.from(message.headers[SIGNATURE_HEADER]!), 'herald-route-rule': Buffer.from('billing') });
    assert.deepEqual(codec.asked, [WIRE_VALUE]);
  });

  test('decodeAs narrows the data by the event type', async () => {
    type Types = { 'com.acme.rides.ride.requested': { rideId: string }; 'com.acme.payments.payment.settled': { paymentId: string } };
    const decoder = new EventDecoder({ keyring, registry: new AnsweringCodec(() => ({ rideId: 'r-1' })) });
    const event = await decoder.decodeAs<Types>(asConsumed(toKafkaMessage(rideRequested(), keyring)));
    // @ts-expect-error until the type is checked, the data may be a payment
    assert.equal(event.data.rideId, 'r-1');
    if (event.type !== 'com.acme.rides.ride.requested') assert.fail(`decoded as ${event.type}`);
    assert.equal(event.data.rideId, 'r-1');
  });

  for (const [failure, tamper] of [
    ['mismatch', (record: KafkaRecord) => ({ ...record, value: Buffer.concat([WIRE_VALUE, Buffer.from([0x00])]) })],
    ['mismatch', (record: KafkaRecord) => ({ ...record, headers: { ...record.headers, ce_source: Buffer.from('https://evil.example') } })],
    ['missing', (record: KafkaRecord) => ({ ...record, headers: { ...record.headers, [SIGNATURE_HEADER]: undefined } })],
    ['malformed', (record: KafkaRecord) => ({ ...record, headers: { ...record.headers, [SIGNATURE_HEADER]: Buffer.from('v1;sig=nope') } })],
  ] as const) {
    test(`a ${failure} signature is bad_signature, before any attribute check or registry call`, async () => {
      const error = await decodeError(new EventDecoder({ keyring, registry: CLOSED_REGISTRY }), tamper(asConsumed(toKafkaMessage(rideRequested(), keyring))));
      assert.equal(error.code, 'bad_signature');
      assert.equal(error.reason, failure);
      assert.equal(error.retriable, false);
    });
  }

  test('a record signed with a key the keyring does not hold is bad_signature unknown_key', async () => {
    const otherKeyring = new Keyring({ currentKeyId: 'k2026', keys: { k2026: Buffer.alloc(32, 0x33) } });
    const error = await decodeError(new EventDecoder({ keyring, registry: CLOSED_REGISTRY }), asConsumed(toKafkaMessage(rideRequested(), otherKeyring)));
    assert.equal(error.code, 'bad_signature');
    assert.equal(error.reason, 'unknown_key');
  });

  test('a validly signed record with invalid attributes is invalid_event with every problem, before any registry call', async () => {
    const message = toKafkaMessage(rideRequested(), keyring);
    assert.deepEqual(signAnyway(message), message, 'the test signer signs as the envelope does');

    const forged = signAnyway({ ...message, headers: { ...message.headers, ce_time: 'yesterday', ce_authtype: 'wizard' } });
    const error = await decodeError(new EventDecoder({ keyring, registry: CLOSED_REGISTRY }), asConsumed(forged));
    assert.equal(error.code, 'invalid_event');
    assert.deepEqual(
      error.problems.map((problem) => problem.attribute),
      ['time', 'authtype'],
    );
    assert.match(error.message, /time must be an RFC 3339 timestamp/);
  });

  test('data that is not in the Confluent wire format is undecodable_data, not retriable', async () => {
    const event = { ...rideRequested(), data: Buffer.from('{"rideId":"r-1"}') };
    const error = await decodeError(new EventDecoder({ keyring, registry: CLOSED_REGISTRY }), asConsumed(toKafkaMessage(event, keyring)));
    assert.equal(error.code, 'undecodable_data');
    assert.equal(error.retriable, false);
    assert.equal((error.cause as Error).name, 'WireFormatError');
  });

  test('an unreachable registry is undecodable_data and retriable: the record itself may be fine', async () => {
    const error = await decodeError(new EventDecoder({ keyring, registry: CLOSED_REGISTRY }), asConsumed(toKafkaMessage(rideRequested(), keyring)));
    assert.equal(error.code, 'undecodable_data');
    assert.equal(error.retriable, true);
    assert.match(error.message, /ECONNREFUSED/);
  });
});
