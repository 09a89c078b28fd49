import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvelopeError, type EnvelopeProblem } from './errors.js';
import { fromKafkaMessage, readVerifiedAttributes, toKafkaMessage } from './kafka.js';
import type { KafkaHeaders, KafkaRecord } from './record.js';
import { fullEvent, minimalEvent, oldKeyring } from './test-fixtures.js';

/** The record as a kafkajs consumer hands it over: key and header values as Buffers. */
function asConsumed(message: { key: string; value: Buffer; headers: Record<string, string> }): KafkaRecord {
  return {
    key: Buffer.from(message.key),
    value: Buffer.from(message.value),
    headers: Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, Buffer.from(value)])),
  };
}

function problemsOf(record: KafkaRecord): EnvelopeProblem[] {
  try {
    fromKafkaMessage(record);
  } catch (error) {
    assert.ok(error instanceof EnvelopeError);
    assert.equal(error.code, 'invalid_message');
    return [...error.problems];
  }
  assert.fail('fromKafkaMessage accepted the record');
}

describe('toKafkaMessage', () => {
  test('keys the record by partitionkey, puts data in the value and every attribute in a header', () => {
    const event = fullEvent();
    const message = toKafkaMessage(event, oldKeyring());
    assert.equal(message.key, 'ride-42');
    assert.ok(message.value.equals(event.data));
    const { 'herald-signature': signature, ...headers } = message.headers;
    assert.deepEqual(headers, {
      'content-type': 'application/avro',
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_source: event.source,
      ce_type: event.type,
      ce_time: event.time,
      ce_recordedtime: event.recordedtime,
      ce_subject: event.subject,
      ce_partitionkey: 'ride-42',
      ce_dataschema: event.dataschema,
      ce_authtype: 'service_account',
      ce_authid: event.authid,
      ce_dataref: event.dataref,
      ce_traceparent: event.traceparent,
      ce_sequence: event.sequence,
    });
    assert.match(signature ?? '', /^v1;kid=k2024;sig=[A-Za-z0-9_-]{43}$/);
  });

  test('writes no header for an absent optional attribute', () => {
    const { headers } = toKafkaMessage(minimalEvent(), oldKeyring());
    assert.deepEqual(Object.keys(headers).sort(), [
      'ce_authtype',
      'ce_id',
      'ce_partitionkey',
      'ce_recordedtime',
      'ce_source',
      'ce_specversion',
      'ce_time',
      'ce_type',
      'content-type',
      'herald-signature',
    ]);
  });

  test('refuses an invalid event with an invalid_event EnvelopeError', () => {
    assert.throws(
      () => toKafkaMessage({ ...fullEvent(), time: 'yesterday' }, oldKeyring()),
      (error: unknown) =>
        error instanceof EnvelopeError &&
        error.code === 'invalid_event' &&
        error.problems.length === 1 &&
        error.problems[0]?.reason === 'must be an RFC 3339 timestamp, got "yesterday"',
    );
  });
});

describe('fromKafkaMessage', () => {
  for (const [name, event] of [
    ['every attribute', fullEvent()],
    ['only the required attributes', minimalEvent()],
  ] as const) {
    test(`round-trips an event with ${name}, as produced and as consumed`, () => {
      const message = toKafkaMessage(event, oldKeyring());
      assert.deepEqual(fromKafkaMessage(message).event, event);
      assert.deepEqual(fromKafkaMessage(asConsumed(message)).event, event);
    });
  }

  test('keeps every non-CloudEvents header, as received, in transportHeaders', () => {
    const message = asConsumed(toKafkaMessage(fullEvent(), oldKeyring()));
    const route = [Buffer.from('sub.billing'), Buffer.from('sub.audit')];
    const { transportHeaders } = fromKafkaMessage({ ...message, headers: { ...message.headers, 'herald-route-subscriptions': route, traceid: 'abc' } });
    assert.deepEqual(Object.keys(transportHeaders).sort(), ['herald-route-subscriptions', 'herald-signature', 'traceid']);
    assert.equal(transportHeaders['herald-route-subscriptions'], route);
    assert.equal(transportHeaders['herald-signature'], message.headers?.['herald-signature']);
  });

  test('reports every problem of a record at once', () => {
    const message = toKafkaMessage(fullEvent(), oldKeyring());
    const headers: KafkaHeaders = {
      ...message.headers,
      ce_type: [message.headers.ce_type ?? '', 'com.evil.rides.ride.requested'],
      ce_subject: Buffer.from([0x72, 0xff, 0x66]),
      ce_time: 'yesterday',
      ce_datacontenttype: 'application/avro',
      CE_Source: 'https://evil.example',
      ce_tracestate: 'rojo=1',
      ce___proto__: 'x',
      ce_authid: undefined,
    };
    assert.deepEqual(problemsOf({ key: 'ride-43', value: null, headers }), [
      { attribute: 'type', reason: 'must be a single header, got 2' },
      { attribute: 'subject', reason: 'must be UTF-8 (CloudEvents Kafka binding 3.2.3)' },
      { attribute: 'datacontenttype', reason: 'must travel in the content-type header, not in ce_datacontenttype (CloudEvents Kafka binding 3.2.1)' },
      {
        attribute: 'CE_Source',
        reason: 'is a CloudEvents header name in the wrong case: the Kafka binding uses lowercase names, and Kafka header names are case-sensitive',
      },
      { attribute: 'time', reason: 'must be an RFC 3339 timestamp, got "yesterday"' },
      { attribute: 'data', reason: 'is required' },
      { attribute: 'tracestate', reason: 'is not a Herald event attribute' },
      { attribute: '__proto__', reason: 'is not a Herald event attribute, nor a valid CloudEvents attribute name (lowercase a-z and 0-9 only)' },
      { attribute: 'partitionkey', reason: 'must equal the record key, got key "ride-43"' },
    ]);
  });

  test('requires the record key, since CloudEvents SDKs read partitionkey from it', () => {
    const message = toKafkaMessage(fullEvent(), oldKeyring());
    assert.deepEqual(problemsOf({ ...message, key: null }), [{ attribute: 'partitionkey', reason: 'must also be the record key, but the record has no key' }]);
  });

  test('reads the datacontenttype from the content-type header only', () => {
    const { 'content-type': _, ...headers } = toKafkaMessage(fullEvent(), oldKeyring()).headers;
    assert.deepEqual(problemsOf({ key: 'ride-42', value: Buffer.alloc(1), headers }), [{ attribute: 'datacontenttype', reason: 'is required' }]);
  });
});

test('readVerifiedAttributes reads the attributes of a consumed record as fromKafkaMessage does, transport headers aside', () => {
  for (const event of [fullEvent(), minimalEvent()]) {
    const consumed = asConsumed(toKafkaMessage(event, oldKeyring()));
    consumed.headers = { ...consumed.headers, 'herald-subscription': Buffer.from('billing') };
    const { data, ...attributes } = fromKafkaMessage(consumed).event;
    assert.ok(data.length > 0);
    assert.deepEqual({ ...readVerifiedAttributes(consumed) }, { ...attributes });
  }
});
