import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeType, InvalidSchemaError, parseAvroSchema } from './avro.js';

const ride = {
  type: 'record',
  name: 'Ride',
  namespace: 'com.herald',
  doc: 'A ride booked by a passenger',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'fare', type: { type: 'record', name: 'Fare', fields: [{ name: 'amount', type: 'double', default: 0 }] } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['OPEN', 'DONE'], default: 'OPEN' } },
    { name: 'bookedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'map', values: 'string' }, default: { source: 'app', channel: 'web' } },
  ],
};

function canonicalOf(schema: unknown): string {
  return parseAvroSchema(JSON.stringify(schema)).canonical;
}

/** A copy of `ride` with its first field (`id`) replaced. */
function rideWithId(field: Record<string, unknown>): unknown {
  return { ...ride, fields: [{ name: 'id', type: 'string', ...field }, ...ride.fields.slice(1)] };
}

describe('canonical form', () => {
  test('ignores whitespace and the order of object keys, also inside defaults', () => {
    const reordered = {
      fields: [
        { type: 'string', name: 'id' },
        { type: { fields: [{ default: 0, type: 'double', name: 'amount' }], name: 'Fare', type: 'record' }, name: 'fare' },
        { name: 'status', type: { default: 'OPEN', symbols: ['OPEN', 'DONE'], name: 'Status', type: 'enum' } },
        { name: 'bookedAt', type: { logicalType: 'timestamp-millis', type: 'long' } },
        { default: null, name: 'note', type: ['null', 'string'] },
        { default: { channel: 'web', source: 'app' }, type: { values: 'string', type: 'map' }, name: 'tags' },
      ],
      doc: 'A ride booked by a passenger',
      namespace: 'com.herald',
      name: 'Ride',
      type: 'record',
    };
    const expected = canonicalOf(ride);
    assert.equal(canonicalOf(reordered), expected);
    assert.equal(parseAvroSchema(JSON.stringify(ride, null, 4)).canonical, expected);
  });

  test('writes full names, so name plus namespace equals the dotted name', () => {
    const dotted = { ...ride, name: 'com.herald.Ride', namespace: undefined };
    assert.equal(canonicalOf(dotted), canonicalOf(ride));
    assert.match(canonicalOf(ride), /"name":"com\.herald\.Fare"/);
  });

  test('treats the defaults of Avro attributes as absent', () => {
    assert.equal(canonicalOf(rideWithId({ order: 'ascending', aliases: [] })), canonicalOf(ride));
    assert.equal(canonicalOf({ type: 'string' }), '"string"');
  });

  test('keeps doc, defaults, order, aliases, enum defaults, logical types and other attributes', () => {
    const base = canonicalOf(ride);
    const variants = {
      'a field doc': rideWithId({ doc: 'the ride id' }),
      'a record doc': { ...ride, doc: 'Another doc' },
      'a field default': rideWithId({ default: 'unknown' }),
      'a descending order': rideWithId({ order: 'descending' }),
      'a field alias': rideWithId({ aliases: ['rideId'] }),
      'a type alias': { ...ride, aliases: ['Trip'] },
      'another logical type': {
        ...ride,
        fields: ride.fields.map((f) => (f.name === 'bookedAt' ? { ...f, type: { type: 'long', logicalType: 'timestamp-micros' } } : f)),
      },
      'a custom attribute': { ...ride, 'connect.name': 'com.herald.Ride' },
      'a namespace': { ...ride, namespace: 'com.herald.v2' },
      'another field order': { ...ride, fields: [...ride.fields].reverse() },
    };
    for (const [change, schema] of Object.entries(variants)) {
      assert.notEqual(canonicalOf(schema), base, `canonical form ignores ${change}`);
    }
    assert.match(base, /"doc":"A ride booked by a passenger"/);
    assert.match(base, /"default":"OPEN"/);
    assert.match(base, /"logicalType":"timestamp-millis"/);
  });

  test('keeps the attributes of logical types', () => {
    const decimal = (precision: number) => ({ type: 'bytes', logicalType: 'decimal', precision, scale: 2 });
    assert.equal(canonicalOf(decimal(10)), '{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}');
    assert.notEqual(canonicalOf(decimal(10)), canonicalOf(decimal(12)));
  });

  test('parses back to itself, with nested, referenced, recursive and null-namespace types', () => {
    const tricky = {
      type: 'record',
      name: 'Node',
      namespace: 'com.herald',
      fields: [
        { name: 'next', type: ['null', 'Node'], default: null },
        { name: 'origin', type: { type: 'record', name: 'Point', namespace: '', fields: [{ name: 'lat', type: 'double' }] } },
        { name: 'destination', type: '.Point' },
        { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 16, aliases: ['Digest'] } },
        { name: 'stops', type: { type: 'array', items: '.Point' } },
      ],
    };
    const canonical = canonicalOf(tricky);
    assert.equal(parseAvroSchema(canonical).canonical, canonical);
    assert.match(canonical, /"name":"Point","namespace":""/);
    assert.match(canonical, /"aliases":\["com\.herald\.Digest"\]/);
  });

  test('handles top-level primitives and unions', () => {
    assert.equal(canonicalOf('long'), '"long"');
    assert.equal(canonicalOf(['null', { type: 'string' }]), '["null","string"]');
  });
});

describe('validation', () => {
  const rejections: Array<[string, string, RegExp]> = [
    ['bad JSON', '{"type": "record",', /^not valid JSON: /],
    ['an empty text', '', /^not valid JSON: /],
    ['an unknown type name', JSON.stringify(rideWithId({ type: 'strng' })), /^not valid Avro: undefined type name: com\.herald\.strng$/],
    ['an unknown type', '{"type":"recrd","name":"Ride","fields":[]}', /^not valid Avro: unknown type: "recrd"$/],
    ['a record without a name', '{"type":"record","fields":[]}', /^not valid Avro: missing name property/],
    ['a field without a name', '{"type":"record","name":"Ride","fields":[{"type":"string"}]}', /^not valid Avro: field #1 of record 'Ride' has no name$/],
    ['a field without a type', '{"type":"record","name":"Ride","fields":[{"name":"id"}]}', /^not valid Avro: field 'Ride.id' has no type$/],
    [
      'a duplicate field',
      '{"type":"record","name":"Ride","fields":[{"name":"id","type":"string"},{"name":"id","type":"long"}]}',
      /^not valid Avro: record 'Ride' declares field 'id' twice$/,
    ],
    [
      'a default of the wrong type',
      '{"type":"record","name":"com.herald.Ride","fields":[{"name":"seats","type":"int","default":"two"}]}',
      /^not valid Avro: invalid default of field 'Ride.seats': incompatible field default "two" \(invalid "int": "two"\)$/,
    ],
    [
      'the bad one of two equal defaults',
      '{"type":"record","name":"Ride","fields":[{"name":"seats","type":"int","default":0},{"name":"code","type":"string","default":0}]}',
      /^not valid Avro: invalid default of field 'Ride.code': /,
    ],
    [
      'a union default that only matches a later branch',
      '{"type":"record","name":"Ride","fields":[{"name":"note","type":["null","string"],"default":"none"}]}',
      /^not valid Avro: invalid default of field 'Ride.note': .*union defaults must match the first branch's type \("null"\)$/,
    ],
    [
      'a nested record default missing a field',
      JSON.stringify({
        ...ride,
        fields: [{ name: 'fare', type: { type: 'record', name: 'Fare', fields: [{ name: 'amount', type: 'double' }] }, default: {} }],
      }),
      /^not valid Avro: invalid default of field 'Ride.fare': incompatible field default \{\} \(invalid "double": undefined\)$/,
    ],
    ['an enum default that is not a symbol', '{"type":"enum","name":"Status","symbols":["OPEN"],"default":"DONE"}', /^not valid Avro: invalid "Status" default: "DONE"$/],
    ['a duplicate type name', JSON.stringify({ ...ride, fields: [{ name: 'again', type: { ...ride, fields: [] } }] }), /^not valid Avro: duplicate type name: com\.herald\.Ride$/],
  ];
  for (const [what, text, message] of rejections) {
    test(`rejects ${what}`, () => {
      assert.throws(() => parseAvroSchema(text), (error: unknown) => {
        assert.ok(error instanceof InvalidSchemaError);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  test('accepts valid defaults of every kind', () => {
    const schema = {
      type: 'record',
      name: 'Defaults',
      fields: [
        { name: 'count', type: 'long', default: 3 },
        { name: 'ratio', type: 'float', default: 0.5 },
        { name: 'raw', type: 'bytes', default: '\u00ff' },
        { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 2 }, default: 'ab' },
        { name: 'optional', type: ['string', 'null'], default: 'none' },
        { name: 'stops', type: { type: 'array', items: 'int' }, default: [1, 2] },
      ],
    };
    assert.doesNotThrow(() => parseAvroSchema(JSON.stringify(schema)));
  });

  test('accepts a record default that relies on the defaults inside the record', () => {
    const fare = { type: 'record', name: 'Fare', fields: [{ name: 'amount', type: 'double', default: 0 }] };
    const schema = { type: 'record', name: 'Ride', fields: [{ name: 'fare', type: fare, default: {} }] };
    assert.match(parseAvroSchema(JSON.stringify(schema)).canonical, /"default":\{\}/);
  });
});

describe('describeType', () => {
  test('names named types by full name and others by type name', () => {
    const parsed = parseAvroSchema(JSON.stringify(ride));
    assert.equal(describeType(parsed.type), 'com.herald.Ride');
    assert.equal(describeType(parseAvroSchema('"string"').type), 'string');
    assert.equal(describeType(parseAvroSchema('{"type":"array","items":{"type":"map","values":"long"}}').type), 'array<map<long>>');
    assert.equal(describeType(parseAvroSchema(JSON.stringify(['null', ride])).type), 'union<null, com.herald.Ride>');
  });
});
