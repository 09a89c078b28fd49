import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changedImmutableFields, partitionKeyOf, subjectOf, topicNameOf, type EventTypeSpec } from './event-type.js';

test('topic and subject names follow the type name (TopicNameStrategy for the subject)', () => {
  assert.equal(topicNameOf('com.acme.rides.ride.requested'), 'events.com.acme.rides.ride.requested');
  assert.equal(subjectOf('com.acme.rides.ride.requested'), 'events.com.acme.rides.ride.requested-value');
});

test('the partition key is read from a path into the data', () => {
  assert.deepEqual(partitionKeyOf({ rideId: 'r-1' }, 'rideId'), { ok: true, key: 'r-1' });
  assert.deepEqual(partitionKeyOf({ ride: { id: 42 } }, 'ride.id'), { ok: true, key: '42' });
  assert.deepEqual(partitionKeyOf({ ride: {} }, 'ride.id'), { ok: false, reason: "data has no value at 'ride.id' (the type's partition key)" });
  assert.equal(partitionKeyOf({ rideId: '' }, 'rideId').ok, false);
  assert.equal(partitionKeyOf({ rideId: null }, 'rideId').ok, false);
  assert.equal(partitionKeyOf({ rideId: { nested: true } }, 'rideId').ok, false);
  assert.equal(partitionKeyOf('not an object', 'rideId').ok, false);
});

test('mode, partition key and partition count are immutable', () => {
  const spec: EventTypeSpec = {
    name: 'a.b.c',
    description: 'd',
    owner: 'o',
    source: 'https://x.example',
    mode: 'state',
    schema: 'string',
    compatibility: 'BACKWARD',
    partitionKey: 'id',
    topic: { partitions: 6, retentionMs: 1, latestState: false },
    writers: [],
    readers: [],
  };
  assert.deepEqual(changedImmutableFields(spec, { ...spec, description: 'other', writers: ['w'], topic: { ...spec.topic, retentionMs: 2 } }), []);
  assert.deepEqual(changedImmutableFields(spec, { ...spec, mode: 'notification', partitionKey: 'x', topic: { ...spec.topic, partitions: 12 } }), ['mode', 'partitionKey', 'topic.partitions']);
});
