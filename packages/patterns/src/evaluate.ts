// The reference evaluator: the semantics written as directly as possible, one pattern at a
// time, no index. Property tests hold the compiled matcher to it, and `explain` is it with
// reasons. It assumes a valid pattern (see check).
//
// A scope is the set of pattern objects that must hold for one event object: the pattern, its
// `$or` alternatives (one chosen per `$or`), and same-named nested objects of those, merged.
// When the value of a scope is an array, one element must satisfy the whole scope.
import { fieldPath } from './check.js';
import type { AnythingBut, Matcher, NumericCondition, Pattern } from './pattern.js';
import { cidrContains, foldCase, hasFields, parseCidr, parseIp, parseWildcard, readField, wildcardMatches, isValue, type Value, type Wildcard } from './values.js';

type FieldPattern = readonly Matcher[] | Pattern;

/** Whether the event matches the pattern. */
export function evaluate(pattern: Pattern, event: unknown): boolean {
  return scopeMatches([pattern], event);
}

/** The `$or` of one of the objects in a scope, and the scope without it. */
function splitOr(scope: readonly Pattern[]): { alternatives: readonly Pattern[]; rest: Pattern[] } | undefined {
  const at = scope.findIndex((object) => Object.hasOwn(object, '$or'));
  if (at < 0) return undefined;
  const { $or, ...others } = scope[at] as Pattern;
  return { alternatives: $or as readonly Pattern[], rest: [...scope.slice(0, at), others, ...scope.slice(at + 1)] };
}

/** Arrays of arrays count as one array. */
export function flatten(array: readonly unknown[], into: unknown[] = []): unknown[] {
  for (const item of array) {
    if (Array.isArray(item)) flatten(item, into);
    else into.push(item);
  }
  return into;
}

/** Every field named in the scope, with what each object of the scope asks of it. */
function fieldsOf(scope: readonly Pattern[]): Map<string, FieldPattern[]> {
  const fields = new Map<string, FieldPattern[]>();
  for (const object of scope) {
    for (const name of Object.keys(object)) {
      const list = fields.get(name) ?? [];
      list.push(object[name] as FieldPattern);
      fields.set(name, list);
    }
  }
  return fields;
}

function fieldOf(value: unknown, name: string): unknown {
  return hasFields(value) ? readField(value, name) : undefined;
}

function scopeMatches(scope: readonly Pattern[], value: unknown): boolean {
  const or = splitOr(scope);
  if (or !== undefined) return or.alternatives.some((alternative) => scopeMatches([...or.rest, alternative], value));
  if (Array.isArray(value)) {
    const elements = flatten(value);
    if (elements.length === 0) return scopeMatches(scope, undefined);
    return elements.some((element) => scopeMatches(scope, element));
  }
  if (scope.length === 1) {
    // One object: each field has one pattern (the common case, without building the map).
    const object = scope[0] as Pattern;
    for (const name of Object.keys(object)) if (!fieldMatches([object[name] as FieldPattern], fieldOf(value, name))) return false;
    return true;
  }
  for (const [name, patterns] of fieldsOf(scope)) if (!fieldMatches(patterns, fieldOf(value, name))) return false;
  return true;
}

/** Whether a field satisfies every pattern the scope has for it. */
function fieldMatches(patterns: readonly FieldPattern[], field: unknown): boolean {
  const nested: Pattern[] = [];
  for (const pattern of patterns) {
    if (Array.isArray(pattern)) {
      if (!valuesMatch(pattern as readonly Matcher[], field)) return false;
    } else {
      nested.push(pattern as Pattern);
    }
  }
  return nested.length === 0 || scopeMatches(nested, field);
}

/** The values of a field: the field itself, or the values in it if it is an array. */
export function valuesOf(field: unknown): Value[] {
  if (Array.isArray(field)) return flatten(field).filter(isValue);
  return isValue(field) ? [field] : [];
}

function isExists(matcher: Matcher, exists: boolean): boolean {
  return typeof matcher === 'object' && matcher !== null && 'exists' in matcher && matcher.exists === exists;
}

function valuesMatch(matchers: readonly Matcher[], field: unknown): boolean {
  const values = valuesOf(field);
  if (values.length === 0) return matchers.some((matcher) => isExists(matcher, false));
  return matchers.some((matcher) => isExists(matcher, true) || values.some((value) => matcherMatches(matcher, value)));
}

function wildcard(text: string): Wildcard {
  return parseWildcard(text) as Wildcard;
}

function numericMatches(condition: NumericCondition, value: number): boolean {
  for (let i = 0; i < condition.length; i += 2) {
    const bound = condition[i + 1] as number;
    switch (condition[i]) {
      case '<':
        if (!(value < bound)) return false;
        break;
      case '<=':
        if (!(value <= bound)) return false;
        break;
      case '=':
        if (!(value === bound)) return false;
        break;
      case '>':
        if (!(value > bound)) return false;
        break;
      case '>=':
        if (!(value >= bound)) return false;
        break;
    }
  }
  return true;
}

function anythingButMatches(argument: AnythingBut, value: Value): boolean {
  if (typeof argument === 'string' || typeof argument === 'number') return value !== argument;
  if (Array.isArray(argument)) return !(argument as readonly Value[]).includes(value);
  if (typeof value !== 'string') return false;
  const operator = argument as Exclude<AnythingBut, string | number | readonly unknown[]>;
  return stringExceptionMatches(operator, value);
}

function stringExceptionMatches(argument: Exclude<AnythingBut, string | number | readonly unknown[]>, value: string): boolean {
  if ('prefix' in argument) return !value.startsWith(argument.prefix);
  if ('suffix' in argument) return !value.endsWith(argument.suffix);
  if ('equals-ignore-case' in argument) {
    const list: readonly string[] = typeof argument['equals-ignore-case'] === 'string' ? [argument['equals-ignore-case']] : argument['equals-ignore-case'];
    return list.every((text) => foldCase(text) !== foldCase(value));
  }
  const list: readonly string[] = typeof argument.wildcard === 'string' ? [argument.wildcard] : argument.wildcard;
  return list.every((text) => !wildcardMatches(wildcard(text), value));
}

/** Whether one matcher accepts one value (exists is decided by the caller). */
function matcherMatches(matcher: Matcher, value: Value): boolean {
  if (typeof matcher !== 'object' || matcher === null) return matcher === value;
  if ('prefix' in matcher) {
    if (typeof value !== 'string') return false;
    const prefix = matcher.prefix;
    return typeof prefix === 'string' ? value.startsWith(prefix) : foldCase(value).startsWith(foldCase(prefix['equals-ignore-case']));
  }
  if ('suffix' in matcher) {
    if (typeof value !== 'string') return false;
    const suffix = matcher.suffix;
    return typeof suffix === 'string' ? value.endsWith(suffix) : foldCase(value).endsWith(foldCase(suffix['equals-ignore-case']));
  }
  if ('equals-ignore-case' in matcher) return typeof value === 'string' && foldCase(value) === foldCase(matcher['equals-ignore-case']);
  if ('wildcard' in matcher) return typeof value === 'string' && wildcardMatches(wildcard(matcher.wildcard), value);
  if ('anything-but' in matcher) return anythingButMatches(matcher['anything-but'], value);
  if ('numeric' in matcher) return typeof value === 'number' && numericMatches(matcher.numeric, value);
  if ('exists' in matcher) return matcher.exists;
  if (typeof value !== 'string') return false;
  const address = parseIp(value);
  const block = parseCidr(matcher.cidr);
  return address !== undefined && block !== undefined && cidrContains(block, address);
}

export type Explanation = { matched: true } | { matched: false; path: string; reason: string };

interface Failure {
  path: string;
  reason: string;
}

/**
 * Why an event does not match a pattern: the first field (in the pattern's order) that failed,
 * as a path into the event, and the reason. For `$or` the path ends in `$or` and the reason
 * lists each alternative's failure; for an array that must match as a whole, the reason gives
 * the first element's failure.
 */
export function explain(pattern: Pattern, event: unknown): Explanation {
  const failure = explainScope([pattern], event, '');
  return failure === undefined ? { matched: true } : { matched: false, ...failure };
}

function explainScope(scope: readonly Pattern[], value: unknown, path: string): Failure | undefined {
  const or = splitOr(scope);
  if (or !== undefined) {
    const failures: Failure[] = [];
    for (const alternative of or.alternatives) {
      const failure = explainScope([...or.rest, alternative], value, path);
      if (failure === undefined) return undefined;
      failures.push(failure);
    }
    return {
      path: path === '' ? '$or' : `${path}.$or`,
      reason: `no $or alternative matched: ${failures.map((f, i) => `[${i}] ${f.path === '' ? 'event' : f.path}: ${f.reason}`).join('; ')}`,
    };
  }
  if (Array.isArray(value)) {
    const elements = flatten(value);
    if (elements.length === 0) return explainScope(scope, undefined, path);
    let first: Failure | undefined;
    for (const element of elements) {
      const failure = explainScope(scope, element, path);
      if (failure === undefined) return undefined;
      first ??= failure;
    }
    if (elements.length === 1 || first === undefined) return first;
    return { path, reason: `no element of the array matched every condition; element 0: ${first.path}: ${first.reason}` };
  }
  for (const [name, patterns] of fieldsOf(scope)) {
    const field = fieldOf(value, name);
    const at = fieldPath(path, name);
    const nested: Pattern[] = [];
    for (const pattern of patterns) {
      if (!Array.isArray(pattern)) {
        nested.push(pattern as Pattern);
        continue;
      }
      const matchers = pattern as readonly Matcher[];
      if (!valuesMatch(matchers, field)) return { path: at, reason: whyNot(matchers, field) };
    }
    if (nested.length > 0) {
      const failure = explainScope(nested, field, at);
      if (failure !== undefined) return failure;
    }
  }
  return undefined;
}

function whyNot(matchers: readonly Matcher[], field: unknown): string {
  if (valuesOf(field).length > 0) {
    if (matchers.every((matcher) => isExists(matcher, false))) return 'field is present (expected [{"exists":false}])';
    return `no value matched ${JSON.stringify(matchers)}`;
  }
  if (field === undefined) return 'field is missing';
  if (Array.isArray(field)) return flatten(field).length === 0 ? 'field is an empty array' : 'field is an array of objects, not of values';
  if (hasFields(field)) return 'field is an object, not a value';
  return `field is not a JSON value (${typeof field})`;
}
