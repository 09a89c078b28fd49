import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertValid, check, compile, evaluate, explain, PatternError, referencesField, type Pattern, type PatternEntry } from './index.js';

/** An event whose `data` is a getter, like the router's view of a record whose data is not decoded. */
function lazyEvent(attributes: Record<string, unknown>, decode: () => unknown): { event: object; reads: () => number } {
  let reads = 0;
  const event = Object.defineProperty({ ...attributes }, 'data', {
    get() {
      reads++;
      return decode();
    },
    enumerable: false,
  });
  return { event, reads: () => reads };
}

test('a throwing data getter is not touched when no pattern names data', () => {
  const compiled = compile([
    { id: 'by-type', pattern: { type: ['com.acme.ride.requested'] } },
    { id: 'by-subject', pattern: { subject: [{ prefix: 'rides/' }], $or: [{ source: ['a'] }, { source: [{ exists: false }] }] } },
  ]);
  const { event, reads } = lazyEvent({ type: 'com.acme.ride.requested', subject: 'rides/1' }, () => {
    throw new Error('undecodable');
  });
  assert.deepEqual(compiled.match(event), ['by-type', 'by-subject']);
  assert.equal(reads(), 0);
});

test('a data getter is read once when patterns name data, and what it throws propagates', () => {
  const patterns: PatternEntry[] = [
    { id: 'by-type', pattern: { type: ['t'] } },
    { id: 'amount', pattern: { data: { amount: [{ numeric: ['>', 100] }] } } },
    { id: 'no-coupon', pattern: { data: { coupon: [{ exists: false }] } } },
  ];
  const compiled = compile(patterns);
  const failing = lazyEvent({ type: 't' }, () => {
    throw new Error('undecodable');
  });
  assert.throws(() => compiled.match(failing.event), /undecodable/);
  assert.equal(failing.reads(), 1);

  const decoded = lazyEvent({ type: 't' }, () => ({ amount: 150 }));
  assert.deepEqual(compiled.match(decoded.event), ['by-type', 'amount', 'no-coupon']);
  assert.equal(decoded.reads(), 1);
  // A throw leaves no state behind.
  assert.deepEqual(compiled.match({ type: 'x', data: { amount: 1, coupon: 'c' } }), []);

  // exists:false under data needs data too.
  const onlyAbsence = compile([{ id: 'no-coupon', pattern: { data: { coupon: [{ exists: false }] } } }]);
  const again = lazyEvent({}, () => {
    throw new Error('undecodable');
  });
  assert.throws(() => onlyAbsence.match(again.event), /undecodable/);
});

test('match reads only the fields patterns name, and never enumerates the event', () => {
  const read: string[] = [];
  const target = { type: 't', source: 's', secret: 'x', data: { amount: 5, other: 1 } };
  const watch = (object: object, prefix: string): object =>
    new Proxy(object, {
      get(o, key) {
        read.push(`${prefix}${String(key)}`);
        const value: unknown = Reflect.get(o, key);
        return typeof value === 'object' && value !== null ? watch(value, `${prefix}${String(key)}.`) : value;
      },
      ownKeys() {
        throw new Error('enumerated the event');
      },
      getOwnPropertyDescriptor() {
        throw new Error('enumerated the event');
      },
      has() {
        throw new Error('used in');
      },
    });
  const compiled = compile([
    { id: 'a', pattern: { type: ['t'], data: { amount: [5] } } },
    { id: 'b', pattern: { missing: [{ exists: false }] } },
  ]);
  assert.deepEqual(compiled.match(watch(target, '')), ['a', 'b']);
  assert.deepEqual(read.sort(), ['data', 'data.amount', 'missing', 'type']);
});

test('ids come back once each, in the order they were compiled, and never as null', () => {
  const compiled = compile([
    { id: 'z', pattern: { n: [{ numeric: ['>', 0] }] } },
    { id: 'a', pattern: { $or: [{ n: [1] }, { n: [{ numeric: ['<', 5] }] }] } },
    { id: 'm', pattern: { n: [1, { exists: true }] } },
  ]);
  assert.equal(compiled.size, 3);
  assert.deepEqual(compiled.match({ n: [1, 2, 3] }), ['z', 'a', 'm']);
  assert.deepEqual(compiled.match({ n: -1 }), ['a', 'm']);
  assert.deepEqual(compiled.match({}), []);
  assert.deepEqual(compile([]).match({ n: 1 }), []);
  assert.equal(compile([]).size, 0);
});

test('compile rejects an invalid pattern naming its id, and a repeated id', () => {
  assert.throws(
    () => compile([{ id: 'ok', pattern: { a: ['x'] } }, { id: 'sub-7', pattern: { data: { amount: [{ numeric: ['>', '100'] }] } } as unknown as Pattern }]),
    (error: unknown) =>
      error instanceof PatternError &&
      error.code === 'invalid_pattern' &&
      error.patternId === 'sub-7' &&
      error.path === 'data.amount[0].numeric[1]' &&
      error.message === 'pattern "sub-7": data.amount[0].numeric[1]: must be a finite number, not a string',
  );
  assert.throws(
    () => compile([{ id: 'twice', pattern: { a: ['x'] } }, { id: 'twice', pattern: { b: ['y'] } }]),
    (error: unknown) => error instanceof PatternError && error.code === 'duplicate_id' && error.patternId === 'twice' && !error.retriable,
  );
});

test('check returns undefined for a valid pattern; assertValid throws the same error check returns', () => {
  const pattern: unknown = JSON.parse('{"type":["t"],"data":{"amount":[{"numeric":[">=",0,"<",10]}]}}');
  assert.equal(check(pattern), undefined);
  assertValid(pattern);
  assert.deepEqual(Object.keys(pattern), ['type', 'data']);

  const invalid: unknown = { data: { amount: [{ numeric: ['>', 10, '<', 1] }] } };
  const error = check(invalid);
  assert.ok(error instanceof PatternError);
  assert.equal(error.path, 'data.amount[0].numeric');
  assert.match(error.reason, /^empty range/);
  assert.equal(error.message, `data.amount[0].numeric: ${error.reason}`);
  assert.throws(() => assertValid(invalid), (thrown: unknown) => thrown instanceof PatternError && thrown.message === error.message);
  // A pattern as a whole has the empty path.
  assert.equal(check([])?.path, '');
  assert.equal(check([])?.message, 'pattern: a pattern must be an object of fields, not an array');
  // Field names that are not identifiers are quoted.
  assert.equal(check({ 'a.b': { 'c d': [[1]] } })?.path, '["a.b"]["c d"][0]');
});

test('explain names the first field that failed and why', () => {
  const pattern: Pattern = { type: ['t'], data: { amount: [{ numeric: ['>', 100] }] } };
  assert.deepEqual(explain(pattern, { type: 't', data: { amount: 150 } }), { matched: true });
  assert.deepEqual(explain(pattern, { type: 't', data: { amount: 50 } }), { matched: false, path: 'data.amount', reason: 'no value matched [{"numeric":[">",100]}]' });
  assert.deepEqual(explain(pattern, { type: 'u', data: { amount: 50 } }), { matched: false, path: 'type', reason: 'no value matched ["t"]' });
  assert.deepEqual(explain(pattern, { type: 't' }), { matched: false, path: 'data.amount', reason: 'field is missing' });
  assert.deepEqual(explain(pattern, { type: 't', data: { amount: { value: 150 } } }), { matched: false, path: 'data.amount', reason: 'field is an object, not a value' });
  assert.deepEqual(explain(pattern, { type: 't', data: { amount: [] } }), { matched: false, path: 'data.amount', reason: 'field is an empty array' });
  assert.deepEqual(explain({ coupon: [{ exists: false }] }, { coupon: 'c' }), { matched: false, path: 'coupon', reason: 'field is present (expected [{"exists":false}])' });
  assert.deepEqual(explain({ 'detail-type': ['x'], 'a b': ['y'] }, { 'detail-type': 'x' }), { matched: false, path: '["a b"]', reason: 'field is missing' });
});

test('explain for $or lists every alternative, and for arrays of objects the first element', () => {
  const or: Pattern = { data: { $or: [{ vip: [true] }, { amount: [{ numeric: ['>', 100] }] }] } };
  assert.deepEqual(explain(or, { data: { vip: false, amount: 5 } }), {
    matched: false,
    path: 'data.$or',
    reason: 'no $or alternative matched: [0] data.vip: no value matched [true]; [1] data.amount: no value matched [{"numeric":[">",100]}]',
  });
  const items: Pattern = { items: { sku: ['a'], qty: [2] } };
  assert.deepEqual(explain(items, { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }] }), {
    matched: false,
    path: 'items',
    reason: 'no element of the array matched every condition; element 0: items.qty: no value matched [2]',
  });
  assert.deepEqual(explain(items, { items: [{ sku: 'b', qty: 2 }] }), { matched: false, path: 'items.sku', reason: 'no value matched ["a"]' });
  assert.deepEqual(explain(items, { items: [{ sku: 'b' }, { sku: 'a', qty: 2 }] }), { matched: true });
});

test('referencesField looks at the top level and top-level $or alternatives', () => {
  assert.equal(referencesField({ type: ['t'] }, 'data'), false);
  assert.equal(referencesField({ type: ['t'], data: { x: [1] } }, 'data'), true);
  assert.equal(referencesField({ data: [{ exists: false }] }, 'data'), true);
  assert.equal(referencesField({ $or: [{ type: ['t'] }, { $or: [{ source: ['s'] }, { data: { y: [1] } }] }] }, 'data'), true);
  assert.equal(referencesField({ other: { data: [1] } }, 'data'), false);
  assert.equal(referencesField({ type: ['t'] }, 'type'), true);
});

test('values that are not JSON values: Buffers have no fields, functions and bigints are not values', () => {
  const compiled = compile([
    { id: 'byte', pattern: { payload: { '0': [1] } } },
    { id: 'payload-absent', pattern: { payload: [{ exists: false }] } },
    { id: 'n-present', pattern: { n: [{ exists: true }] } },
    { id: 'n-range', pattern: { n: [{ numeric: ['>', 0] }] } },
  ]);
  assert.deepEqual(compiled.match({ payload: Buffer.from([1, 2]), n: 5n }), ['payload-absent']);
  assert.deepEqual(compiled.match({ payload: () => 1, n: Infinity }), ['payload-absent', 'n-present', 'n-range']);
});

test('a long array of objects and deep events are walked without per-element state leaking', () => {
  const compiled = compile([{ id: 'pair', pattern: { items: { sku: ['a'], qty: [{ numeric: ['>=', 2] }] } } }]);
  const items = Array.from({ length: 10_000 }, (_, i) => ({ sku: i % 2 === 0 ? 'a' : 'b', qty: i % 2 === 0 ? 1 : 2 }));
  assert.deepEqual(compiled.match({ items }), []);
  items.push({ sku: 'a', qty: 2 });
  assert.deepEqual(compiled.match({ items }), ['pair']);
});

test('an event that is an array (or not an object) matches like the reference evaluator says', () => {
  const patterns: Pattern[] = [
    { type: ['a'] },
    { type: ['a'], n: [1] },
    { type: [{ prefix: 'b' }] },
    { x: [{ exists: false }] },
    { type: [{ 'anything-but': 'a' }] },
  ];
  const compiled = compile(patterns.map((pattern, i) => ({ id: `${i}`, pattern })));
  const events: unknown[] = [[{ type: 'a' }, { type: 'bee', n: 1 }], [[{ type: 'a', n: 1 }]], [], [[]], ['s', 1], [{ x: 1 }], 'text', null, [{ type: 'c' }, 5]];
  for (const event of events) {
    const expected = patterns.flatMap((p, i) => (evaluate(p, event) ? [`${i}`] : []));
    assert.deepEqual(compiled.match(event as object), expected, JSON.stringify(event));
  }
});
