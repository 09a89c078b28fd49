import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY_POLICY, type Subscription } from '@herald/catalog';
import { RouteTable } from './table.js';

function subscription(name: string, eventTypes: string[], pattern?: Record<string, unknown>): Subscription {
  return {
    name,
    description: name,
    owner: 'billing',
    eventTypes,
    ...(pattern ? { pattern } : {}),
    destination: { topic: `sub.${name}`, deadLetterTopic: `sub.${name}.dlq` },
    ordering: 'partition',
    failure: { retry: DEFAULT_RETRY_POLICY, then: 'dead-letter' },
    revision: 1,
    createdAt: '2026-11-26T00:00:00.000Z',
    updatedAt: '2026-11-26T00:00:00.000Z',
  };
}

const A = 'com.acme.rides.ride.requested';
const B = 'com.acme.rides.ride.completed';

test('subscriptions are grouped per event type: without a pattern, on attributes only, on data', () => {
  const table = new RouteTable([
    subscription('all', [A]),
    subscription('by-subject', [A, B], { subject: [{ prefix: 'rides/' }] }),
    subscription('by-data', [A], { data: { status: ['COMPLETED'] } }),
    subscription('mixed', [B], { subject: ['rides/1'], data: { seq: [{ numeric: ['>', 3] }] } }),
  ]);
  assert.deepEqual(table.eventTypes.sort(), [A, B].sort());
  const a = table.routesOf(A)!;
  assert.deepEqual(a.always.map((s) => s.name), ['all']);
  assert.deepEqual(a.attributes?.match({ subject: 'rides/7', type: A }), ['by-subject']);
  assert.deepEqual(a.attributes?.match({ subject: 'cars/7', type: A }), []);
  assert.deepEqual(a.dataSubscriptions.map((s) => s.name), ['by-data']);
  assert.deepEqual(a.data?.match({ subject: 'x', data: { status: 'COMPLETED' } }), ['by-data']);
  const b = table.routesOf(B)!;
  assert.equal(b.always.length, 0);
  assert.deepEqual(b.dataSubscriptions.map((s) => s.name), ['mixed'], 'a pattern that tests data and attributes needs the data');
  assert.deepEqual(b.data?.match({ subject: 'rides/1', data: { seq: 4 } }), ['mixed']);
  assert.equal(table.routesOf('com.acme.nobody.reads'), undefined);
});

test('an attribute-only matcher never reads data', () => {
  const table = new RouteTable([subscription('by-type', [A], { type: [A] })]);
  const event = Object.defineProperty({ type: A }, 'data', {
    get() {
      throw new Error('decoded');
    },
  });
  assert.deepEqual(table.routesOf(A)!.attributes!.match(event), ['by-type']);
});

test('a subscription with an invalid pattern is left out, and the others are routed', () => {
  const table = new RouteTable([subscription('broken', [A], { subject: 'not-an-array' }), subscription('fine', [A], { subject: ['rides/1'] })]);
  assert.deepEqual(table.invalid.map((i) => i.name), ['broken']);
  assert.match(table.invalid[0]!.reason, /subject/);
  assert.deepEqual(table.routesOf(A)!.attributes!.match({ subject: 'rides/1' }), ['fine']);
  assert.equal(table.subscriptions.has('broken'), false);
});

test('a state type with a latest-state topic is routed there even without subscriptions', () => {
  const table = new RouteTable([subscription('all', [A])], [{ name: A }, { name: B, latestStateTopicName: `state.${B}` }]);
  assert.equal(table.routesOf(A)!.latestStateTopic, undefined);
  assert.equal(table.routesOf(B)!.latestStateTopic, `state.${B}`);
  assert.equal(table.routesOf(B)!.always.length, 0);
});
