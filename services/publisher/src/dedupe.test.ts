import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupeWindow, type WrittenAt } from './dedupe.js';

const at = (offset: string): WrittenAt => ({ partition: 2, offset });
const settle = () => new Promise((r) => setImmediate(r));

function clockedWindow(options: { windowMs: number; maxEntries: number }) {
  let now = 1_000;
  const window = new DedupeWindow({ ...options, now: () => now });
  return { window, advance: (ms: number) => (now += ms) };
}

test('a written (source, id) is remembered with its position; the same id from another source is new', async () => {
  const { window } = clockedWindow({ windowMs: 60_000, maxEntries: 10 });
  assert.deepEqual(window.seen('s1', 'a'), { state: 'new' });
  window.begin('s1', 'a', Promise.resolve(at('7')));
  await settle();
  assert.deepEqual(window.seen('s1', 'a'), { state: 'written', at: at('7') });
  assert.deepEqual(window.seen('s2', 'a'), { state: 'new' });
});

test('a repeat during the write waits for it; a failed write is forgotten so a retry can write', async () => {
  const { window } = clockedWindow({ windowMs: 60_000, maxEntries: 10 });
  let fail!: (v: WrittenAt | undefined) => void;
  window.begin('s', 'b', new Promise((r) => (fail = r)));
  const seen = window.seen('s', 'b');
  assert.equal(seen.state, 'pending');
  fail(undefined);
  assert.equal(await (seen as { outcome: Promise<unknown> }).outcome, undefined);
  await settle();
  assert.deepEqual(window.seen('s', 'b'), { state: 'new' });
});

test('entries expire after the window, and the oldest go first past the cap; pending ones stay', async () => {
  const { window, advance } = clockedWindow({ windowMs: 1_000, maxEntries: 3 });
  window.begin('s', '1', Promise.resolve(at('1')));
  advance(600);
  window.begin('s', '2', Promise.resolve(at('2')));
  await settle();
  advance(500);
  assert.equal(window.seen('s', '1').state, 'new', 'expired after 1,000 ms');
  assert.equal(window.seen('s', '2').state, 'written');
  window.begin('s', 'pending', new Promise(() => undefined));
  window.begin('s', '3', Promise.resolve(at('3')));
  window.begin('s', '4', Promise.resolve(at('4')));
  await settle();
  assert.equal(window.size, 3);
  assert.equal(window.seen('s', '2').state, 'new', 'the oldest written entry made room');
  assert.equal(window.seen('s', 'pending').state, 'pending', 'an unresolved write is never evicted');
});

test('a window of 0 ms remembers nothing', () => {
  const window = new DedupeWindow({ windowMs: 0, maxEntries: 10 });
  window.begin('s', 'x', Promise.resolve(at('1')));
  assert.deepEqual(window.seen('s', 'x'), { state: 'new' });
  assert.equal(window.size, 0);
});
