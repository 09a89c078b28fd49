import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidv7 } from './ids.js';

test('uuidv7 has version 7, the RFC 9562 variant, and the time in its first 48 bits', () => {
  const now = Date.UTC(2026, 10, 26, 10, 0, 0, 123);
  const id = uuidv7(now);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replaceAll('-', '').slice(0, 12), 16), now);
});

test('uuidv7 ids sort by creation time and do not repeat', () => {
  const ids = [uuidv7(1000), uuidv7(2000), uuidv7(3000)];
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(Array.from({ length: 10_000 }, () => uuidv7(5))).size, 10_000);
});
