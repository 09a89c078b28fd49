import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compatibilityLevels } from '@herald/catalog';
import { componentSchemas, provenanceAttributes } from './openapi.js';
import { validateEventTypeCreate, validateEventTypeUpdate, validatePublishRequest, type EventTypeCreateBody, type ValidationError } from './validation.js';

const NAME_PATTERN = componentSchemas.EventTypeName.pattern;
const PARTITION_KEY_PATTERN = componentSchemas.EventTypeCreate.properties?.partitionKey?.pattern;
const TRACEPARENT_PATTERN = '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

const rideType = {
  name: 'com.acme.rides.ride.requested',
  description: 'A rider requested a ride.',
  source: 'https://rides.acme.example/dispatch',
  mode: 'state',
  schema: { type: 'record', name: 'Ride', fields: [{ name: 'rideId', type: 'string' }] },
  partitionKey: 'rideId',
} satisfies EventTypeCreateBody;

const invalid = (...errors: ValidationError[]) => ({ ok: false, errors });
const invalidRequest = (...errors: ValidationError[]) => ({ ok: false, provenance: false, errors });

// --- Publishing ------------------------------------------------------------------------------

test('publish: one event, or a batch of them, with only data required', () => {
  for (const body of [
    { data: { rideId: 'r-1' } },
    { data: null },
    { data: 'a string schema' },
    [{ data: { rideId: 'r-1' } }, { data: { rideId: 'r-2' }, id: 'e-2', partitionKey: 'r-2' }],
    {
      data: {},
      id: 'x'.repeat(256),
      time: '2026-11-26T10:00:00+01:00',
      subject: 's'.repeat(1024),
      partitionKey: 'k'.repeat(1024),
      dataref: '/payments/p-9',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      sequence: '9'.repeat(256),
    },
  ]) {
    assert.deepEqual(validatePublishRequest(body), { ok: true, value: body });
  }
});

const publishCases: [string, unknown, ValidationError[]][] = [
  ['missing data', { id: 'e-1' }, [{ path: '/data', message: "must have required property 'data'" }]],
  ['missing data in a batch', [{ data: 1 }, { id: 'e-2' }], [{ path: '/1/data', message: "must have required property 'data'" }]],
  ['unknown property', { data: 1, colour: 'red' }, [{ path: '/colour', message: "unknown property 'colour'" }]],
  // The CloudEvents spelling is not the body's.
  ['partitionkey in lowercase', { data: 1, partitionkey: 'k' }, [{ path: '/partitionkey', message: "unknown property 'partitionkey'" }]],
  ['time not RFC 3339', { data: 1, time: '26/11/2026' }, [{ path: '/time', message: 'must match format "date-time"' }]],
  ['time without an offset', { data: 1, time: '2026-11-26T10:00:00' }, [{ path: '/time', message: 'must match format "date-time"' }]],
  ['dataref not a URI reference', { data: 1, dataref: 'https://[payments' }, [{ path: '/dataref', message: 'must match format "uri-reference"' }]],
  ['traceparent of another version', { data: 1, traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, [{ path: '/traceparent', message: `must match pattern "${TRACEPARENT_PATTERN}"` }]],
  ['traceparent in upper case', { data: 1, traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01' }, [{ path: '/traceparent', message: `must match pattern "${TRACEPARENT_PATTERN}"` }]],
  ['empty batch', [], [{ path: '', message: 'must have at least 1 item' }]],
  ['empty id', { data: 1, id: '' }, [{ path: '/id', message: 'must not be empty' }]],
  ['id too long', { data: 1, id: 'x'.repeat(257) }, [{ path: '/id', message: 'must be at most 256 characters long' }]],
  ['partitionKey too long', { data: 1, partitionKey: 'k'.repeat(1025) }, [{ path: '/partitionKey', message: 'must be at most 1024 characters long' }]],
  ['subject too long', { data: 1, subject: 's'.repeat(1025) }, [{ path: '/subject', message: 'must be at most 1024 characters long' }]],
  ['sequence too long', { data: 1, sequence: '9'.repeat(257) }, [{ path: '/sequence', message: 'must be at most 256 characters long' }]],
  [
    'wrong types',
    { data: 1, id: 42, sequence: 7, time: null },
    [
      { path: '/id', message: 'must be string' },
      { path: '/time', message: 'must be string' },
      { path: '/sequence', message: 'must be string' },
    ],
  ],
  ['a batch item that is not an object', [{ data: 1 }, 'event'], [{ path: '/1', message: 'must be object' }]],
  ['a string', 'event', [{ path: '', message: 'must be an event object or a non-empty array of event objects' }]],
  ['null', null, [{ path: '', message: 'must be an event object or a non-empty array of event objects' }]],
  [
    'every problem of every event at once',
    [{ time: 'now' }, { data: 1, id: '' }],
    [
      { path: '/0/data', message: "must have required property 'data'" },
      { path: '/0/time', message: 'must match format "date-time"' },
      { path: '/1/id', message: 'must not be empty' },
    ],
  ],
];

for (const [name, body, errors] of publishCases) {
  test(`publish: ${name}`, () => {
    assert.deepEqual(validatePublishRequest(body), invalidRequest(...errors));
  });
}

test('publish: a failed oneOf reports the branch of the body’s shape, not both', () => {
  const single = validatePublishRequest({ id: 'e-1' });
  const batch = validatePublishRequest([{ id: 'e-1' }]);
  for (const result of [single, batch]) {
    assert.equal(result.ok, false);
    const messages = result.ok ? [] : result.errors.map((error) => error.message);
    assert.ok(!messages.some((message) => /oneOf|must be (object|array)/.test(message)), messages.join('; '));
  }
});

test('publish: each attribute Herald stamps is answered as provenance, named with its path', () => {
  for (const attribute of provenanceAttributes) {
    const result = validatePublishRequest({ data: 1, [attribute]: 'x' });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.provenance, attribute);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0]?.path, `/${attribute}`);
    assert.match(result.errors[0]?.message ?? '', new RegExp(`^${attribute} is stamped by Herald .+; remove it$`));
  }
  assert.deepEqual(validatePublishRequest({ data: 1, source: 'https://evil.example' }), {
    ok: false,
    provenance: true,
    errors: [{ path: '/source', message: 'source is stamped by Herald from the authenticated principal; remove it' }],
  });
});

test('publish: provenance in a batch is reported alone, for every event that sets it', () => {
  const body = [{ data: 1, type: 'com.acme.other.type' }, { id: '' }, { data: 1, source: 's', authid: 'me' }];
  assert.deepEqual(validatePublishRequest(body), {
    ok: false,
    provenance: true,
    errors: [
      { path: '/0/type', message: 'type is stamped by Herald from the event type in the URL; remove it' },
      { path: '/2/source', message: 'source is stamped by Herald from the authenticated principal; remove it' },
      { path: '/2/authid', message: 'authid is stamped by Herald from the authenticated principal; remove it' },
    ],
  });
});

// --- Event types -----------------------------------------------------------------------------

test('event types: the required fields alone, and every field, are a valid declaration', () => {
  assert.deepEqual(validateEventTypeCreate(rideType), { ok: true, value: rideType });
  const full = {
    ...rideType,
    name: 'io.example-corp.v2.thing-happened',
    owner: 'team:rides@acme',
    schema: '"string"',
    compatibility: 'FULL_TRANSITIVE',
    partitionKey: 'ride._id2.value',
    topic: { partitions: 1000, retentionMs: -1, replicationFactor: 1, latestState: true },
    writers: ['rides-service'],
    readers: [],
  };
  assert.deepEqual(validateEventTypeCreate(full), { ok: true, value: full });
  for (const compatibility of compatibilityLevels) assert.equal(validateEventTypeCreate({ ...rideType, compatibility }).ok, true, compatibility);
  assert.equal(validateEventTypeCreate({ ...rideType, topic: { retentionMs: 3_600_000 } }).ok, true);
});

const eventTypeCases: [string, unknown, ValidationError[]][] = [
  ['not an object', [rideType], [{ path: '', message: 'must be object' }]],
  ['missing name', { ...rideType, name: undefined }, [{ path: '/name', message: "must have required property 'name'" }]],
  ['name in upper case', { ...rideType, name: 'Com.Acme.Rides' }, [{ path: '/name', message: `must match pattern "${NAME_PATTERN}"` }]],
  ['name of two segments', { ...rideType, name: 'acme.rides' }, [{ path: '/name', message: `must match pattern "${NAME_PATTERN}"` }]],
  ['name with an empty segment', { ...rideType, name: 'com..acme.rides' }, [{ path: '/name', message: `must match pattern "${NAME_PATTERN}"` }]],
  ['name segment starting with a hyphen', { ...rideType, name: 'com.acme.-rides' }, [{ path: '/name', message: `must match pattern "${NAME_PATTERN}"` }]],
  ['name too long', { ...rideType, name: `com.acme.${'r'.repeat(192)}` }, [{ path: '/name', message: 'must be at most 200 characters long' }]],
  ['partitionKey starting with a digit', { ...rideType, partitionKey: '1ride' }, [{ path: '/partitionKey', message: `must match pattern "${PARTITION_KEY_PATTERN}"` }]],
  ['partitionKey with an empty segment', { ...rideType, partitionKey: 'ride..id' }, [{ path: '/partitionKey', message: `must match pattern "${PARTITION_KEY_PATTERN}"` }]],
  ['partitionKey as a JSON pointer', { ...rideType, partitionKey: '/ride/id' }, [{ path: '/partitionKey', message: `must match pattern "${PARTITION_KEY_PATTERN}"` }]],
  ['compatibility in lower case', { ...rideType, compatibility: 'backward' }, [{ path: '/compatibility', message: `must be one of ${compatibilityLevels.map((level) => `"${level}"`).join(', ')}` }]],
  ['unknown mode', { ...rideType, mode: 'command' }, [{ path: '/mode', message: 'must be one of "state", "notification"' }]],
  ['relative source', { ...rideType, source: '/dispatch' }, [{ path: '/source', message: 'must match format "uri"' }]],
  ['empty description', { ...rideType, description: '' }, [{ path: '/description', message: 'must not be empty' }]],
  ['schema that is a number', { ...rideType, schema: 42 }, [{ path: '/schema', message: 'must be object, array or string' }]],
  ['owner that is no principal id', { ...rideType, owner: 'rides team' }, [{ path: '/owner', message: 'must match pattern "^[A-Za-z0-9._:@-]{1,128}$"' }]],
  ['too many writers', { ...rideType, writers: Array.from({ length: 1001 }, (_, i) => `w${i}`) }, [{ path: '/writers', message: 'must have at most 1000 items' }]],
  ['unknown property', { ...rideType, topicName: 'events.x' }, [{ path: '/topicName', message: "unknown property 'topicName'" }]],
  [
    'wrong types',
    { ...rideType, description: 42, writers: 'rides-service', topic: { partitions: '6', latestState: 'yes' } },
    [
      { path: '/description', message: 'must be string' },
      { path: '/topic/partitions', message: 'must be integer' },
      { path: '/topic/latestState', message: 'must be boolean' },
      { path: '/writers', message: 'must be array' },
    ],
  ],
  [
    'topic out of bounds',
    { ...rideType, topic: { partitions: 0, replicationFactor: 33, retentionMs: 60_000, compacted: true } },
    [
      { path: '/topic/compacted', message: "unknown property 'compacted'" },
      { path: '/topic/partitions', message: 'must be >= 1' },
      { path: '/topic/retentionMs', message: 'must be -1 or must be >= 3600000' },
      { path: '/topic/replicationFactor', message: 'must be <= 32' },
    ],
  ],
];

for (const [name, body, errors] of eventTypeCases) {
  test(`event types: ${name}`, () => {
    assert.deepEqual(validateEventTypeCreate(body), invalid(...errors));
  });
}

test('event types: PUT takes the name from the path and ignores read-only fields sent back', () => {
  const { name: _name, ...declaration } = rideType;
  assert.deepEqual(validateEventTypeUpdate(declaration), { ok: true, value: declaration });
  const fetched = { ...rideType, name: 'whatever', topicName: 'events.x', subject: 'events.x-value', schemaId: 3, schemaVersion: 1, revision: 1, createdAt: 'then', updatedAt: 'now' };
  assert.deepEqual(validateEventTypeUpdate(fetched), { ok: true, value: fetched });
});

test('event types: PUT checks the declaration as POST does', () => {
  assert.deepEqual(
    validateEventTypeUpdate({ ...rideType, description: undefined, mode: 'stream', owners: ['x'] }),
    invalid(
      { path: '/description', message: "must have required property 'description'" },
      { path: '/owners', message: "unknown property 'owners'" },
      { path: '/mode', message: 'must be one of "state", "notification"' },
    ),
  );
});

// --- The error rendering ---------------------------------------------------------------------

test('paths are JSON pointers: "/" and "~" in property names are escaped', () => {
  assert.deepEqual(validateEventTypeCreate({ ...rideType, 'a/b~c': 1 }), invalid({ path: '/a~1b~0c', message: "unknown property 'a/b~c'" }));
});
