import assert from 'node:assert/strict';
import { test } from 'node:test';
import { table, tailedEventJson, tailedEventPretty, toJson, type TailedEvent } from './format.js';

test('table: columns padded to the widest cell, nothing for no rows', () => {
  assert.equal(table(['NAME', 'MODE'], [['a.b.c', 'state'], ['long.name.here', 'notification']]), 'NAME            MODE\na.b.c           state\nlong.name.here  notification\n');
  assert.equal(table(['A'], []), '');
});

test('toJson: Avro bytes as base64, bigints as strings', () => {
  assert.equal(toJson({ b: Buffer.from('hi'), n: 12n }), '{"b":"aGk=","n":"12"}');
});

const tailed: TailedEvent = {
  event: { specversion: '1.0', id: 'e1', type: 'com.acme.rides.ride.requested', source: 'https://rides', subject: 'rides/r-1', time: '2026-11-26T10:00:00.000Z', data: { rideId: 'r-1' } },
  verified: true,
  topic: 'sub.billing',
  partition: 3,
  offset: '42',
};

test('--output json: the CloudEvent with its data and verified, one line', () => {
  assert.deepEqual(JSON.parse(tailedEventJson(tailed)), { ...tailed.event, verified: true });
  const bad = JSON.parse(tailedEventJson({ ...tailed, verified: false, error: 'bad_signature: mismatch', event: { id: 'e1' } })) as Record<string, unknown>;
  assert.deepEqual(bad, { id: 'e1', verified: false, error: 'bad_signature: mismatch' });
  assert.ok(!tailedEventJson(tailed).includes('\n'));
});

test('pretty: one block per event, where it was read, whether it verified, the data indented', () => {
  const text = tailedEventPretty(tailed);
  assert.match(text, /^── com\.acme\.rides\.ride\.requested {2}e1 {2}\[verified\] {2}sub\.billing\/3@42\n/);
  assert.match(text, /\n {3}subject {7}rides\/r-1\n/);
  assert.match(text, /\n {3}data {10}\{\n {19}"rideId": "r-1"\n {17}\}\n$/);
  assert.match(tailedEventPretty({ ...tailed, verified: false, error: 'bad_signature: x' }), /\[NOT VERIFIED\][\s\S]*error {9}bad_signature: x/);
});
