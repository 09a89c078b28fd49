import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY_POLICY, failureActions } from '@herald/catalog';
import { componentSchemas } from './openapi.js';
import { invalidPattern, validatePatternTest, validateSubscriptionCreate, validateSubscriptionUpdate, type SubscriptionCreateBody, type ValidationError } from './validation.js';

const NAME_PATTERN = componentSchemas.SubscriptionName.pattern;
const TYPE_PATTERN = componentSchemas.EventTypeName.pattern;

const billing = {
  name: 'billing.completed-rides',
  description: 'Completed rides, for invoicing.',
  eventTypes: ['com.acme.rides.ride.completed'],
} satisfies SubscriptionCreateBody;

const invalid = (...errors: ValidationError[]) => ({ ok: false, errors });

test('subscriptions: the required fields alone, and every field, are a valid declaration', () => {
  assert.deepEqual(validateSubscriptionCreate(billing), { ok: true, value: billing });
  const full = {
    ...billing,
    name: '0-a_b.c',
    owner: 'team:billing@acme',
    eventTypes: Array.from({ length: 20 }, (_, i) => `com.acme.t${i}.happened`),
    pattern: { data: { currency: ['EUR'] } },
    destination: { topic: 'sub.invoicing', deadLetterTopic: 'sub.invoicing.failed' },
    ordering: 'partition',
    failure: { retry: { maxAttempts: 100, initialBackoffMs: 0, maxBackoffMs: 3_600_000, multiplier: 10, jitter: 1 }, then: 'block' },
  } satisfies SubscriptionCreateBody;
  assert.deepEqual(validateSubscriptionCreate(full), { ok: true, value: full });
  for (const then of failureActions) assert.equal(validateSubscriptionCreate({ ...billing, failure: { then } }).ok, true, then);
  assert.equal(validateSubscriptionCreate({ ...billing, name: 'x'.repeat(100) }).ok, true);
  assert.equal(validateSubscriptionCreate({ ...billing, failure: { retry: { maxAttempts: 1, multiplier: 1, jitter: 0 } } }).ok, true);
  assert.equal(validateSubscriptionCreate({ ...billing, failure: { retry: {} } }).ok, true, 'every retry setting has a default');
  assert.equal(validateSubscriptionCreate({ ...billing, pattern: {} }).ok, true, 'the schema takes any object; @herald/patterns checks it');
});

const createCases: [string, unknown, ValidationError[]][] = [
  ['not an object', [billing], [{ path: '', message: 'must be object' }]],
  ['missing name', { ...billing, name: undefined }, [{ path: '/name', message: "must have required property 'name'" }]],
  ['missing eventTypes', { ...billing, eventTypes: undefined }, [{ path: '/eventTypes', message: "must have required property 'eventTypes'" }]],
  ['missing description', { ...billing, description: undefined }, [{ path: '/description', message: "must have required property 'description'" }]],
  ['name in upper case', { ...billing, name: 'Billing' }, [{ path: '/name', message: `must match pattern "${NAME_PATTERN}"` }]],
  ['name starting with a dot', { ...billing, name: '.billing' }, [{ path: '/name', message: `must match pattern "${NAME_PATTERN}"` }]],
  ['name too long', { ...billing, name: 'x'.repeat(101) }, [{ path: '/name', message: `must match pattern "${NAME_PATTERN}"` }]],
  ['no event types', { ...billing, eventTypes: [] }, [{ path: '/eventTypes', message: 'must have at least 1 item' }]],
  ['21 event types', { ...billing, eventTypes: Array.from({ length: 21 }, (_, i) => `com.acme.t${i}.happened`) }, [{ path: '/eventTypes', message: 'must have at most 20 items' }]],
  [
    'an event type twice',
    { ...billing, eventTypes: ['com.acme.a.b', 'com.acme.c.d', 'com.acme.a.b'] },
    [{ path: '/eventTypes', message: 'must not repeat an item (items 0 and 2 are the same)' }],
  ],
  ['an event type that is no type name', { ...billing, eventTypes: ['rides'] }, [{ path: '/eventTypes/0', message: `must match pattern "${TYPE_PATTERN}"` }]],
  ['pattern that is an array', { ...billing, pattern: [{ type: ['x'] }] }, [{ path: '/pattern', message: 'must be object' }]],
  ['pattern that is a string', { ...billing, pattern: '{"type":["x"]}' }, [{ path: '/pattern', message: 'must be object' }]],
  ['another ordering', { ...billing, ordering: 'global' }, [{ path: '/ordering', message: 'must be one of "partition"' }]],
  ['unknown failure action', { ...billing, failure: { then: 'retry-forever' } }, [{ path: '/failure/then', message: 'must be one of "dead-letter", "discard", "block"' }]],
  [
    'retry out of bounds',
    { ...billing, failure: { retry: { maxAttempts: 0, initialBackoffMs: -1, maxBackoffMs: 3_600_001, multiplier: 0.5, jitter: 1.5 } } },
    [
      { path: '/failure/retry/maxAttempts', message: 'must be >= 1' },
      { path: '/failure/retry/initialBackoffMs', message: 'must be >= 0' },
      { path: '/failure/retry/maxBackoffMs', message: 'must be <= 3600000' },
      { path: '/failure/retry/multiplier', message: 'must be >= 1' },
      { path: '/failure/retry/jitter', message: 'must be <= 1' },
    ],
  ],
  ['too many attempts', { ...billing, failure: { retry: { maxAttempts: 101 } } }, [{ path: '/failure/retry/maxAttempts', message: 'must be <= 100' }]],
  ['fractional attempts', { ...billing, failure: { retry: { maxAttempts: 2.5 } } }, [{ path: '/failure/retry/maxAttempts', message: 'must be integer' }]],
  ['maxBackoffMs below initialBackoffMs', { ...billing, failure: { retry: { initialBackoffMs: 1000, maxBackoffMs: 999 } } }, [{ path: '/failure/retry/maxBackoffMs', message: 'must be >= initialBackoffMs (1000)' }]],
  [
    'initialBackoffMs above the default maxBackoffMs',
    { ...billing, failure: { retry: { initialBackoffMs: DEFAULT_RETRY_POLICY.maxBackoffMs + 1 } } },
    [{ path: '/failure/retry/initialBackoffMs', message: `must be <= maxBackoffMs (${DEFAULT_RETRY_POLICY.maxBackoffMs}, the default)` }],
  ],
  [
    'maxBackoffMs below the default initialBackoffMs',
    { ...billing, failure: { retry: { maxBackoffMs: DEFAULT_RETRY_POLICY.initialBackoffMs - 1 } } },
    [{ path: '/failure/retry/maxBackoffMs', message: `must be >= initialBackoffMs (${DEFAULT_RETRY_POLICY.initialBackoffMs})` }],
  ],
  ['unknown retry setting', { ...billing, failure: { retry: { retries: 3 } } }, [{ path: '/failure/retry/retries', message: "unknown property 'retries'" }]],
  [
    'destination topics outside sub.',
    { ...billing, destination: { topic: 'events.com.acme.rides.ride.completed', deadLetterTopic: '_herald.event-types' } },
    [
      { path: '/destination/topic', message: 'must start with "sub." (and go on): the router writes to no other topics' },
      { path: '/destination/deadLetterTopic', message: 'must start with "sub." (and go on): the router writes to no other topics' },
    ],
  ],
  ['destination topic "sub."', { ...billing, destination: { topic: 'sub.' } }, [{ path: '/destination/topic', message: 'must start with "sub." (and go on): the router writes to no other topics' }]],
  ['destination topic with a space', { ...billing, destination: { topic: 'sub.a b' } }, [{ path: '/destination/topic', message: 'must match pattern "^[a-zA-Z0-9._-]{1,249}$"' }]],
  ['one topic for both', { ...billing, destination: { topic: 'sub.x', deadLetterTopic: 'sub.x' } }, [{ path: '/destination/deadLetterTopic', message: 'must differ from the other destination topic (sub.x)' }]],
  [
    // `sub.<name>.dlq` is the default dead-letter topic.
    'a destination that is the default dead-letter topic',
    { ...billing, destination: { topic: 'sub.billing.completed-rides.dlq' } },
    [{ path: '/destination/topic', message: 'must differ from the other destination topic (sub.billing.completed-rides.dlq)' }],
  ],
  ['unknown destination field', { ...billing, destination: { partitions: 3 } }, [{ path: '/destination/partitions', message: "unknown property 'partitions'" }]],
  ['read-only fields', { ...billing, revision: 1 }, [{ path: '/revision', message: "unknown property 'revision'" }]],
  [
    'wrong types',
    { ...billing, description: 42, owner: ['billing'], failure: { retry: { jitter: '0.1' }, then: null } },
    [
      { path: '/description', message: 'must be string' },
      { path: '/owner', message: 'must be string' },
      { path: '/failure/retry/jitter', message: 'must be number' },
      { path: '/failure/then', message: 'must be one of "dead-letter", "discard", "block"' },
    ],
  ],
];

for (const [name, body, errors] of createCases) {
  test(`subscriptions: ${name}`, () => {
    assert.deepEqual(validateSubscriptionCreate(body), invalid(...errors));
  });
}

test('subscriptions: PUT takes a fetched resource back, with its name, revision and timestamps', () => {
  const fetched = {
    ...billing,
    owner: 'billing',
    destination: { topic: 'sub.billing.completed-rides', deadLetterTopic: 'sub.billing.completed-rides.dlq' },
    ordering: 'partition',
    failure: { retry: DEFAULT_RETRY_POLICY, then: 'dead-letter' },
    revision: 3,
    createdAt: '2026-11-26T10:00:00.000Z',
    updatedAt: '2026-11-26T11:00:00.000Z',
  };
  assert.deepEqual(validateSubscriptionUpdate(fetched), { ok: true, value: fetched });
  const { name: _name, ...declaration } = billing;
  assert.deepEqual(validateSubscriptionUpdate(declaration), { ok: true, value: declaration });
});

test('subscriptions: PUT checks the declaration as POST does', () => {
  assert.deepEqual(
    validateSubscriptionUpdate({ eventTypes: [], revision: 0, failure: { retry: { initialBackoffMs: 10, maxBackoffMs: 5 } } }),
    invalid(
      { path: '/description', message: "must have required property 'description'" },
      { path: '/eventTypes', message: 'must have at least 1 item' },
      { path: '/revision', message: 'must be >= 1' },
    ),
  );
  // The backoff rule runs once the schema passes.
  assert.deepEqual(
    validateSubscriptionUpdate({ ...billing, failure: { retry: { initialBackoffMs: 10, maxBackoffMs: 5 } } }),
    invalid({ path: '/failure/retry/maxBackoffMs', message: 'must be >= initialBackoffMs (10)' }),
  );
  assert.deepEqual(validateSubscriptionUpdate({ ...billing, destination: { topic: 'orders' } }), invalid({ path: '/destination/topic', message: 'must start with "sub." (and go on): the router writes to no other topics' }));
});

test('pattern test: a type and a pattern, and at most 100,000 events', () => {
  const body = { eventType: 'com.acme.rides.ride.completed', pattern: { data: { currency: ['EUR'] } } };
  assert.deepEqual(validatePatternTest(body), { ok: true, value: body });
  assert.deepEqual(validatePatternTest({ ...body, last: 1 }), { ok: true, value: { ...body, last: 1 } });
  assert.deepEqual(validatePatternTest({ ...body, last: 0 }), invalid({ path: '/last', message: 'must be >= 1' }));
  assert.deepEqual(validatePatternTest({ ...body, last: 100_001 }), invalid({ path: '/last', message: 'must be <= 100000' }));
  assert.deepEqual(
    validatePatternTest({ type: 'x' }),
    invalid(
      { path: '/eventType', message: "must have required property 'eventType'" },
      { path: '/pattern', message: "must have required property 'pattern'" },
      { path: '/type', message: "unknown property 'type'" },
    ),
  );
});

test('paths are JSON pointers: "/" and "~" in property names are escaped', () => {
  assert.deepEqual(validateSubscriptionCreate({ ...billing, 'a/b~c': 1 }), invalid({ path: '/a~1b~0c', message: "unknown property 'a/b~c'" }));
});

test('an invalid pattern is answered with where in the pattern and why', () => {
  const problem = invalidPattern({ path: 'data.fare[0].numeric', reason: 'must be a list of an operator and a number' });
  assert.equal(problem.status, 400);
  assert.deepEqual(problem.toJSON(), {
    type: 'https://herald.dev/problems/invalid-pattern',
    title: 'Invalid event pattern',
    status: 400,
    code: 'invalid_pattern',
    detail: 'pattern data.fare[0].numeric: must be a list of an operator and a number',
    path: 'data.fare[0].numeric',
    reason: 'must be a list of an operator and a number',
  });
  assert.equal(invalidPattern({ path: '', reason: 'must be an object' }).detail, 'the pattern: must be an object');
});
