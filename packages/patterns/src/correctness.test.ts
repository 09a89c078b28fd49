// Table-driven cases from correctness-cases.json (written from the EventBridge and event-ruler
// documentation; "(decision)" in a name marks behaviour this package chose, see the README).
// Every matching case runs through the reference evaluator and the compiled index, alone and
// all together; every invalid case through check().
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { check, compile, evaluate, explain, PatternError, type Pattern } from './index.js';

interface MatchCase {
  name: string;
  pattern: Pattern;
  event: Record<string, unknown>;
  matches: boolean;
}
interface InvalidCase {
  name: string;
  pattern: unknown;
  invalid: string;
  path?: string;
}

const cases = JSON.parse(readFileSync(new URL('../correctness-cases.json', import.meta.url), 'utf8')) as (MatchCase | InvalidCase)[];
const matching = cases.filter((c): c is MatchCase => 'matches' in c);
const invalid = cases.filter((c): c is InvalidCase => 'invalid' in c);

test('the case file is large and its names are unique', () => {
  assert.ok(matching.length >= 150, `${matching.length} matching cases`);
  assert.ok(invalid.length >= 30, `${invalid.length} invalid cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  assert.ok(matching.some((c) => c.matches) && matching.some((c) => !c.matches));
});

for (const c of matching) {
  test(`case: ${c.name}`, () => {
    assert.equal(check(c.pattern), undefined, 'the pattern is valid');
    assert.equal(evaluate(c.pattern, c.event), c.matches, 'reference evaluator');
    assert.deepEqual(compile([{ id: 'case', pattern: c.pattern }]).match(c.event), c.matches ? ['case'] : [], 'compiled alone');
    assert.equal(explain(c.pattern, c.event).matched, c.matches, 'explain');
  });
}

test('all matching cases compiled together: each id appears exactly for the events it matches', () => {
  const compiled = compile(matching.map((c, i) => ({ id: `${i}`, pattern: c.pattern })));
  assert.equal(compiled.size, matching.length);
  matching.forEach((c, i) => {
    const expected = matching.flatMap((other, j) => (evaluate(other.pattern, c.event) ? [`${j}`] : []));
    const ids = compiled.match(c.event);
    assert.deepEqual(ids, expected, c.name);
    assert.equal(ids.includes(`${i}`), c.matches, c.name);
  });
});

for (const c of invalid) {
  test(`invalid: ${c.name}`, () => {
    const error = check(c.pattern);
    assert.ok(error instanceof PatternError, 'check returns a PatternError');
    assert.equal(error.code, 'invalid_pattern');
    assert.equal(error.retriable, false);
    assert.ok(error.reason.includes(c.invalid), `reason ${JSON.stringify(error.reason)} includes ${JSON.stringify(c.invalid)}`);
    if (c.path !== undefined) assert.equal(error.path, c.path);
    assert.throws(() => compile([{ id: 'bad', pattern: c.pattern as Pattern }]), (e: unknown) => e instanceof PatternError && e.patternId === 'bad' && e.path === error.path);
  });
}
