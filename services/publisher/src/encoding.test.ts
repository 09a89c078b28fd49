import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import { conform, encode } from './encoding.js';

const ride = avro.Type.forSchema({
  type: 'record',
  name: 'Ride',
  fields: [
    { name: 'rideId', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'seats', type: 'int', default: 1 },
    { name: 'pickup', type: { type: 'record', name: 'Location', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] } },
    { name: 'stops', type: { type: 'array', items: 'Location' }, default: [] },
    { name: 'tags', type: { type: 'map', values: 'string' }, default: {} },
  ],
});

test('missing fields with defaults get them; the value encodes in Confluent wire format', () => {
  const result = conform(ride, { rideId: 'r', pickup: { lat: 1, lon: 2 } });
  assert.ok(result.ok);
  assert.deepEqual(result.value, { rideId: 'r', note: null, seats: 1, pickup: { lat: 1, lon: 2 }, stops: [], tags: {} });
  const bytes = encode({ id: 42, type: ride }, result.value);
  assert.equal(bytes[0], 0);
  assert.equal(bytes.readInt32BE(1), 42);
  assert.equal((ride.fromBuffer(bytes.subarray(5)) as { rideId: string }).rideId, 'r');
});

test('every problem is reported with its JSON pointer: missing, unknown, wrong type, nested, in arrays and maps', () => {
  const result = conform(ride, { note: 5, extra: true, pickup: { lat: 'north' }, stops: [{ lat: 1, lon: 2 }, { lat: 1 }], tags: { a: 1 } }, '/0/data');
  assert.ok(!result.ok);
  assert.deepEqual(
    result.problems.map((p) => p.path),
    ['/0/data/extra', '/0/data/rideId', '/0/data/note', '/0/data/pickup/lat', '/0/data/pickup/lon', '/0/data/stops/1/lon', '/0/data/tags/a'],
  );
  const byPath = Object.fromEntries(result.problems.map((p) => [p.path, p.message]));
  assert.match(byPath['/0/data/extra']!, /unknown field 'extra'/);
  assert.match(byPath['/0/data/rideId']!, /missing required field 'rideId' \(string\)/);
  assert.match(byPath['/0/data/pickup/lat']!, /expected double, got "north"/);
});

test('a record where a scalar is expected, and a scalar where a record is expected, are refused', () => {
  const notRecord = conform(ride, 'a string');
  assert.ok(!notRecord.ok);
  assert.deepEqual(notRecord.problems, [{ path: '/data', message: 'expected a record Ride, got "a string"' }]);
  const arrayForRecord = conform(ride, { rideId: 'r', pickup: [1, 2] });
  assert.ok(!arrayForRecord.ok);
  assert.equal(arrayForRecord.problems[0]?.path, '/data/pickup');
});
