import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAvroSchema, type ParsedSchema } from './avro.js';
import {
  canRead,
  checkCompatibility,
  compatibilityLevels,
  findIncompatibilities,
  isCompatibilityLevel,
  type CompatibilityLevel,
  type CompatibilityResult,
} from './compatibility.js';

type Field = Record<string, unknown>;

function parse(schema: unknown): ParsedSchema {
  return parseAvroSchema(JSON.stringify(schema));
}

function ride(fields: Field[], attributes: Record<string, unknown> = {}): unknown {
  return { type: 'record', name: 'Ride', namespace: 'com.herald', fields, ...attributes };
}

/** Checks `candidate` against `previous`, numbered 1, 2, … oldest first. */
function check(level: CompatibilityLevel, candidate: unknown, ...previous: unknown[]): CompatibilityResult {
  return checkCompatibility({
    level,
    candidate: parse(candidate),
    previous: previous.map((schema, index) => ({ version: index + 1, schema: parse(schema) })),
  });
}

function assertCompatible(result: CompatibilityResult): void {
  assert.deepEqual(result, { compatible: true, messages: [] });
}

function assertIncompatible(result: CompatibilityResult, messages: string[]): void {
  assert.deepEqual(result, { compatible: false, messages });
}

const id: Field = { name: 'id', type: 'string' };
const driverId: Field = { name: 'driverId', type: 'string' };
const note: Field = { name: 'note', type: ['null', 'string'], default: null };
const seats: Field = { name: 'seats', type: 'int' };
const status = (symbols: string[], extra: Record<string, unknown> = {}): Field => ({
  name: 'status',
  type: { type: 'enum', name: 'Status', symbols, ...extra },
});
const fare = (amount: unknown): Field => ({ name: 'fare', type: { type: 'record', name: 'Fare', fields: [{ name: 'amount', type: amount }] } });

const v1 = ride([id, driverId]);

describe('compatibility levels', () => {
  test('are the closed list Confluent accepts', () => {
    assert.deepEqual(compatibilityLevels, ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE']);
    assert.equal(isCompatibilityLevel('FULL_TRANSITIVE'), true);
    assert.equal(isCompatibilityLevel('full'), false);
    assert.equal(isCompatibilityLevel(undefined), false);
  });

  test('every level accepts the first version of a subject', () => {
    for (const level of compatibilityLevels) assertCompatible(check(level, v1));
  });
});

describe('checkCompatibility', () => {
  test('NONE accepts any change', () => {
    assertCompatible(check('NONE', ride([{ name: 'id', type: 'long' }]), v1));
  });

  test('BACKWARD accepts a new optional field', () => {
    assertCompatible(check('BACKWARD', ride([id, driverId, note]), v1));
  });

  test('BACKWARD rejects a new field without default', () => {
    assertIncompatible(check('BACKWARD', ride([id, driverId, seats]), v1), [
      "BACKWARD: reader field 'Ride.seats' (int) of the new schema has no default and is missing from version 1",
    ]);
  });

  test('BACKWARD checks the latest version only, BACKWARD_TRANSITIVE every version', () => {
    const v2 = ride([id, { ...seats, default: 1 }]);
    const candidate = ride([id, seats]);
    assertCompatible(check('BACKWARD', candidate, ride([id]), v2));
    assertIncompatible(check('BACKWARD_TRANSITIVE', candidate, ride([id]), v2), [
      "BACKWARD: reader field 'Ride.seats' (int) of the new schema has no default and is missing from version 1",
    ]);
    assertCompatible(check('BACKWARD_TRANSITIVE', ride([id, { ...seats, default: 2 }]), ride([id]), v2));
  });

  test('FORWARD accepts a new field without default, which old readers skip', () => {
    assertCompatible(check('FORWARD', ride([id, driverId, seats]), v1));
  });

  test('FORWARD rejects removing a field old readers need', () => {
    assertIncompatible(check('FORWARD', ride([id]), v1), [
      "FORWARD: reader field 'Ride.driverId' (string) of version 1 has no default and is missing from the new schema",
    ]);
  });

  test('FORWARD checks the latest version only, FORWARD_TRANSITIVE every version', () => {
    const v2 = ride([id, { ...driverId, default: 'unassigned' }]);
    const candidate = ride([id]);
    assertCompatible(check('FORWARD', candidate, v1, v2));
    assertIncompatible(check('FORWARD_TRANSITIVE', candidate, v1, v2), [
      "FORWARD: reader field 'Ride.driverId' (string) of version 1 has no default and is missing from the new schema",
    ]);
    assertCompatible(check('FORWARD_TRANSITIVE', ride([id, driverId, note]), v1, v2));
  });

  test('FULL accepts a new optional field and rejects what fails either way', () => {
    assertCompatible(check('FULL', ride([id, driverId, note]), v1));
    assertIncompatible(check('FULL', ride([id, seats]), v1), [
      "BACKWARD: reader field 'Ride.seats' (int) of the new schema has no default and is missing from version 1",
      "FORWARD: reader field 'Ride.driverId' (string) of version 1 has no default and is missing from the new schema",
    ]);
  });

  test('FULL checks the latest version only, FULL_TRANSITIVE every version, newest first', () => {
    const candidate = ride([id, { name: 'code', type: 'string', default: '' }]);
    const previous = [ride([id, { name: 'code', type: 'int' }]), ride([id])];
    assertCompatible(check('FULL', candidate, ...previous));
    assertIncompatible(check('FULL_TRANSITIVE', candidate, ...previous), [
      "BACKWARD: type of field 'Ride.code' changed from int in version 1 to string in the new schema, and string cannot read int",
      "FORWARD: type of field 'Ride.code' changed from int in version 1 to string in the new schema, and int cannot read string",
    ]);
    assertIncompatible(check('FULL_TRANSITIVE', ride([id, seats]), ride([id, driverId]), ride([id])), [
      "BACKWARD: reader field 'Ride.seats' (int) of the new schema has no default and is missing from version 2",
      "BACKWARD: reader field 'Ride.seats' (int) of the new schema has no default and is missing from version 1",
      "FORWARD: reader field 'Ride.driverId' (string) of version 1 has no default and is missing from the new schema",
    ]);
  });
});

describe('messages', () => {
  const explained: Array<[string, CompatibilityLevel, unknown, unknown, string[]]> = [
    [
      'an enum symbol the old reader lacks',
      'FORWARD',
      ride([status(['OPEN', 'DONE', 'CANCELLED'])]),
      ride([status(['OPEN', 'DONE'])]),
      ["FORWARD: reader enum 'com.herald.Status' at field 'Ride.status' of version 1 lacks symbol 'CANCELLED' written by the new schema and has no default"],
    ],
    [
      'removed enum symbols',
      'BACKWARD',
      ride([status(['OPEN'])]),
      ride([status(['OPEN', 'DONE', 'CANCELLED'])]),
      ["BACKWARD: reader enum 'com.herald.Status' at field 'Ride.status' of the new schema lacks symbols 'DONE', 'CANCELLED' written by version 1 and has no default"],
    ],
    [
      'a changed type in a nested record',
      'BACKWARD',
      ride([fare('string')]),
      ride([fare('double')]),
      ["BACKWARD: type of field 'Fare.amount' changed from double in version 1 to string in the new schema, and string cannot read double"],
    ],
    [
      'a promotion the old reader cannot undo',
      'FORWARD',
      ride([{ name: 'seats', type: 'long' }]),
      ride([seats]),
      ["FORWARD: type of field 'Ride.seats' changed from int in version 1 to long in the new schema, and int cannot read long"],
    ],
    [
      'a union branch added',
      'FORWARD',
      ride([{ name: 'tip', type: ['null', 'string', 'long'], default: null }]),
      ride([{ name: 'tip', type: ['null', 'string'], default: null }]),
      ["FORWARD: long written at field 'Ride.tip' by the new schema matches no branch of union<null, string> in version 1"],
    ],
    [
      'a field made optional',
      'FORWARD',
      ride([note]),
      ride([{ name: 'note', type: 'string' }]),
      ["FORWARD: branch null of union<null, string> written at field 'Ride.note' by the new schema cannot be read as string by version 1"],
    ],
    [
      'changed array items and map values',
      'BACKWARD',
      ride([
        { name: 'stops', type: { type: 'array', items: 'string' } },
        { name: 'tags', type: { type: 'map', values: 'int' } },
      ]),
      ride([
        { name: 'stops', type: { type: 'array', items: 'int' } },
        { name: 'tags', type: { type: 'map', values: 'string' } },
      ]),
      [
        "BACKWARD: type of field 'Ride.stops[]' changed from int in version 1 to string in the new schema, and string cannot read int",
        "BACKWARD: type of field 'Ride.tags{}' changed from string in version 1 to int in the new schema, and int cannot read string",
      ],
    ],
    [
      'a fixed of another size',
      'BACKWARD',
      ride([{ name: 'hash', type: { type: 'fixed', name: 'Hash', size: 32 } }]),
      ride([{ name: 'hash', type: { type: 'fixed', name: 'Hash', size: 16 } }]),
      ["BACKWARD: fixed 'com.herald.Hash' at field 'Ride.hash' has size 16 in version 1 but size 32 in the new schema"],
    ],
    [
      'a renamed record without alias',
      'BACKWARD',
      { type: 'record', name: 'com.herald.Trip', fields: [id] },
      ride([id]),
      ["BACKWARD: record at the top level is named 'com.herald.Ride' in version 1 but 'com.herald.Trip' in the new schema, which has no alias 'com.herald.Ride'"],
    ],
    [
      // The spec matches unqualified names; avsc (like Avro Java) wants the full name.
      'a record moved to another namespace',
      'BACKWARD',
      ride([id], { namespace: 'com.herald.v2' }),
      ride([id]),
      ["BACKWARD: record at the top level is named 'com.herald.Ride' in version 1 but 'com.herald.v2.Ride' in the new schema, which has no alias 'com.herald.Ride'"],
    ],
    [
      'a renamed field without alias',
      'BACKWARD',
      ride([{ name: 'driver', type: 'string' }]),
      ride([driverId]),
      ["BACKWARD: reader field 'Ride.driver' (string) of the new schema has no default and is missing from version 1"],
    ],
    [
      'an alias that matches a second writer field',
      'BACKWARD',
      ride([{ name: 'driver', type: 'string', aliases: ['driverId'] }]),
      ride([{ name: 'driver', type: 'string' }, driverId]),
      ["BACKWARD: reader field 'Ride.driver' of the new schema matches several fields of version 1 through its name and aliases: 'driver', 'driverId'"],
    ],
  ];
  for (const [change, level, candidate, previous, messages] of explained) {
    test(`name the field and the reason for ${change}`, () => {
      assertIncompatible(check(level, candidate, previous), messages);
    });
  }

  test('name a field inside a recursive type, and the walk ends', () => {
    const node = (value: string) => ({
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'value', type: value },
        { name: 'next', type: ['null', 'Node'], default: null },
      ],
    });
    assertCompatible(check('BACKWARD', node('long'), node('int')));
    assertIncompatible(check('FORWARD', node('long'), node('int')), [
      "FORWARD: type of field 'Node.value' changed from int in version 1 to long in the new schema, and int cannot read long",
    ]);
  });
});

describe('accepted changes', () => {
  const accepted: Array<[string, CompatibilityLevel, unknown, unknown]> = [
    ['an enum symbol the old reader maps to its default', 'FORWARD', ride([status(['OPEN', 'CANCELLED'])]), ride([status(['OPEN'], { default: 'OPEN' })])],
    ['a renamed field with the old name as alias', 'BACKWARD', ride([{ name: 'driver', type: 'string', aliases: ['driverId'] }]), ride([driverId])],
    ['a renamed record with the old name as alias', 'BACKWARD', { type: 'record', name: 'com.herald.Trip', aliases: ['com.herald.Ride'], fields: [id] }, ride([id])],
    ['int, long and float promoted', 'BACKWARD', ride([{ name: 'a', type: 'long' }, { name: 'b', type: 'double' }, { name: 'c', type: 'double' }]), ride([{ name: 'a', type: 'int' }, { name: 'b', type: 'long' }, { name: 'c', type: 'float' }])],
    ['string and bytes exchanged', 'FULL', ride([{ name: 'payload', type: 'bytes' }]), ride([{ name: 'payload', type: 'string' }])],
    ['a field made optional, for new readers', 'BACKWARD', ride([note]), ride([{ name: 'note', type: 'string' }])],
    ['a union branch removed that readers still have', 'FORWARD', ride([{ name: 'tip', type: ['null', 'string'], default: null }]), ride([{ name: 'tip', type: ['null', 'string', 'long'], default: null }])],
    // avsc is given no logical type implementations, so only the underlying types resolve.
    ['another logical type on the same underlying type', 'FULL', ride([{ name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } }]), ride([{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }])],
    ['a documentation change', 'FULL_TRANSITIVE', ride([{ ...id, doc: 'The ride id' }], { doc: 'A ride' }), ride([id])],
  ];
  for (const [change, level, candidate, previous] of accepted) {
    test(`${level} accepts ${change}`, () => {
      assertCompatible(check(level, candidate, previous));
    });
  }
});

describe('the walker', () => {
  const location = { type: 'record', name: 'Location', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] };
  const tree = (childType: string) => ({
    type: 'record',
    name: 'Tree',
    fields: [
      { name: 'label', type: childType },
      { name: 'children', type: { type: 'array', items: 'Tree' } },
      { name: 'parent', type: ['null', 'Tree'], default: null },
    ],
  });
  const schemas: Record<string, unknown> = {
    v1,
    withNote: ride([id, driverId, note]),
    withSeats: ride([id, driverId, seats]),
    withoutDriver: ride([id]),
    driverAsLong: ride([id, { name: 'driverId', type: 'long' }]),
    driverAsBytes: ride([id, { name: 'driverId', type: 'bytes' }]),
    driverOptional: ride([id, { name: 'driverId', type: ['null', 'string'], default: null }]),
    driverAliased: ride([id, { name: 'driver', type: 'string', aliases: ['driverId'] }]),
    trip: { type: 'record', name: 'com.herald.Trip', aliases: ['com.herald.Ride'], fields: [id, driverId] },
    otherNamespace: ride([id, driverId], { namespace: 'com.herald.v2' }),
    statusTwo: ride([status(['OPEN', 'DONE'])]),
    statusThree: ride([status(['OPEN', 'DONE', 'CANCELLED'])]),
    statusWithDefault: ride([status(['OPEN'], { default: 'OPEN' })]),
    fareDouble: ride([fare('double')]),
    fareFloat: ride([fare('float')]),
    fareString: ride([fare('string')]),
    pickups: ride([{ name: 'pickups', type: { type: 'array', items: location } }]),
    pickupsOptional: ride([{ name: 'pickups', type: { type: 'array', items: ['null', location] } }]),
    tags: ride([{ name: 'tags', type: { type: 'map', values: 'int' } }]),
    tagsLong: ride([{ name: 'tags', type: { type: 'map', values: 'long' } }]),
    hash16: ride([{ name: 'hash', type: { type: 'fixed', name: 'Hash', size: 16 } }]),
    hash32: ride([{ name: 'hash', type: { type: 'fixed', name: 'Hash', size: 32 } }]),
    stringOrLong: ride([{ name: 'tip', type: ['string', 'long'] }]),
    stringOrInt: ride([{ name: 'tip', type: ['string', 'int'] }]),
    tipString: ride([{ name: 'tip', type: 'string' }]),
    treeInt: tree('int'),
    treeLong: tree('long'),
    topString: 'string',
    topUnion: ['null', 'string'],
    topArray: { type: 'array', items: 'int' },
  };
  const parsed = Object.entries(schemas).map(([name, schema]) => ({ name, schema: parse(schema) }));

  test("finds no incompatibility exactly when avsc can resolve, on every pair of sample schemas", () => {
    const verdicts = new Set<boolean>();
    for (const reader of parsed) {
      for (const writer of parsed) {
        const readable = canRead(reader.schema, writer.schema);
        verdicts.add(readable);
        const found = findIncompatibilities(reader.schema, writer.schema);
        assert.equal(found.length === 0, readable, `${reader.name} reading ${writer.name}: avsc says ${readable}, walker found ${JSON.stringify(found)}`);
      }
    }
    assert.deepEqual(verdicts, new Set([true, false]));
  });

  test('reports every problem, where avsc stops at the first', () => {
    const found = findIncompatibilities(parse(ride([{ name: 'driverId', type: 'long' }, seats])), parse(v1));
    assert.deepEqual(found, [
      { kind: 'type-changed', at: 'Ride.driverId', reader: 'long', writer: 'string' },
      { kind: 'missing-field', at: 'Ride.seats', type: 'int' },
    ]);
  });

  test('explains a record inside a union through the branch of the same name', () => {
    const found = findIncompatibilities(parse(schemas.pickupsOptional), parse(ride([{ name: 'pickups', type: { type: 'array', items: { ...location, fields: [] } } }])));
    assert.deepEqual(found, [
      { kind: 'missing-field', at: 'Location.lat', type: 'double' },
      { kind: 'missing-field', at: 'Location.lon', type: 'double' },
    ]);
  });
});
