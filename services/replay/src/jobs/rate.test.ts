import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateMeter, TokenBucket } from './rate.js';

test('the token bucket holds a job to its rate after a burst of one second', async () => {
  const bucket = new TokenBucket(200);
  const signal = new AbortController().signal;
  const started = performance.now();
  for (let i = 0; i < 300; i++) await bucket.take(1, signal);
  const elapsed = performance.now() - started;
  // 200 at once, then 100 at 200/s: about half a second.
  assert.ok(elapsed >= 450 && elapsed < 1500, `took ${elapsed.toFixed(0)} ms`);
});

test('a wait for tokens ends as soon as the job stops', async () => {
  const bucket = new TokenBucket(1);
  const controller = new AbortController();
  await bucket.take(1, controller.signal);
  const waiting = bucket.take(1, controller.signal);
  const started = performance.now();
  setTimeout(() => controller.abort(new Error('stop')), 50);
  await assert.rejects(waiting);
  assert.ok(performance.now() - started < 300);
});

test('the rate meter reports events per second over its window', () => {
  const meter = new RateMeter(5000);
  assert.equal(meter.rate, 0);
  meter.sample(0, 0);
  meter.sample(500, 1000);
  meter.sample(1500, 2000);
  assert.equal(meter.rate, 750);
  // Old samples leave the window.
  meter.sample(2500, 8000);
  assert.equal(meter.rate, (2500 - 1500) / 6);
});
