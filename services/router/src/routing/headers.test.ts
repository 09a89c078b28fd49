import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { ERROR_HEADERS, ROUTING_HEADERS, forwarded, sizeOf } from './headers.js';

const message: KafkaMessage = {
  key: Buffer.from('r-1'),
  value: Buffer.from([0, 0, 0, 0, 1, 2]),
  headers: { ce_id: Buffer.from('e-1'), 'herald-signature': Buffer.from('k1:abc') },
  timestamp: '1790000000000',
  offset: '41',
  attributes: 0,
};

test('a forwarded record keeps key, value, headers and timestamp, and says where it came from', () => {
  const out = forwarded(message, { topic: 'events.x', partition: 3, offset: '41' }, 'billing');
  assert.equal(out.key, message.key);
  assert.equal(out.value, message.value);
  assert.equal(out.timestamp, message.timestamp);
  assert.equal(out.headers.ce_id, message.headers!.ce_id);
  assert.equal(out.headers['herald-signature'], message.headers!['herald-signature']);
  assert.equal(out.headers[ROUTING_HEADERS.subscription], 'billing');
  assert.equal(out.headers[ROUTING_HEADERS.originTopic], 'events.x');
  assert.equal(out.headers[ROUTING_HEADERS.originPartition], '3');
  assert.equal(out.headers[ROUTING_HEADERS.originOffset], '41');
  assert.equal(out.headers[ERROR_HEADERS.code], undefined);
  assert.equal(message.headers![ROUTING_HEADERS.subscription], undefined, 'the consumed record is not changed');
});

test('a dead letter carries the error, its message bounded', () => {
  const out = forwarded(message, { topic: 'events.x', partition: 0, offset: '41' }, 'billing', { code: 'undecodable_data', message: 'x'.repeat(5000), attempts: 3 });
  assert.equal(out.headers[ERROR_HEADERS.code], 'undecodable_data');
  assert.equal(String(out.headers[ERROR_HEADERS.message]).length, 2000);
  assert.equal(out.headers[ERROR_HEADERS.attempts], '3');
  assert.ok(Date.parse(String(out.headers[ERROR_HEADERS.time])) > 0);
});

test('the size of a record counts key, value, header names and values', () => {
  const out = { key: Buffer.from('ab'), value: Buffer.from('cde'), headers: { h: 'xy', g: Buffer.from('z') }, timestamp: '0' };
  assert.equal(sizeOf(out), 2 + 3 + 1 + 2 + 1 + 1);
});
