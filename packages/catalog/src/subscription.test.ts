import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, deadLetterTopicOf, destinationTopicOf } from './subscription.js';

const policy = { maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 1000, multiplier: 2, jitter: 0.5 };

test('backoff grows by the multiplier from the initial value and stops at the maximum', () => {
  const noJitter = () => 0;
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs(policy, attempt, noJitter)), [100, 200, 400, 800, 1000, 1000]);
});

test('jitter shortens a backoff by at most its share', () => {
  assert.equal(backoffMs(policy, 3, () => 1), 200);
  assert.equal(backoffMs(policy, 3, () => 0.5), 300);
  for (let i = 0; i < 100; i++) {
    const wait = backoffMs(policy, 2, Math.random);
    assert.ok(wait >= 100 && wait <= 200, String(wait));
  }
});

test('a subscription\'s topics derive from its name', () => {
  assert.equal(destinationTopicOf('billing-completed'), 'sub.billing-completed');
  assert.equal(deadLetterTopicOf('billing-completed'), 'sub.billing-completed.dlq');
});
