import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newestRanges } from './pattern-test.js';

const offsets = (...spans: [low: number, high: number][]) => spans.map(([low, high], partition) => ({ partition, low: String(low), high: String(high) }));
const ranges = (...spans: [partition: number, start: number, end: number][]) => spans.map(([partition, start, end]) => ({ partition, start: BigInt(start), end: BigInt(end) }));

test('the newest events are spread evenly over partitions that hold enough', () => {
  assert.deepEqual(newestRanges(offsets([0, 100], [0, 100], [0, 100]), 30), ranges([0, 90, 100], [1, 90, 100], [2, 90, 100]));
  // What does not divide evenly goes to the first partitions.
  assert.deepEqual(newestRanges(offsets([0, 100], [0, 100], [0, 100]), 31), ranges([0, 89, 100], [1, 90, 100], [2, 90, 100]));
});

test('a partition holding fewer than its share leaves the rest to the others', () => {
  assert.deepEqual(newestRanges(offsets([0, 2], [0, 100], [5, 5]), 10), ranges([0, 0, 2], [1, 92, 100]));
  assert.deepEqual(newestRanges(offsets([40, 43], [0, 4], [10, 100]), 12), ranges([0, 40, 43], [1, 0, 4], [2, 95, 100]));
});

test('a topic holding fewer than asked for gives all it holds; an empty one nothing', () => {
  assert.deepEqual(newestRanges(offsets([3, 5], [0, 1]), 100), ranges([0, 3, 5], [1, 0, 1]));
  assert.deepEqual(newestRanges(offsets([7, 7], [0, 0]), 100), []);
  assert.deepEqual(newestRanges([], 100), []);
});

test('more partitions than events: one event each from the first ones', () => {
  assert.deepEqual(newestRanges(offsets([0, 9], [0, 9], [0, 9], [0, 9]), 2), ranges([0, 8, 9], [1, 8, 9]));
});

test('offsets beyond 2^53 stay exact', () => {
  const high = 2n ** 60n;
  assert.deepEqual(newestRanges([{ partition: 0, low: '0', high: high.toString() }], 5), [{ partition: 0, start: high - 5n, end: high }]);
});

test('partitions are taken in partition order whatever order Kafka lists them in', () => {
  assert.deepEqual(
    newestRanges(
      [
        { partition: 1, low: '0', high: '10' },
        { partition: 0, low: '0', high: '10' },
      ],
      3,
    ),
    ranges([0, 8, 10], [1, 9, 10]),
  );
});
