import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copiedMessage } from './topic.js';
import type { ReplayItem } from './sink.js';

const item = (headers: ReplayItem['headers']): ReplayItem => ({
  topic: 'events.com.acme.rides.ride.requested',
  partition: 3,
  offset: '41',
  key: Buffer.from('r-1'),
  value: Buffer.from('data'),
  headers,
  timestamp: '1790000000000',
  attributes: undefined,
});

test('a copied record keeps key, value and headers, and says which job copied it from where', () => {
  const message = copiedMessage(item({ ce_id: 'e-1', 'herald-signature': 'k1:abc' }), 'job-1', false);
  assert.deepEqual(message.key, Buffer.from('r-1'));
  assert.deepEqual(message.value, Buffer.from('data'));
  assert.equal(message.timestamp, undefined, 'the broker stamps the copy: retention counts from the replay');
  assert.deepEqual(message.headers, {
    ce_id: 'e-1',
    'herald-signature': 'k1:abc',
    'herald-replay': 'job-1',
    'herald-origin-topic': 'events.com.acme.rides.ride.requested',
    'herald-origin-partition': '3',
    'herald-origin-offset': '41',
  });
});

test('a forwarded record keeps its origin; a redriven dead letter loses its error headers', () => {
  const dead = item({
    ce_id: 'e-2',
    'herald-origin-topic': 'events.x.y.z',
    'herald-origin-partition': '0',
    'herald-origin-offset': '7',
    'herald-error-code': 'undecodable_data',
    'herald-error-message': 'bad',
    'herald-error-attempts': '3',
    'herald-error-time': '2026-11-26T10:00:00Z',
  });
  const redriven = copiedMessage(dead, 'job-2', true);
  assert.deepEqual(Object.keys(redriven.headers!).sort(), ['ce_id', 'herald-origin-offset', 'herald-origin-partition', 'herald-origin-topic', 'herald-replay']);
  assert.equal(redriven.headers!['herald-origin-offset'], '7');
  const copied = copiedMessage(dead, 'job-3', false);
  assert.equal(copied.headers!['herald-error-code'], 'undecodable_data', 'a plain copy keeps them');
});
