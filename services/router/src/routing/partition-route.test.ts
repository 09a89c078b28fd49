import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_OFFSET_METADATA_BYTES, formatMetadata, parseMetadata } from './partition-route.js';

test('held-back subscriptions survive the trip through the offset metadata', () => {
  const blocked = new Map([
    ['billing-completed', 12n],
    ['audit.all', 9_007_199_254_740_993n],
  ]);
  assert.deepEqual(parseMetadata(formatMetadata(blocked)), blocked);
});

test('no held-back subscription commits no metadata, and metadata that is not ours holds nothing back', () => {
  assert.equal(formatMetadata(new Map()), null);
  assert.equal(parseMetadata(null).size, 0);
  assert.equal(parseMetadata('').size, 0);
  assert.equal(parseMetadata('committed by kafka-consumer-groups').size, 0);
  assert.equal(parseMetadata('{"other": 1}').size, 0);
});

test('about 30 held-back subscriptions with long names fit the bound', () => {
  const blocked = new Map(Array.from({ length: 30 }, (_, i) => [`${'s'.repeat(90)}-${i}`, 1_000_000_000n + BigInt(i)] as const));
  assert.ok((formatMetadata(blocked)?.length ?? 0) <= MAX_OFFSET_METADATA_BYTES);
});
