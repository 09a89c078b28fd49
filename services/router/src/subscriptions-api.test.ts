// The pure part of declaring a subscription: a validated body as the spec it declares. What
// SubscriptionAdmin does with Kafka and the catalogs (topics, grants, revisions, visibility) is
// tested on the real broker, in test/src/router.api.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY_POLICY } from '@herald/catalog';
import { subscriptionSpec } from './subscriptions-api.js';

const COMPLETED = 'com.acme.rides.ride.completed';

test('the defaults: owner the caller, topics sub.<name> and sub.<name>.dlq, partition order, retry then dead-letter', () => {
  assert.deepEqual(subscriptionSpec({ description: 'd', eventTypes: [COMPLETED] }, { name: 'a', owner: 'billing' }), {
    name: 'a',
    description: 'd',
    owner: 'billing',
    eventTypes: [COMPLETED],
    destination: { topic: 'sub.a', deadLetterTopic: 'sub.a.dlq' },
    ordering: 'partition',
    failure: { retry: DEFAULT_RETRY_POLICY, then: 'dead-letter' },
  });
  const spec = subscriptionSpec(
    { description: 'd', eventTypes: [COMPLETED], pattern: { type: [COMPLETED] }, destination: { topic: 'sub.x' }, failure: { retry: { maxAttempts: 7 }, then: 'block' } },
    { name: 'a', owner: 'billing' },
  );
  assert.deepEqual(spec.destination, { topic: 'sub.x', deadLetterTopic: 'sub.a.dlq' });
  assert.deepEqual(spec.failure, { retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 7 }, then: 'block' });
  assert.deepEqual(spec.pattern, { type: [COMPLETED] });
  // On a change the destination is the current one, whatever the body says or leaves out.
  const kept = { topic: 'sub.old', deadLetterTopic: 'sub.old.dlq' };
  assert.deepEqual(subscriptionSpec({ description: 'd', eventTypes: [COMPLETED], destination: { topic: 'sub.new' } }, { name: 'a', owner: 'billing', destination: kept }).destination, kept);
  assert.deepEqual(subscriptionSpec({ description: 'd', eventTypes: [COMPLETED] }, { name: 'a', owner: 'billing', destination: kept }).destination, kept);
});
