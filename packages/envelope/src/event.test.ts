import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvelopeError } from './errors.js';
import { ATTRIBUTE_NAMES, assertValidEvent, validateEvent } from './event.js';
import { fullEvent, minimalEvent } from './test-fixtures.js';

/** The full event with one field replaced (or removed, with undefined). */
function withField(name: string, value: unknown): Record<string, unknown> {
  return { ...fullEvent(), [name]: value };
}

describe('validateEvent', () => {
  test('accepts an event with every attribute, and one with only the required ones', () => {
    assert.deepEqual(validateEvent(fullEvent()), []);
    assert.deepEqual(validateEvent(minimalEvent()), []);
  });

  test('the required attributes are exactly the ones the README lists', () => {
    const required = ATTRIBUTE_NAMES.filter((name) => validateEvent(withField(name, undefined)).length > 0);
    assert.deepEqual(required, ['specversion', 'id', 'source', 'type', 'time', 'recordedtime', 'partitionkey', 'datacontenttype', 'authtype']);
    for (const name of required) assert.deepEqual(validateEvent(withField(name, undefined)), [{ attribute: name, reason: 'is required' }]);
  });

  const accepted: [string, string][] = [
    ['source', 'urn:herald:producer:rides-service'],
    ['source', 'https://[2001:db8::1]:8443/producers/rides'],
    ['time', '2024-05-01T10:00:00.123456+02:00'],
    ['time', '2024-02-29T23:59:59-00:30'],
    ['recordedtime', '2000-02-29T00:00:00Z'],
    ['dataschema', 'http://localhost:8081/subjects/com.acme.rides.ride.requested-value/versions/3'],
    ['datacontenttype', 'application/json; charset=utf-8'],
    ['datacontenttype', 'application/vnd.acme+avro;v="1.0"'],
    ['dataref', '../rides/42'],
    ['dataref', '#fragment-only'],
    ['subject', 'rides/42 — ünïcode is fine'],
    ['type', 'com.acme.rides.ride_requested.v2'],
  ];
  for (const [attribute, value] of accepted) {
    test(`accepts ${attribute} ${JSON.stringify(value)}`, () => {
      assert.deepEqual(validateEvent(withField(attribute, value)), []);
    });
  }

  const rejected: [attribute: string, value: unknown, reason: string][] = [
    ['specversion', '0.3', 'must be "1.0", got "0.3"'],
    ['id', '', 'must not be empty'],
    ['id', 42, 'must be a string, got number'],
    ['id', null, 'must be a string, got null'],
    ['id', 'x'.repeat(257), 'must be at most 256 bytes of UTF-8, got 257'],
    ['id', 'abc\ndef', 'must not contain control character U+000A'],
    ['id', 'abc\uFFFE', 'must not contain noncharacter U+FFFE'],
    ['id', 'abc\uD800', 'must not contain unpaired surrogate U+D800'],
    ['source', 'not a uri', 'must be a URI-reference (RFC 3986), got "not a uri"'],
    ['source', 'http://[zz::1]/producers', 'must be a URI-reference (RFC 3986), got "http://[zz::1]/producers"'],
    ['type', 'RideRequested', 'must be a reverse-DNS name of at least three lowercase dot-separated segments such as "com.acme.rides.ride.requested", got "RideRequested"'],
    ['type', 'com.acme', 'must be a reverse-DNS name of at least three lowercase dot-separated segments such as "com.acme.rides.ride.requested", got "com.acme"'],
    ['type', `com.acme.${'a'.repeat(234)}`, 'must be at most 242 bytes of UTF-8, got 243'],
    ['time', 'yesterday', 'must be an RFC 3339 timestamp, got "yesterday"'],
    ['time', '2024-05-01 08:00:00Z', 'must be an RFC 3339 timestamp, got "2024-05-01 08:00:00Z"'],
    ['time', '2024-05-01t08:00:00z', 'must be an RFC 3339 timestamp, got "2024-05-01t08:00:00z"'],
    ['time', '2024-05-01T08:00:00', 'must be an RFC 3339 timestamp, got "2024-05-01T08:00:00"'],
    ['time', '2023-02-29T08:00:00Z', 'must be an RFC 3339 timestamp, got "2023-02-29T08:00:00Z": 2023-02 has 28 days'],
    ['time', '2024-13-01T08:00:00Z', 'must be an RFC 3339 timestamp, got "2024-13-01T08:00:00Z": there is no month 13'],
    ['time', '2024-05-01T24:00:00Z', 'must be an RFC 3339 timestamp, got "2024-05-01T24:00:00Z": an hour is at most 23'],
    ['time', '2024-05-01T08:00:00+05:60', 'must be an RFC 3339 timestamp, got "2024-05-01T08:00:00+05:60": a minute is at most 59'],
    ['time', '2016-12-31T23:59:60Z', 'must not be a leap second (:60): a JavaScript Date, and so the CloudEvents JS SDK, cannot represent it; got "2016-12-31T23:59:60Z"'],
    ['recordedtime', 1714550400000, 'must be a string, got number'],
    ['subject', '', 'must not be empty'],
    ['partitionkey', 'k'.repeat(1025), 'must be at most 1024 bytes of UTF-8, got 1025'],
    ['dataschema', 'schemas/ids/7', 'must be an absolute URI with a scheme (RFC 3986), got the relative reference "schemas/ids/7"'],
    ['dataschema', 'http://registry/schemas/{id}', 'must be a URI (RFC 3986), got "http://registry/schemas/{id}"'],
    ['datacontenttype', 'avro', 'must be a media type such as "application/avro" (RFC 9110), got "avro"'],
    ['datacontenttype', 'application/json; charset', 'must be a media type such as "application/avro" (RFC 9110), got "application/json; charset"'],
    [
      'datacontenttype',
      'application/cloudevents+json',
      'must not be an application/cloudevents media type: in binary content mode that marks a structured-mode record; got "application/cloudevents+json"',
    ],
    ['authtype', 'admin', 'must be one of app_user, user, service_account, api_key, system, unauthenticated, unknown, got "admin"'],
    ['authid', '', 'must not be empty'],
    ['dataref', 'http://[::1', 'must be a URI-reference (RFC 3986), got "http://[::1"'],
    ['dataref', 'rides/%zz', 'must be a URI-reference (RFC 3986), got "rides/%zz"'],
    ['traceparent', '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01', 'must be a W3C traceparent "00-<32 hex>-<16 hex>-<2 hex>" in lowercase hex, got "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01"'],
    ['traceparent', '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'must be a W3C traceparent "00-<32 hex>-<16 hex>-<2 hex>" in lowercase hex, got "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"'],
    ['traceparent', '00-00000000000000000000000000000000-b7ad6b7169203331-01', 'must not have an all-zero trace-id, got "00-00000000000000000000000000000000-b7ad6b7169203331-01"'],
    ['traceparent', '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01', 'must not have an all-zero parent-id, got "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"'],
    ['sequence', '', 'must not be empty'],
    ['sequence', 7, 'must be a string, got number'],
    ['data', undefined, 'is required'],
    ['data', 'AAAABw==', 'must be a Buffer of encoded bytes, got "AAAABw=="'],
    ['data', new Uint8Array([1, 2]), 'must be a Buffer of encoded bytes, got object'],
    ['tracestate', 'rojo=00f067aa0ba902b7', 'is not a Herald event attribute'],
    ['partition_key', 'ride-42', 'is not a Herald event attribute, nor a valid CloudEvents attribute name (lowercase a-z and 0-9 only)'],
  ];
  for (const [attribute, value, reason] of rejected) {
    test(`rejects ${attribute} ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value)}`, () => {
      assert.deepEqual(validateEvent(withField(attribute, value)), [{ attribute, reason }]);
    });
  }

  test('cuts long values short in a reason', () => {
    const [problem] = validateEvent(withField('time', `${'9'.repeat(100)}`));
    assert.equal(problem?.reason, `must be an RFC 3339 timestamp, got "${'9'.repeat(80)}…"`);
  });

  test('rejects what is not an object', () => {
    assert.deepEqual(validateEvent(null), [{ attribute: 'event', reason: 'must be an object of attributes and data, got null' }]);
    assert.deepEqual(validateEvent([fullEvent()]), [{ attribute: 'event', reason: 'must be an object of attributes and data, got an array' }]);
  });

  test('reports every problem at once, in attribute order', () => {
    const problems = validateEvent({ ...fullEvent(), time: 'yesterday', id: '', authtype: 'root', extra: 'x', data: undefined });
    assert.deepEqual(
      problems.map((p) => p.attribute),
      ['id', 'time', 'authtype', 'data', 'extra'],
    );
  });
});

describe('assertValidEvent', () => {
  test('passes a valid event', () => {
    assert.doesNotThrow(() => assertValidEvent(fullEvent()));
  });

  test('throws a non-retriable invalid_event EnvelopeError carrying every problem', () => {
    const candidate = { ...fullEvent(), time: 'yesterday', specversion: '0.3' };
    assert.throws(
      () => assertValidEvent(candidate),
      (error: unknown) => {
        assert.ok(error instanceof EnvelopeError);
        assert.equal(error.code, 'invalid_event');
        assert.equal(error.retriable, false);
        assert.deepEqual(error.problems, [
          { attribute: 'specversion', reason: 'must be "1.0", got "0.3"' },
          { attribute: 'time', reason: 'must be an RFC 3339 timestamp, got "yesterday"' },
        ]);
        assert.match(error.message, /^invalid Herald event: specversion must be "1\.0", got "0\.3"; time must be an RFC 3339 timestamp/);
        return true;
      },
    );
  });
});
