// Property tests: over random patterns and events drawn from a small shared vocabulary (so
// that matches happen), the compiled index over many patterns returns exactly the ids for which
// the reference evaluator says yes, and explain agrees with evaluate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { check, compile, evaluate, explain, type AnythingBut, type Matcher, type NumericCondition, type Pattern } from './index.js';

// `toString` is also a name every object inherits: an event without it must not match on it.
const names = ['a', 'b', 'c', 'toString'] as const;
const strings = ['x', 'X', 'xy', 'XY', 'yx', 'xay', 'a*b', 'a\\b', 'é', 'É', 'ÉCOLE', 'école', 'ΟΔΟΣ', 'οδοσ', '', '5', '10.0.0.1', '10.0.1.255', '::1', '2001:db8::7'] as const;
const numbers = [0, -1, 1, 1.5, 5, 100, -0.5] as const;
const scalars = [...strings, ...numbers, true, false, null] as const;

const matcher: fc.Arbitrary<Matcher> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Matcher>(...scalars) },
  { weight: 2, arbitrary: fc.constantFrom('x', 'X', '', 'é', 'É', 'a', 'ο').map((prefix): Matcher => ({ prefix })) },
  { weight: 1, arbitrary: fc.constantFrom('x', 'É', 'ΟΔΟΣ', '').map((text): Matcher => ({ prefix: { 'equals-ignore-case': text } })) },
  { weight: 2, arbitrary: fc.constantFrom('y', 'x', 'b', '', 'É', '.1').map((suffix): Matcher => ({ suffix })) },
  { weight: 1, arbitrary: fc.constantFrom('Y', 'ole', 'Σ').map((text): Matcher => ({ suffix: { 'equals-ignore-case': text } })) },
  { weight: 2, arbitrary: fc.constantFrom('x', 'É', 'ΟΔΟΣ', 'Xy', '').map((text): Matcher => ({ 'equals-ignore-case': text })) },
  { weight: 2, arbitrary: fc.constantFrom('x*', '*y', '*', 'x*y', 'a\\*b', '*a*', 'a\\\\b', '*.1', 'x').map((wildcard): Matcher => ({ wildcard })) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom<AnythingBut>(
        'x',
        5,
        ['x', 'y', ''],
        [0, 1, 5],
        { prefix: 'x' },
        { suffix: 'y' },
        { 'equals-ignore-case': 'X' },
        { 'equals-ignore-case': ['é', 'xy'] },
        { wildcard: 'x*' },
        { wildcard: ['*y', 'é'] },
      )
      .map((argument): Matcher => ({ 'anything-but': argument })),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom<NumericCondition>(['>', 0], ['>=', 1, '<', 5], ['=', 5], ['<', -0.5], ['>', 1, '<=', 100], ['<=', 0], ['>=', -1, '<=', 1.5], ['<', 100, '>', 0], ['=', -1])
      .map((numeric): Matcher => ({ numeric })),
  },
  { weight: 5, arbitrary: fc.boolean().map((exists): Matcher => ({ exists })) },
  { weight: 1, arbitrary: fc.constantFrom('10.0.0.0/24', '10.0.0.0/16', '0.0.0.0/0', '::1/128', '2001:db8::/32', '::/0').map((cidr): Matcher => ({ cidr })) },
);

const matchers = fc.array(matcher, { minLength: 1, maxLength: 3 });
// Half the event values come from the few that many matchers above accept.
const scalar = fc.oneof(fc.constantFrom<unknown>(...scalars), fc.constantFrom<unknown>('x', 'xy', 'X', 5, 1.5, '10.0.0.1'));

function pattern(depth: number): fc.Arbitrary<Pattern> {
  const field: fc.Arbitrary<Pattern[string]> = depth === 0 ? matchers : fc.oneof({ weight: 3, arbitrary: matchers }, { weight: 1, arbitrary: pattern(depth - 1) });
  // Sizes keep every pattern within patternLimits (at most 16 combinations, 864 matchers).
  const fields = fc.dictionary(fc.constantFrom(...names), field, { minKeys: 1, maxKeys: 2 });
  if (depth === 0) return fields;
  // An alternative often names a field its parent names too: the two must then hold together.
  const or = fc.option(fc.array(pattern(depth - 1), { minLength: 2, maxLength: 2 }), { freq: 3 });
  return fc.tuple(fields, or).map(([object, alternatives]) => (alternatives === null ? object : { ...object, $or: alternatives }));
}

function value(depth: number): fc.Arbitrary<unknown> {
  const options: fc.WeightedArbitrary<unknown>[] = [
    { weight: 8, arbitrary: scalar },
    { weight: 3, arbitrary: fc.array(scalar, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.array(fc.array(scalar, { maxLength: 2 }), { maxLength: 2 }) },
  ];
  if (depth > 0) {
    options.push(
      { weight: 3, arbitrary: object(depth - 1) },
      { weight: 3, arbitrary: fc.array(object(depth - 1), { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.array(fc.oneof(scalar, object(depth - 1), fc.array(object(depth - 1), { maxLength: 2 })), { maxLength: 3 }) },
    );
  }
  return fc.oneof(...options);
}

function object(depth: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(fc.constantFrom(...names), value(depth), { minKeys: depth > 1 ? 3 : 1, maxKeys: 4 });
}

const anyPattern = fc.oneof({ weight: 4, arbitrary: pattern(0) }, { weight: 2, arbitrary: pattern(1) }, { weight: 2, arbitrary: pattern(2) });
const patterns = fc.array(anyPattern, { minLength: 1, maxLength: 25 });
const events = fc.array(object(3), { minLength: 1, maxLength: 8 });
const seed = 20251126;

test('check accepts every generated pattern', () => {
  fc.assert(
    fc.property(pattern(2), (p) => {
      assert.equal(check(p), undefined);
    }),
    { numRuns: 2000, seed },
  );
});

test('the compiled index over many patterns returns exactly the ids the reference evaluator matches', () => {
  let pairs = 0;
  let matched = 0;
  fc.assert(
    fc.property(patterns, events, (ps, es) => {
      const compiled = compile(ps.map((p, i) => ({ id: `p${i}`, pattern: p })));
      assert.equal(compiled.size, ps.length);
      for (const event of es) {
        const expected = ps.flatMap((p, i) => (evaluate(p, event) ? [`p${i}`] : []));
        pairs += ps.length;
        matched += expected.length;
        assert.deepEqual(compiled.match(event), expected, `event ${JSON.stringify(event)}`);
      }
    }),
    { numRuns: 600, seed },
  );
  // The property means something only if both answers are common.
  const share = matched / pairs;
  assert.ok(share > 0.1 && share < 0.9, `matched share ${share.toFixed(3)} of ${pairs} pairs`);
});

test('each pattern compiled alone agrees with the reference evaluator, and explain agrees with evaluate', () => {
  fc.assert(
    fc.property(pattern(2), events, (p, es) => {
      const compiled = compile([{ id: 'only', pattern: p }]);
      for (const event of es) {
        const expected = evaluate(p, event);
        assert.deepEqual(compiled.match(event), expected ? ['only'] : []);
        const explanation = explain(p, event);
        assert.equal(explanation.matched, expected);
        if (!explanation.matched) assert.ok(explanation.reason.length > 0);
      }
    }),
    { numRuns: 1000, seed: seed + 1 },
  );
});
