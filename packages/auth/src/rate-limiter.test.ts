import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limiter.js';

function limiter(ratePerSecond: number, burst: number) {
  const clock = { ms: 0 };
  return { clock, limiter: new RateLimiter({ ratePerSecond, burst, now: () => clock.ms }) };
}

test('a full bucket accepts a burst, then refuses', () => {
  const { limiter: rl } = limiter(2, 5);
  assert.deepEqual(rl.take('rides-service', 3), { ok: true });
  assert.deepEqual(rl.take('rides-service', 2), { ok: true });
  assert.deepEqual(rl.take('rides-service'), { ok: false, retryAfterSeconds: 1 });
  assert.deepEqual(rl.take('billing', 5), { ok: true }, 'every principal has its own bucket');
});

test('tokens come back at the rate, up to the burst', () => {
  const { clock, limiter: rl } = limiter(2, 5);
  rl.take('rides-service', 5);
  clock.ms = 1000;
  assert.deepEqual(rl.take('rides-service', 2), { ok: true });
  assert.equal(rl.take('rides-service').ok, false);
  clock.ms = 60_000;
  assert.deepEqual(rl.take('rides-service', 5), { ok: true }, 'a long pause refills to the burst');
  assert.equal(rl.take('rides-service').ok, false, 'and no further');
});

test('a refusal takes nothing and says when to retry, rounded up to whole seconds', () => {
  const { clock, limiter: rl } = limiter(2, 5);
  rl.take('rides-service', 5);
  assert.deepEqual(rl.take('rides-service', 1), { ok: false, retryAfterSeconds: 1 }, '0.5 s');
  assert.deepEqual(rl.take('rides-service', 3), { ok: false, retryAfterSeconds: 2 }, '1.5 s');
  clock.ms = 250;
  assert.deepEqual(rl.take('rides-service', 5), { ok: false, retryAfterSeconds: 3 }, '2.25 s');
  clock.ms = 1500;
  assert.deepEqual(rl.take('rides-service', 3), { ok: true }, 'the refusals took no tokens');
});

test('a cost above the burst never passes, and still gets a retry time', () => {
  const { limiter: rl } = limiter(10, 100);
  assert.deepEqual(rl.take('rides-service', 150), { ok: false, retryAfterSeconds: 5 });
  assert.deepEqual(rl.take('rides-service', 100), { ok: true }, 'the refusal took nothing');
});

test('idle buckets are dropped once they would be full again, so memory stays bounded', () => {
  const { clock, limiter: rl } = limiter(10, 20);
  for (let i = 0; i < 1000; i++) rl.take(`principal-${i}`, 20);
  assert.equal(rl.size, 1000);
  clock.ms = 1999;
  rl.take('rides-service');
  assert.equal(rl.size, 1001, 'none is full yet');
  assert.deepEqual(rl.take('principal-0', 20), { ok: false, retryAfterSeconds: 1 }, 'each still holds 19.99 tokens, not 20');
  clock.ms = 2000;
  rl.take('rides-service');
  assert.equal(rl.size, 1, 'the full ones are gone; the active one stays');
  assert.deepEqual(rl.take('principal-0', 20), { ok: true }, 'a dropped bucket comes back full, as it would have been');
});

test('nonsense rates, bursts and costs are programmer errors', () => {
  assert.throws(() => new RateLimiter({ ratePerSecond: 0, burst: 1 }), RangeError);
  assert.throws(() => new RateLimiter({ ratePerSecond: 1, burst: 0.5 }), RangeError);
  assert.throws(() => new RateLimiter({ ratePerSecond: Number.NaN, burst: 1 }), RangeError);
  const { limiter: rl } = limiter(1, 1);
  assert.throws(() => rl.take('rides-service', 0), RangeError);
  assert.throws(() => rl.take('rides-service', 1.5), RangeError);
});
